"""Helpers the convolution kernels share: window geometry and the output epilogue."""
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
