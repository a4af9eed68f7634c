"""Element-wise activations (forward and backward one launch each) and dropout."""
from kcore.runtime.device import ACTIVE
from kcore_gpu.launch import i32, i64, run, scalar
from kcore_gpu.overrides import dense_floats, is_number, override


def _unary(kind, keep_input):
    """``kind_forward`` / ``kind_backward``; the backward reads x (``keep_input``) or y."""
    def impl(x, *alpha):
        xp = ACTIVE.xp
        y = xp.empty_like(x)
        extra = tuple(scalar(a, x.dtype) for a in alpha)
        run('activations', kind + '_forward', x.dtype, x.size, x, y, i64(x.size), *extra)
        kept = x if keep_input else y

        def vjp(g, needs):
            g = xp.ascontiguousarray(g, dtype=x.dtype)
            gx = xp.empty_like(x)
            run('activations', kind + '_backward', x.dtype, x.size, g, kept, gx, i64(x.size), *extra)
            return (gx,)
        return y, vjp
    return impl


_relu, _elu, _leaky, _sigmoid, _tanh = (_unary('relu', False), _unary('elu', True), _unary('leaky_relu', True),
                                        _unary('sigmoid', False), _unary('tanh', False))


@override('relu', lambda x: dense_floats(x))
def relu(x):
    """``max(x, 0)``; the gradient passes where the output is positive."""
    return _relu(x)


@override('elu', lambda x, alpha=1.0: dense_floats(x) and is_number(alpha))
def elu(x, alpha=1.0):
    """``alpha * expm1(x)`` below zero, ``x`` above."""
    return _elu(x, alpha)


@override('leaky_relu', lambda x, alpha=0.2: dense_floats(x) and is_number(alpha))
def leaky_relu(x, alpha=0.2):
    """``x`` above zero, ``alpha * x`` below."""
    return _leaky(x, alpha)


@override('sigmoid', lambda x: dense_floats(x))
def sigmoid(x):
    """The logistic function, overflow-free on both sides."""
    return _sigmoid(x)


@override('tanh', lambda x: dense_floats(x))
def tanh(x):
    """``tanh(x)``; the gradient ``g * (1 - y**2)``."""
    return _tanh(x)


def _dropout_ok(x, mask, scale):
    return (dense_floats(x) and is_number(scale) and getattr(mask, 'dtype', None) == bool
            and mask.shape == x.shape and mask.flags.c_contiguous)


@override('dropout_mask', _dropout_ok)
def dropout_mask(x, mask, scale):
    """``x * mask * scale`` for a boolean keep-mask of ``x``'s shape (drawn by the backend's
    generator, which ``set_random_seed`` seeds); the same launch scales the gradient."""
    xp = ACTIVE.xp
    out = xp.empty_like(x)
    run('activations', 'dropout_apply', x.dtype, x.size, x, mask, out, i64(x.size), scalar(scale, x.dtype))

    def vjp(g, needs):
        g = xp.ascontiguousarray(g, dtype=x.dtype)
        gx = xp.empty_like(x)
        run('activations', 'dropout_apply', x.dtype, x.size, g, mask, gx, i64(x.size), scalar(scale, x.dtype))
        return gx, None, None
    return out, vjp


_BIAS_ACTS = {'linear': 0, 'relu': 1, 'sigmoid': 2, 'tanh': 3}


def _bias_ok(x, b, activation='linear', axis=-1):
    return (activation in _BIAS_ACTS and dense_floats(x, b) and x.ndim >= 1 and axis in (-1, x.ndim - 1)
            and b.ndim == 1 and b.shape[0] == x.shape[-1])


@override('bias_activation', _bias_ok)
def bias_activation(x, b, activation='linear', axis=-1):
    """``activation(x + b)`` over the last axis in one launch; its gradient in one more,
    plus a per-channel sum for the bias."""
    from kcore_gpu.kernels.normalization import channel_sums
    xp = ACTIVE.xp
    act = _BIAS_ACTS[activation]
    y = xp.empty_like(x)
    c = x.shape[-1]
    run('activations', 'bias_activation_forward', x.dtype, x.size, x, b, y, i64(x.size), i64(c), i32(act))

    def vjp(g, needs):
        g = xp.ascontiguousarray(g, dtype=x.dtype)
        if act:
            gz = xp.empty_like(x)
            run('activations', 'bias_activation_backward', x.dtype, x.size, g, y, gz, i64(x.size), i32(act))
        else:
            gz = g
        gb = channel_sums(gz.reshape(-1, c))[0] if needs[1] else None
        return (gz if needs[0] else None), gb
    return y, vjp
