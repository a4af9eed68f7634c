"""Embedding lookups (``take`` along axis 0): a row gather, and its gradient as a
scatter-add of rows (atomic, so repeated ids sum)."""
from kcore.runtime.device import ACTIVE
from kcore_gpu.launch import i64, run
from kcore_gpu.overrides import dense_floats, is_device_array, override


def _ok(x, indices, axis=0):
    return (axis in (0, -x.ndim) and x.ndim >= 1 and dense_floats(x) and is_device_array(indices)
            and indices.dtype.kind in 'iu')


@override('take', _ok)
def take(x, indices, axis=0):
    """``x[indices]`` for integer ``indices`` of any shape (negative ids count from the end)."""
    xp = ACTIVE.xp
    idx = xp.ascontiguousarray(indices, dtype=xp.int64)
    width = x.size // max(x.shape[0], 1)
    out = xp.empty(indices.shape + x.shape[1:], dtype=x.dtype)
    run('gather', 'take_rows', x.dtype, out.size, x, idx, out, i64(out.size), i64(width), i64(x.shape[0]))

    def vjp(g, needs):
        if not needs[0]:
            return (None, None)
        g = xp.ascontiguousarray(g, dtype=x.dtype)
        gx = xp.zeros(x.shape, dtype=x.dtype)
        run('gather', 'scatter_add_rows', x.dtype, g.size, g, idx, gx, i64(g.size), i64(width), i64(x.shape[0]))
        return (gx, None)
    return out, vjp
