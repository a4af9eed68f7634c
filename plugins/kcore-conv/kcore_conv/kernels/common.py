"""Helpers the convolution kernels share: window geometry, the output epilogue and the
separable composition (the NumPy kernels and the generic ones alike)."""
from kcore.backend.device import ACTIVE
from kcore_conv import geometry


def bias_relu_epilogue(b, activation):
    """The in-place epilogue of a convolution's output blocks: add ``b``, then ReLU."""
    xp = ACTIVE.xp
    if b is None and activation is None:
        return None

    def epilogue(block):
        if b is not None:
            block += b
        if activation == 'relu':
            xp.maximum(block, 0, out=block)
    return epilogue


def plan_windows(in_sizes, kernel, strides, padding, dilation):
    """Padding amounts and output sizes of a sliding window over ``in_sizes``."""
    pads = [geometry.padding_amounts(n, k, padding, s, d)
            for n, k, s, d in zip(in_sizes, kernel, strides, dilation)]
    out = tuple(geometry.output_length(n, k, padding, s, d)
                for n, k, s, d in zip(in_sizes, kernel, strides, dilation))
    return pads, out


def separable(depthwise_conv, conv):
    """The separable convolution kernel made of a depthwise and a pointwise (1x1) kernel:
    ``(x, depthwise_kernel, pointwise_kernel[, bias], ...)``, one node with one vjp."""
    def separable_conv(x, dw, pw, b=None, strides=None, padding='valid', dilation_rate=None,
                       data_format='channels_last', activation=None):
        """A depthwise convolution followed by a pointwise (1x1) one, as one node."""
        rank = dw.ndim - 2
        mid, depthwise_vjp = depthwise_conv(x, dw, None, strides, padding, dilation_rate, data_format)
        out, pointwise_vjp = conv(mid, pw, b, (1,) * rank, 'valid', (1,) * rank, data_format, activation)

        def vjp(g, needs):
            gmid, gpw, gb = pointwise_vjp(g, (needs[0] or needs[1], needs[2], b is not None and needs[3]))
            gx = gdw = None
            if needs[0] or needs[1]:
                gx, gdw, _ = depthwise_vjp(gmid, (needs[0], needs[1], False))
            return gx, gdw, gpw, gb
        return out, vjp
    return separable_conv
