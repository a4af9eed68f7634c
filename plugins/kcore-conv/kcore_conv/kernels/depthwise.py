"""Depthwise convolution, N-d: each input channel convolved with its own filters.

The kernel is ``(*kernel_size, in_channels, depth_multiplier)``; output channel
``c * depth_multiplier + m`` comes from input channel ``c``.  With one input
channel per filter there is no matrix product to hand to BLAS (the im2col +
grouped GEMM route spends its time copying), so each step is one ``einsum``
straight over the strided window view, chunk by chunk and shared among threads:

- forward: ``out[n, o, c, m] = sum_k x[n, window(o) + k, c] * w[k, c, m]``;
- weight gradient: the same windows contracted with the output gradient;
- input gradient: a stride-1 correlation, with the kernel flipped, of the
  output gradient spread out by the strides (zeros in between) and padded by
  the kernel's span: the adjoint without any scatter.
"""
import math

from kcore.backend.device import ACTIVE
from kcore_conv import buffers, parallel
from kcore_conv.kernels.common import bias_relu_epilogue, plan_windows
from kcore_conv.windows import chunks, crop_spatial, from_channels_last, pad_spatial, to_channels_last, window_view

_OUT, _KERNEL = 'xyz', 'ijk'


def _windows(x, kernel, strides, dilation, out_sizes, multiplier=None):
    """The window view of ``x`` ``(n, *sizes, channels)``, its last axis split as
    ``(channels, multiplier)`` when ``multiplier`` is given."""
    view = window_view(x, kernel, strides, dilation, out_sizes)
    if multiplier is None:
        return view
    return view.reshape(view.shape[:-1] + (view.shape[-1] // multiplier, multiplier))


def _map(batch, out_sizes, bytes_per_position, work, operands):
    """``work(chunk)`` over cache-sized chunks of disjoint outputs, shared among threads."""
    parallel.fold(chunks(batch, out_sizes, bytes_per_position), lambda chunk, _: work(chunk), operands)


def depthwise_conv(x, w, b=None, strides=None, padding='valid', dilation_rate=None,
                   data_format='channels_last', activation=None):
    """The depthwise-convolution kernel on backend arrays (each channel with its own filters)."""
    xp = ACTIVE.xp
    rank = w.ndim - 2
    strides = strides or (1,) * rank
    dilation = dilation_rate or (1,) * rank
    kernel, (channels, multiplier) = w.shape[:rank], w.shape[-2:]
    o, k = _OUT[:rank], _KERNEL[:rank]
    xl = to_channels_last(x, data_format)
    in_sizes = xl.shape[1:-1]
    pads, out_sizes = plan_windows(in_sizes, kernel, strides, padding, dilation)
    xpad = pad_spatial(xl, pads)
    batch, depth = xl.shape[0], math.prod(kernel) * channels * xl.itemsize
    view = _windows(xpad, kernel, strides, dilation, out_sizes)
    out = buffers.empty((batch,) + out_sizes + (channels, multiplier), xl.dtype)
    epilogue = bias_relu_epilogue(b, activation)
    forward = 'n%s%sc,%scm->n%scm' % (o, k, k, o)

    def work(chunk):
        out[chunk] = xp.einsum(forward, view[chunk], w)  # (CuPy's einsum takes no out=)
        if epilogue is not None:
            epilogue(out[chunk].reshape(-1, channels * multiplier))
    _map(batch, out_sizes, depth, work, (xpad,))
    out = out.reshape(out.shape[:-2] + (channels * multiplier,))

    def vjp(gy, needs):
        g = to_channels_last(gy, data_format)
        if activation == 'relu':
            g = g * (out > 0)
        g = g.reshape(g.shape[:-1] + (channels, multiplier))
        gx = gw = gb = None
        if needs[0]:
            gx = from_channels_last(crop_spatial(_input_gradient(g, w, xpad.shape, strides, dilation), pads,
                                                 in_sizes), data_format)
        if needs[1]:
            gw = _weight_gradient(view, g, w, out_sizes, depth)
        if b is not None and needs[2]:
            gb = g.reshape(-1, channels * multiplier).sum(axis=0)
        return gx, gw, gb
    return from_channels_last(out, data_format), vjp


def _weight_gradient(view, g, w, out_sizes, depth):
    xp = ACTIVE.xp
    rank = w.ndim - 2
    o, k = _OUT[:rank], _KERNEL[:rank]
    contraction = 'n%s%sc,n%scm->%scm' % (o, k, o, k)

    def work(chunk, acc):
        part = xp.einsum(contraction, view[chunk], g[chunk])
        if acc is None:
            return part
        acc += part
        return acc
    parts = [p for p in parallel.fold(chunks(g.shape[0], out_sizes, depth), work, (g,)) if p is not None]
    total = parts[0]
    for p in parts[1:]:
        total += p
    return total


def _input_gradient(g, w, padded_shape, strides, dilation):
    """``d loss / d xpad`` as a stride-1 correlation of the spread-out ``g`` with the flipped kernel."""
    xp = ACTIVE.xp
    rank = w.ndim - 2
    kernel, (channels, multiplier) = w.shape[:rank], w.shape[-2:]
    o, k = _OUT[:rank], _KERNEL[:rank]
    spans = [(n - 1) * d + 1 for n, d in zip(kernel, dilation)]
    padded = padded_shape[1:-1]
    spread = buffers.zeros((g.shape[0],) + tuple(p + s - 1 for p, s in zip(padded, spans)) + (channels * multiplier,),
                           g.dtype)
    spread_view = spread.reshape(spread.shape[:-1] + (channels, multiplier))
    spread_view[(slice(None),) + tuple(slice(s - 1, s - 1 + (n - 1) * st + 1, st) for s, n, st in zip(
        spans, g.shape[1:1 + rank], strides))] = g
    flipped = w[tuple(slice(None, None, -1) for _ in range(rank))]
    view = _windows(spread, kernel, (1,) * rank, dilation, padded, multiplier)
    gx = buffers.empty(padded_shape, g.dtype)
    contraction = 'n%s%scm,%scm->n%sc' % (o, k, k, o)

    def work(chunk):
        gx[chunk] = xp.einsum(contraction, view[chunk], flipped)
    _map(g.shape[0], padded, math.prod(kernel) * channels * multiplier * g.itemsize, work, (g,))
    return gx
