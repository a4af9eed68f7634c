"""Up-sampling kernels: nearest (repeat) and linear (bilinear in 2D), N-d.

Linear interpolation is separable: one small ``(out, in)`` matrix per spatial
axis, applied with a batched matrix product, so the gradient is the same
product with the transposed matrices.  Sample positions follow TensorFlow's
``tf.image.resize`` (half-pixel centres, edges clamped), which Keras's
``UpSampling2D(interpolation='bilinear')`` uses.
"""
import math

from kcore.backend.device import ACTIVE
from kcore_conv.windows import from_channels_last, to_channels_last


def _nearest(xl, size):
    """Repeat each position ``size[d]`` times along spatial axis ``d`` (one copy)."""
    n, c = xl.shape[0], xl.shape[-1]
    sizes = xl.shape[1:-1]
    spread = (n,) + sum(((s, 1) for s in sizes), ()) + (c,)
    full = (n,) + sum(((s, f) for s, f in zip(sizes, size)), ()) + (c,)
    out = ACTIVE.xp.broadcast_to(xl.reshape(spread), full)
    return out.reshape((n,) + tuple(s * f for s, f in zip(sizes, size)) + (c,)), full


def _linear_matrix(length, factor, dtype):
    """``(length * factor, length)`` weights of half-pixel linear interpolation."""
    xp = ACTIVE.xp
    rows = xp.arange(length * factor)
    src = xp.clip((rows + 0.5) / factor - 0.5, 0, length - 1)
    low = xp.floor(src).astype(rows.dtype)
    high = xp.minimum(low + 1, length - 1)
    frac = (src - low).astype(dtype)
    m = xp.zeros((length * factor, length), dtype=dtype)
    m[rows, low] += 1 - frac
    m[rows, high] += frac  # separate statement: when low == high both weights land
    return m


def _along(x, matrix, axis):
    """Apply ``matrix`` to axis ``axis`` of ``x``: a batched matrix product, no transposes."""
    shape = x.shape
    lead = math.prod(shape[:axis])
    y = ACTIVE.xp.matmul(matrix, x.reshape(lead, shape[axis], -1))
    return y.reshape(shape[:axis] + (matrix.shape[0],) + shape[axis + 1:])


def upsampling(x, size=None, data_format='channels_last', interpolation='nearest'):
    """The upsampling kernel on backend arrays: nearest (repeat) or bilinear."""
    xl = to_channels_last(x, data_format)
    rank = xl.ndim - 2
    if interpolation == 'nearest':
        out, full = _nearest(xl, size)

        def vjp(gy, needs):
            g = to_channels_last(gy, data_format).reshape(full)
            return (from_channels_last(g.sum(axis=tuple(range(2, 2 * rank + 1, 2))), data_format),)
        return from_channels_last(out, data_format), vjp
    matrices = [_linear_matrix(n, f, xl.dtype) for n, f in zip(xl.shape[1:-1], size)]
    out = xl
    for d, m in enumerate(matrices):
        out = _along(out, m, d + 1)

    def vjp(gy, needs):
        g = to_channels_last(gy, data_format)
        for d, m in enumerate(matrices):
            g = _along(g, m.T, d + 1)
        return (from_channels_last(g, data_format),)
    return from_channels_last(out, data_format), vjp
