"""Batch normalization's ``normalize_moments`` for statistics per channel (channels last):
two column reductions and one element-wise launch forward, two and one backward."""
from kcore.runtime.device import ACTIVE
from kcore_gpu.launch import function, i32, i64, run, scalar
from kcore_gpu.overrides import dense_floats, override


def _ok(x, gamma, beta, axes, epsilon):
    if not dense_floats(x, gamma, beta) or x.ndim < 2 or tuple(axes) != tuple(range(x.ndim - 1)):
        return False
    c = x.shape[-1]
    return all(p is None or (p.size == c and p.shape[-1] == c) for p in (gamma, beta))


def channel_sums(a, b=None, center=None, mode=0):
    """Per-column sums of a ``(rows, cols)`` array (see norm.cu's ``channel_sums``)."""
    xp = ACTIVE.xp
    rows, cols = a.shape
    out_a = xp.zeros(cols, dtype=a.dtype)
    out_ab = xp.zeros(cols, dtype=a.dtype) if mode == 2 else out_a
    grid = ((cols + 31) // 32, max(1, min((rows + 7) // 8, 1024)))
    function('norm', 'channel_sums', a.dtype)(
        grid, (32, 8), (a, a if b is None else b, out_a if center is None else center, out_a, out_ab,
                        i64(rows), i64(cols), i32(mode)))
    return out_a, out_ab


@override('normalize_moments', _ok)
def normalize_moments(x, gamma, beta, axes, epsilon):
    """``((x - mean) / sqrt(var + epsilon)) * gamma + beta`` over every axis but the last;
    returns ``(y, mean, var)``, the statistics kept-dims (only ``y`` has a gradient)."""
    xp = ACTIVE.xp
    c = x.shape[-1]
    x2 = x.reshape(-1, c)
    count = x2.shape[0]
    mean = channel_sums(x2)[0] / count
    var = channel_sums(x2, center=mean, mode=1)[0] / count
    inv = 1.0 / xp.sqrt(var + epsilon)
    xhat = xp.empty_like(x)
    y = xp.empty_like(x)
    g1 = None if gamma is None else gamma.reshape(c)
    b1 = None if beta is None else beta.reshape(c)
    run('norm', 'bn_normalize', x.dtype, x.size, x2, mean, inv, x2 if g1 is None else g1, x2 if b1 is None else b1,
        xhat, y, i64(x.size), i64(c), i32(g1 is not None), i32(b1 is not None))
    kept = (1,) * (x.ndim - 1) + (c,)

    def vjp(g, needs):
        gy = g[0]
        if gy is None:
            return None, None, None
        gy = xp.ascontiguousarray(gy, dtype=x.dtype).reshape(-1, c)
        sum_gy, sum_gy_xhat = channel_sums(gy, xhat.reshape(-1, c), mode=2)
        gx = gg = gb = None
        if beta is not None and needs[2]:
            gb = sum_gy.reshape(beta.shape)
        if gamma is not None and needs[1]:
            gg = sum_gy_xhat.reshape(gamma.shape)
        if needs[0]:
            k = inv * g1 if g1 is not None else inv
            gx = xp.empty_like(x)
            run('norm', 'bn_input_grad', x.dtype, x.size, gy, xhat, k, sum_gy, sum_gy_xhat, gx, i64(x.size), i64(c),
                scalar(count, x.dtype))
        return gx, gg, gb
    return (y, mean.reshape(kept), var.reshape(kept)), vjp


override('batch_norm_train', _ok)(normalize_moments)


def _inference_ok(x, mean, var, gamma, beta, epsilon):
    if not dense_floats(x, mean, var, gamma, beta) or x.ndim < 1:
        return False
    c = x.shape[-1]
    return all(p is None or (p.size == c and p.shape[-1] == c) for p in (mean, var, gamma, beta)) \
        and mean is not None and var is not None


@override('batch_norm_inference', _inference_ok)
def batch_norm_inference(x, mean, var, gamma, beta, epsilon):
    """``(x - mean) * gamma / sqrt(var + epsilon) + beta`` as one scale-and-shift launch; the
    gradients as kcore's generic kernel computes them."""
    from kcore.layers.batch_norm_kernels import inference_vjp
    xp = ACTIVE.xp
    inv = 1.0 / xp.sqrt(var + epsilon)
    scale = inv * gamma if gamma is not None else inv
    shift = -mean * scale
    if beta is not None:
        shift = shift + beta
    c = x.shape[-1]
    y = xp.empty_like(x)
    run('norm', 'bn_affine', x.dtype, x.size, x, xp.ascontiguousarray(scale.reshape(c)),
        xp.ascontiguousarray(shift.reshape(c)), y, i64(x.size), i64(c))

    return y, inference_vjp(x, mean, var, gamma, beta, scale, inv)
