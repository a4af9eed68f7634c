"""The generic pooling kernels: device-neutral, registered without a backend suffix.

Written only against the active array module (no NumPy calls, no host reads,
no loop over the batch): one vectorised step per offset inside the pooling
window, over the whole batch.  'same' padding is TensorFlow's, as in the NumPy
override (``pool``): max pooling pads with ``-inf`` and routes each gradient
to the first maximum of its window; average pooling divides by the number of
real (unpadded) inputs under each window.
"""
import math

from kcore.backend.device import ACTIVE
from kcore_conv.kernels.common import plan_windows
from kcore_conv.kernels.generic_windows import crop, pad, taps, window_index
from kcore_conv.windows import from_channels_last, kernel_offsets, to_channels_last


class _Pooling:
    """The geometry of one pooling call: paddings, output sizes and the index of each window offset."""

    def __init__(self, xl, pool_size, strides, padding):
        ones = (1,) * len(pool_size)
        self.pool_size, self.strides, self.in_sizes = pool_size, strides, tuple(xl.shape[1:-1])
        self.pads, self.out_sizes = plan_windows(self.in_sizes, pool_size, strides, padding, ones)
        self.indices = [window_index(o, strides, ones, self.out_sizes) for o in kernel_offsets(pool_size)]

    def taps(self, xpad):
        return taps(xpad, self.pool_size, self.strides, (1,) * len(self.pool_size), self.out_sizes)

    def input_gradient(self, parts, like, data_format):
        """Add ``parts`` (one output-shaped gradient per window offset) into the padded input's
        gradient, then crop the padding: the adjoint of reading the windows."""
        xp = ACTIVE.xp
        gpad = xp.zeros(like.shape, dtype=like.dtype)
        for index, part in zip(self.indices, parts):
            gpad[index] += part
        return from_channels_last(crop(gpad, self.pads, self.in_sizes), data_format)


def max_pool(x, pool_size=None, strides=None, padding='valid', data_format='channels_last'):
    """Maximum over each window; the gradient goes to the first maximum of a window
    (TensorFlow's choice), so ties do not double-count."""
    xp = ACTIVE.xp
    xl = to_channels_last(x, data_format)
    win = _Pooling(xl, pool_size, strides, padding)
    xpad = pad(xl, win.pads, value=-math.inf)
    seen = win.taps(xpad)
    out = seen[0]
    for tap in seen[1:]:
        out = xp.maximum(out, tap)

    def vjp(gy, needs):
        g = to_channels_last(gy, data_format)
        zero = xp.zeros_like(g)

        def routed():  # one offset at a time, so only one gradient part is alive at once
            unrouted = None  # windows whose maximum has not received its gradient yet
            for tap in win.taps(xpad):
                hit = tap == out
                if unrouted is None:
                    unrouted = ~hit
                else:
                    hit = hit & unrouted
                    unrouted = unrouted & ~hit
                yield xp.where(hit, g, zero)
        return (win.input_gradient(routed(), xpad, data_format),)
    return from_channels_last(out, data_format), vjp


def avg_pool(x, pool_size=None, strides=None, padding='valid', data_format='channels_last'):
    """Mean over each window, padding excluded from the count."""
    xp = ACTIVE.xp
    xl = to_channels_last(x, data_format)
    win = _Pooling(xl, pool_size, strides, padding)
    xpad = pad(xl, win.pads)
    out = _window_sum(win.taps(xpad))
    if any(a or b for a, b in win.pads):
        real = pad(xp.ones((1,) + win.in_sizes + (1,), dtype=xl.dtype), win.pads)
        counts = _window_sum(win.taps(real))
    else:
        counts = math.prod(pool_size)
    out = out / counts

    def vjp(gy, needs):
        g = to_channels_last(gy, data_format) / counts
        return (win.input_gradient([g] * len(win.indices), xpad, data_format),)
    return from_channels_last(out, data_format), vjp


def _window_sum(seen):
    total = seen[0]
    for tap in seen[1:]:
        total = total + tap
    return total
