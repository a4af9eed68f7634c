"""Max and average pooling kernels, N-d, both data formats.

Both loop over the offsets inside the pooling window (``prod(pool_size)``
vectorised passes over the output), which beats reducing a strided window
view in NumPy and needs no im2col buffer; the batch is cut into cache-sized
chunks shared among threads (``parallel.fold``).  'same' padding follows
TensorFlow: max pooling pads with ``-inf``; average pooling divides by the
number of real (unpadded) inputs under each window.
"""
import math

from kcore.backend.device import ACTIVE
from kcore_conv import buffers, geometry, parallel
from kcore_conv.windows import (chunks, crop_spatial, from_channels_last, kernel_offsets, pad_spatial,
                                to_channels_last, window_slice)


class _Windows:
    """The geometry of one pooling call: paddings, output sizes and per-offset indices."""

    def __init__(self, in_sizes, pool_size, strides, padding):
        ones = (1,) * len(pool_size)
        self.in_sizes = tuple(in_sizes)
        self.pads = [geometry.padding_amounts(n, k, padding, s)
                     for n, k, s in zip(in_sizes, pool_size, strides)]
        self.out_sizes = tuple(geometry.output_length(n, k, padding, s)
                               for n, k, s in zip(in_sizes, pool_size, strides))
        self.indices = [window_slice(o, strides, ones, self.out_sizes) for o in kernel_offsets(pool_size)]
        padded = [n + a + b for n, (a, b) in zip(in_sizes, self.pads)]
        # windows side by side, covering every padded input once: each gradient is one write
        self.tiled = all(s == k and n == o * s for s, k, n, o in zip(strides, pool_size, padded, self.out_sizes))
        self.disjoint = all(s >= k for s, k in zip(strides, pool_size))

    def batches(self, x):
        """Batch chunks of about ``CHUNK_BYTES`` of input each."""
        return [c[0] for c in chunks(x.shape[0], (), x[:1].nbytes)]


def _window_sum(xpad, win):
    xp = ACTIVE.xp
    total = buffers.empty((xpad.shape[0],) + win.out_sizes + xpad.shape[-1:], xpad.dtype)

    def work(batch, _):
        block, source = total[batch], xpad[batch]
        block[...] = source[win.indices[0]]
        for index in win.indices[1:]:
            xp.add(block, source[index], out=block)
    parallel.fold(win.batches(xpad), work, (xpad,))
    return total


def max_pool(x, pool_size=None, strides=None, padding='valid', data_format='channels_last'):
    """Maximum over each window; the gradient goes to the first maximum of a window
    (TensorFlow's choice), so ties do not double-count."""
    xp = ACTIVE.xp
    xl = to_channels_last(x, data_format)
    win = _Windows(xl.shape[1:-1], pool_size, strides, padding)
    xpad = pad_spatial(xl, win.pads, value=-xp.inf)
    out = buffers.empty((xl.shape[0],) + win.out_sizes + xl.shape[-1:], xl.dtype)

    def forward(batch, _):
        block, source = out[batch], xpad[batch]
        block[...] = source[win.indices[0]]
        for index in win.indices[1:]:
            xp.maximum(block, source[index], out=block)
    parallel.fold(win.batches(xpad), forward, (xpad,))

    def vjp(gy, needs):
        g = to_channels_last(gy, data_format)
        gpad = (buffers.empty if win.tiled else buffers.zeros)(xpad.shape, g.dtype)

        def backward(batch, _):
            source, block, grad, target = xpad[batch], out[batch], g[batch], gpad[batch]
            unrouted = None  # windows whose maximum has not received its gradient yet
            for index in win.indices:
                hit = source[index] == block
                if unrouted is None:
                    unrouted = ~hit
                else:
                    hit &= unrouted
                    unrouted ^= hit
                if win.disjoint:
                    xp.multiply(grad, hit, out=target[index])
                else:
                    target[index] += grad * hit
        parallel.fold(win.batches(xpad), backward, (xpad, g))
        return (from_channels_last(crop_spatial(gpad, win.pads, win.in_sizes), data_format),)
    return from_channels_last(out, data_format), vjp


def avg_pool(x, pool_size=None, strides=None, padding='valid', data_format='channels_last'):
    """Mean over each window, padding excluded from the count."""
    xp = ACTIVE.xp
    xl = to_channels_last(x, data_format)
    win = _Windows(xl.shape[1:-1], pool_size, strides, padding)
    xpad = pad_spatial(xl, win.pads)
    out = _window_sum(xpad, win)
    if any(a or b for a, b in win.pads):
        real = pad_spatial(xp.ones((1,) + win.in_sizes + (1,), dtype=out.dtype), win.pads)
        counts = _window_sum(real, win)
    else:
        counts = math.prod(pool_size)
    out /= counts

    def vjp(gy, needs):
        g = to_channels_last(gy, data_format) / counts
        gpad = (buffers.empty if win.tiled else buffers.zeros)(xpad.shape, g.dtype)

        def backward(batch, _):
            grad, target = g[batch], gpad[batch]
            for index in win.indices:
                if win.disjoint:
                    target[index] = grad
                else:
                    target[index] += grad
        parallel.fold(win.batches(xpad), backward, (xpad, g))
        return (from_channels_last(crop_spatial(gpad, win.pads, win.in_sizes), data_format),)
    return from_channels_last(out, data_format), vjp
