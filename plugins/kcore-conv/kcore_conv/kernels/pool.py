"""Max and average pooling kernels, N-d, both data formats.

Both loop over the offsets inside the pooling window (``prod(pool_size)``
vectorised passes over the output), which beats reducing a strided window
view in NumPy and needs no im2col buffer.  'same' padding follows TensorFlow:
max pooling pads with ``-inf``; average pooling divides by the number of real
(unpadded) inputs under each window.
"""
import math

from kcore.backend.device import ACTIVE
from kcore_conv import geometry
from kcore_conv.windows import (crop_spatial, from_channels_last, kernel_offsets, pad_spatial,
                                to_channels_last, window_slice)


def _plan(in_sizes, pool_size, strides, padding):
    ones = (1,) * len(pool_size)
    pads = [geometry.padding_amounts(n, k, padding, s) for n, k, s in zip(in_sizes, pool_size, strides)]
    out = tuple(geometry.output_length(n, k, padding, s) for n, k, s in zip(in_sizes, pool_size, strides))
    return pads, out, ones


def _window_sum(xpad, pool_size, strides, ones, out_sizes):
    xp = ACTIVE.xp
    total = None
    for offset in kernel_offsets(pool_size):
        part = xpad[window_slice(offset, strides, ones, out_sizes)]
        if total is None:
            total = part.copy()
        else:
            xp.add(total, part, out=total)
    return total


def _spread(g, pad_shape, pool_size, strides, ones, out_sizes):
    """The adjoint of ``_window_sum``: every window position receives ``g``."""
    gpad = ACTIVE.xp.zeros(pad_shape, dtype=g.dtype)
    for offset in kernel_offsets(pool_size):
        gpad[window_slice(offset, strides, ones, out_sizes)] += g
    return gpad


def max_pool(x, pool_size=None, strides=None, padding='valid', data_format='channels_last'):
    """Maximum over each window; the gradient goes to the first maximum of a window
    (TensorFlow's choice), so ties do not double-count."""
    xp = ACTIVE.xp
    xl = to_channels_last(x, data_format)
    in_sizes = xl.shape[1:-1]
    pads, out_sizes, ones = _plan(in_sizes, pool_size, strides, padding)
    xpad = pad_spatial(xl, pads, value=-xp.inf)
    out = None
    for offset in kernel_offsets(pool_size):
        part = xpad[window_slice(offset, strides, ones, out_sizes)]
        if out is None:
            out = part.copy()
        else:
            xp.maximum(out, part, out=out)

    # windows that tile the padded input exactly: every input gets exactly one write
    tiled = all(s == k and n == o * s for s, k, n, o in zip(strides, pool_size, xpad.shape[1:-1], out_sizes))
    disjoint = all(s >= k for s, k in zip(strides, pool_size))

    def vjp(gy, needs):
        g = to_channels_last(gy, data_format)
        gpad = (xp.empty if tiled else xp.zeros)(xpad.shape, dtype=g.dtype)
        unrouted = None  # windows whose maximum has not received its gradient yet
        for offset in kernel_offsets(pool_size):
            index = window_slice(offset, strides, ones, out_sizes)
            hit = xpad[index] == out
            if unrouted is None:
                unrouted = ~hit
            else:
                hit &= unrouted
                unrouted ^= hit
            if disjoint:
                xp.multiply(g, hit, out=gpad[index])
            else:
                gpad[index] += g * hit
        return (from_channels_last(crop_spatial(gpad, pads, in_sizes), data_format),)
    return from_channels_last(out, data_format), vjp


def avg_pool(x, pool_size=None, strides=None, padding='valid', data_format='channels_last'):
    """Mean over each window, padding excluded from the count."""
    xp = ACTIVE.xp
    xl = to_channels_last(x, data_format)
    in_sizes = xl.shape[1:-1]
    pads, out_sizes, ones = _plan(in_sizes, pool_size, strides, padding)
    xpad = pad_spatial(xl, pads)
    out = _window_sum(xpad, pool_size, strides, ones, out_sizes)
    if any(a or b for a, b in pads):
        real = pad_spatial(xp.ones((1,) + tuple(in_sizes) + (1,), dtype=out.dtype), pads)
        counts = _window_sum(real, pool_size, strides, ones, out_sizes)
    else:
        counts = math.prod(pool_size)
    out /= counts

    def vjp(gy, needs):
        g = to_channels_last(gy, data_format) / counts
        gpad = _spread(g, xpad.shape, pool_size, strides, ones, out_sizes)
        return (from_channels_last(crop_spatial(gpad, pads, in_sizes), data_format),)
    return from_channels_last(out, data_format), vjp
