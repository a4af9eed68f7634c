"""Softmax and sigmoid cross-entropy on logits: forward and gradient one launch each."""
from kcore.runtime.device import ACTIVE
from kcore_gpu.launch import i32, i64, run
from kcore_gpu.overrides import dense_floats, override


def _last_axis(logits, target, axis=-1):
    return (dense_floats(logits, target) and logits.ndim >= 1 and target.shape == logits.shape
            and axis in (-1, logits.ndim - 1))


def _rows_threads(cols):
    """Threads per row block: a multiple of 32 up to 256, no more than the row needs."""
    return max(32, min(256, (int(cols) + 31) // 32 * 32))


@override('softmax_cross_entropy', _last_axis)
def softmax_cross_entropy(logits, target, axis=-1):
    """``-sum(target * log_softmax(logits))`` over the last axis, one block per row."""
    xp = ACTIVE.xp
    cols = logits.shape[-1]
    rows = logits.size // max(cols, 1)
    out = xp.empty(logits.shape[:-1], dtype=logits.dtype)
    shift = xp.empty(rows, dtype=logits.dtype)
    tsum = xp.empty(rows, dtype=logits.dtype)
    from kcore_gpu.launch import function
    if rows:
        function('losses', 'softmax_xent_forward', logits.dtype)(
            (rows,), (_rows_threads(cols),), (logits, target, out, shift, tsum, i64(cols)))

    def vjp(g, needs):
        g = xp.ascontiguousarray(xp.broadcast_to(g, out.shape), dtype=logits.dtype)
        gx = xp.empty_like(logits) if needs[0] else None
        gt = xp.empty_like(target) if needs[1] else None
        run('losses', 'softmax_xent_backward', logits.dtype, logits.size, logits, target, g, shift, tsum,
            logits if gx is None else gx, logits if gt is None else gt, i64(logits.size), i64(cols),
            i32(gx is not None), i32(gt is not None))
        return gx, gt
    return out, vjp


@override('sigmoid_cross_entropy', lambda logits, target: dense_floats(logits, target)
          and target.shape == logits.shape)
def sigmoid_cross_entropy(logits, target):
    """``max(x, 0) - x t + log1p(exp(-|x|))`` element-wise; gradient ``sigmoid(x) - t``."""
    xp = ACTIVE.xp
    out = xp.empty_like(logits)
    run('losses', 'sigmoid_xent_forward', logits.dtype, logits.size, logits, target, out, i64(logits.size))

    def vjp(g, needs):
        g = xp.ascontiguousarray(xp.broadcast_to(g, out.shape), dtype=logits.dtype)
        gx = xp.empty_like(logits) if needs[0] else None
        gt = xp.empty_like(target) if needs[1] else None
        run('losses', 'sigmoid_xent_backward', logits.dtype, logits.size, logits, target, g,
            logits if gx is None else gx, logits if gt is None else gt, i64(logits.size),
            i32(gx is not None), i32(gt is not None))
        return gx, gt
    return out, vjp
