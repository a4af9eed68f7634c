"""Max and average pooling, N-d up to 3, one launch forward and one backward."""
import numpy as np

from kcore.runtime.device import ACTIVE
from kcore_gpu.kernels.convolution import available, from_last, to_last
from kcore_gpu.launch import i64, run
from kcore_gpu.overrides import dense_floats, override

POOL = np.dtype([('batch', np.int64)] + [(n, np.int32) for n in (
    'D', 'H', 'W', 'OD', 'OH', 'OW', 'KD', 'KH', 'KW', 'SD', 'SH', 'SW', 'PD', 'PH', 'PW')]
    + [('channels', np.int64)], align=True)


def _three(values, fill):
    return (fill,) * (3 - len(values)) + tuple(int(v) for v in values)


def _plan(xl, pool_size, strides, padding):
    from kcore_conv import geometry
    in_sizes = xl.shape[1:-1]
    strides = tuple(strides or pool_size)
    pads = [geometry.padding_amounts(n, k, padding, s) for n, k, s in zip(in_sizes, pool_size, strides)]
    out_sizes = tuple(geometry.output_length(n, k, padding, s) for n, k, s in zip(in_sizes, pool_size, strides))
    values = ((xl.shape[0],) + _three(in_sizes, 1) + _three(out_sizes, 1) + _three(pool_size, 1)
              + _three(strides, 1) + _three([a for a, _ in pads], 0) + (xl.shape[-1],))
    return np.array([values], dtype=POOL), (xl.shape[0],) + out_sizes + (xl.shape[-1],)


def _ok(x, pool_size=None, strides=None, padding='valid', data_format='channels_last'):
    return (dense_floats(x) and 3 <= x.ndim <= 5 and pool_size is not None and len(pool_size) == x.ndim - 2
            and padding in ('valid', 'same') and data_format in ('channels_last', 'channels_first'))


def max_pool(x, pool_size=None, strides=None, padding='valid', data_format='channels_last'):
    """Window maximum; the gradient goes to the window's first maximum (TensorFlow's rule)."""
    xp = ACTIVE.xp
    xl = to_last(x, data_format)
    plan, out_shape = _plan(xl, tuple(pool_size), strides, padding)
    out = xp.empty(out_shape, dtype=x.dtype)
    arg = xp.empty(out_shape, dtype=xp.int64)
    run('pool', 'max_pool_forward', x.dtype, out.size, xl, out, arg, i64(out.size), plan)

    def vjp(g, needs):
        g = to_last(g, data_format)
        gx = xp.zeros(xl.shape, dtype=x.dtype)
        run('pool', 'max_pool_backward', x.dtype, g.size, g, arg, gx, i64(g.size))
        return (from_last(gx, data_format),)
    return from_last(out, data_format), vjp


def avg_pool(x, pool_size=None, strides=None, padding='valid', data_format='channels_last'):
    """Window mean, padding excluded from the count (TensorFlow's 'same')."""
    xp = ACTIVE.xp
    xl = to_last(x, data_format)
    plan, out_shape = _plan(xl, tuple(pool_size), strides, padding)
    out = xp.empty(out_shape, dtype=x.dtype)
    run('pool', 'avg_pool_forward', x.dtype, out.size, xl, out, i64(out.size), plan)

    def vjp(g, needs):
        g = to_last(g, data_format)
        gx = xp.empty(xl.shape, dtype=x.dtype)
        run('pool', 'avg_pool_backward', x.dtype, gx.size, g, gx, i64(gx.size), plan)
        return (from_last(gx, data_format),)
    return from_last(out, data_format), vjp


if available():
    for _r in (1, 2, 3):
        override('max_pool%dd' % _r, _ok)(max_pool)
        override('avg_pool%dd' % _r, _ok)(avg_pool)
