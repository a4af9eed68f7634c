"""The primitive kernels and their gradient rules, side by side.

A kernel is ``fn(*arrays, **params) -> (output, vjp)``; ``vjp(g, needs)``
returns one gradient per array input (``None`` where ``needs[i]`` is false or
the input is not differentiable).  Kernels are written once against the
active backend's ``xp`` and registered by name; a device backend may replace
any of them (see ``hookspecs.register_kernels``).  Composite ops (``K.var``,
``K.l2_normalize``, ...) are built from these and need no rule of their own.
"""
import math

from kcore.runtime.device import ACTIVE

KERNELS = {}


def kernel(fn):
    """Register ``fn`` in ``KERNELS`` under its name (a trailing underscore dropped); returns ``fn``."""
    KERNELS[fn.__name__.rstrip('_')] = fn
    return fn


def unbroadcast(g, shape):
    """Sum ``g`` down to ``shape``, undoing NumPy broadcasting."""
    if g.shape == shape:
        return g
    extra = g.ndim - len(shape)
    if extra > 0:
        g = g.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g


def _shape(a):
    return getattr(a, 'shape', ())


def _no_grad(*arrays):
    return lambda g, needs: (None,) * len(arrays)


# -- element-wise, one input ----------------------------------------------------
@kernel
def negative(x):
    """``-x`` kernel: the value and its gradient rule."""
    return -x, lambda g, needs: (-g,)


@kernel
def exp(x):
    """``exp(x)`` kernel: the value and its gradient rule."""
    y = ACTIVE.xp.exp(x)
    return y, lambda g, needs: (g * y,)


@kernel
def log(x):
    """``log(x)`` kernel: the value and its gradient rule."""
    return ACTIVE.xp.log(x), lambda g, needs: (g / x,)


@kernel
def log1p(x):
    """``log(1 + x)``, accurate near 0 kernel: the value and its gradient rule."""
    return ACTIVE.xp.log1p(x), lambda g, needs: (g / (1 + x),)


@kernel
def expm1(x):
    """``exp(x) - 1``, accurate near 0 kernel: the value and its gradient rule."""
    y = ACTIVE.xp.expm1(x)
    return y, lambda g, needs: (g * (y + 1),)


@kernel
def sqrt(x):
    """``sqrt(x)`` kernel: the value and its gradient rule."""
    y = ACTIVE.xp.sqrt(x)
    return y, lambda g, needs: (g / (2 * y),)


@kernel
def square(x):
    """``x * x`` kernel: the value and its gradient rule."""
    return x * x, lambda g, needs: (2 * x * g,)


@kernel
def abs_(x):
    """``abs(x)`` kernel: the value and its gradient rule."""
    xp = ACTIVE.xp
    return xp.abs(x), lambda g, needs: (g * xp.sign(x),)


@kernel
def sin(x):
    """``sin(x)`` kernel: the value and its gradient rule."""
    xp = ACTIVE.xp
    return xp.sin(x), lambda g, needs: (g * xp.cos(x),)


@kernel
def cos(x):
    """``cos(x)`` kernel: the value and its gradient rule."""
    xp = ACTIVE.xp
    return xp.cos(x), lambda g, needs: (-g * xp.sin(x),)


@kernel
def tanh(x):
    """``tanh(x)`` kernel: the value and its gradient rule."""
    y = ACTIVE.xp.tanh(x)
    return y, lambda g, needs: (g * (1 - y * y),)


@kernel
def sigmoid(x):
    """The logistic sigmoid kernel: the value and its gradient rule."""
    xp = ACTIVE.xp
    # exp(-|x|) never overflows; both branches are exact where they apply.
    e = xp.exp(-xp.abs(x))
    y = xp.where(x >= 0, 1 / (1 + e), e / (1 + e))
    return y, lambda g, needs: (g * y * (1 - y),)


@kernel
def relu(x):
    """``max(x, 0)`` kernel: the value and its gradient rule."""
    y = ACTIVE.xp.maximum(x, 0)
    return y, lambda g, needs: (g * (y > 0),)


@kernel
def softplus(x):
    """``log(1 + exp(x))`` kernel: the value and its gradient rule."""
    xp = ACTIVE.xp
    y = xp.logaddexp(x, 0).astype(x.dtype, copy=False)

    def vjp(g, needs):
        e = xp.exp(-xp.abs(x))
        return (g * xp.where(x >= 0, 1 / (1 + e), e / (1 + e)),)
    return y, vjp


@kernel
def softsign(x):
    """``x / (1 + abs(x))`` kernel: the value and its gradient rule."""
    d = 1 + ACTIVE.xp.abs(x)
    return x / d, lambda g, needs: (g / (d * d),)


@kernel
def elu(x, alpha=1.0):
    """The exponential linear unit kernel: the value and its gradient rule."""
    xp = ACTIVE.xp
    neg = x < 0
    e = xp.expm1(xp.minimum(x, 0))
    y = xp.where(neg, alpha * e, x)
    return y, lambda g, needs: (g * xp.where(neg, alpha * (e + 1), 1).astype(x.dtype, copy=False),)


_ERF_SERIES = [(-1) ** n / (math.factorial(n) * (2 * n + 1)) for n in range(23)]
_ERF_SPLIT = 1.37  # the series below it, the erfc fit above: both smooth, no kink at 0


@kernel
def erf(x):
    """The error function without SciPy: its Maclaurin series (exact to float64) for |x| < 1.37, and
    Numerical Recipes' erfc Chebyshev fit (relative error < 1.2e-7 of erfc, so an
    absolute error below 7e-9) beyond."""
    xp = ACTIVE.xp
    a = xp.abs(x)
    xc = xp.clip(x, -_ERF_SPLIT, _ERF_SPLIT)
    t2 = xc * xc
    series = _ERF_SERIES[-1]
    for c in reversed(_ERF_SERIES[:-1]):
        series = series * t2 + c
    near = xc * series * (2 / math.sqrt(math.pi))
    t = 1 / (1 + 0.5 * a)
    poly = t * xp.exp(-a * a - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (
        0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (
            1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))))
    y = xp.where(a < _ERF_SPLIT, near, xp.sign(x) * (1 - poly)).astype(x.dtype, copy=False)
    c = 2 / math.sqrt(math.pi)
    return y, lambda g, needs: (g * c * xp.exp(-x * x),)


def _zero_grad_unary(name, fn_name):
    def k(x):
        return getattr(ACTIVE.xp, fn_name)(x), lambda g, needs: (None,)
    k.__name__ = name
    KERNELS[name] = k


for _n in ('sign', 'floor', 'ceil', 'round', 'isnan', 'isinf', 'isfinite', 'logical_not'):
    _zero_grad_unary(_n, _n)


# -- element-wise, two inputs (broadcasting) -------------------------------------
@kernel
def add(x, y):
    """``x + y`` with broadcasting kernel: the value and its gradient rule."""
    return x + y, lambda g, needs: (unbroadcast(g, _shape(x)) if needs[0] else None,
                                    unbroadcast(g, _shape(y)) if needs[1] else None)


@kernel
def subtract(x, y):
    """``x - y`` with broadcasting kernel: the value and its gradient rule."""
    return x - y, lambda g, needs: (unbroadcast(g, _shape(x)) if needs[0] else None,
                                    unbroadcast(-g, _shape(y)) if needs[1] else None)


@kernel
def multiply(x, y):
    """``x * y`` with broadcasting kernel: the value and its gradient rule."""
    return x * y, lambda g, needs: (unbroadcast(g * y, _shape(x)) if needs[0] else None,
                                    unbroadcast(g * x, _shape(y)) if needs[1] else None)


@kernel
def divide(x, y):
    """``x / y`` with broadcasting kernel: the value and its gradient rule."""
    return x / y, lambda g, needs: (unbroadcast(g / y, _shape(x)) if needs[0] else None,
                                    unbroadcast(-g * x / (y * y), _shape(y)) if needs[1] else None)


@kernel
def power(x, y):
    """``x ** y`` with broadcasting kernel: the value and its gradient rule."""
    xp = ACTIVE.xp
    out = x ** y

    def vjp(g, needs):
        gx = gy = None
        if needs[0]:
            gx = unbroadcast(g * y * x ** (y - 1), _shape(x))
        if needs[1]:
            safe = xp.where(x > 0, x, 1).astype(g.dtype, copy=False)  # x may be a Python number
            gy = unbroadcast(g * out * xp.log(safe), _shape(y))
        return gx, gy
    return out, vjp


def _selection_vjp(x, y, out):
    """Gradient of maximum/minimum: the selected input gets it; ties split it evenly
    (keeps the rule symmetric and in agreement with finite differences)."""
    def vjp(g, needs):
        wx = (x == out).astype(g.dtype)
        wy = (y == out).astype(g.dtype)
        total = wx + wy
        return (unbroadcast(g * wx / total, _shape(x)) if needs[0] else None,
                unbroadcast(g * wy / total, _shape(y)) if needs[1] else None)
    return vjp


@kernel
def maximum(x, y):
    """Element-wise maximum kernel: the value and its gradient rule."""
    out = ACTIVE.xp.maximum(x, y)
    return out, _selection_vjp(x, y, out)


@kernel
def minimum(x, y):
    """Element-wise minimum kernel: the value and its gradient rule."""
    out = ACTIVE.xp.minimum(x, y)
    return out, _selection_vjp(x, y, out)


def _compare(name, fn_name):
    def k(x, y):
        return getattr(ACTIVE.xp, fn_name)(x, y), lambda g, needs: (None, None)
    k.__name__ = name
    KERNELS[name] = k


for _n in ('less', 'less_equal', 'greater', 'greater_equal', 'equal', 'not_equal',
           'logical_and', 'logical_or'):
    _compare(_n, _n)


@kernel
def matmul(x, y):
    """Matrix product with batch broadcasting kernel: the value and its gradient rule."""
    xp = ACTIVE.xp
    out = xp.matmul(x, y)

    def vjp(g, needs):
        if x.ndim == 1 or y.ndim == 1:  # as matrices: (k,) is (1, k) on the left, (k, 1) on the right
            x2 = x if x.ndim > 1 else x[None, :]
            y2 = y if y.ndim > 1 else y[:, None]
            batch = _broadcast_shape(x2.shape[:-2], y2.shape[:-2])
            g2 = g.reshape(batch + (x2.shape[-2], y2.shape[-1]))
            gx, gy = _matmul_vjp(x2, y2, g2, needs)
            return (None if gx is None else gx.reshape(x.shape),
                    None if gy is None else gy.reshape(y.shape))
        return _matmul_vjp(x, y, g, needs)
    return out, vjp


def _matmul_vjp(x, y, g, needs):
    """Gradients of ``x @ y`` for inputs of rank 2 or more (batch axes broadcast)."""
    xp = ACTIVE.xp
    gx = gy = None
    if needs[0]:
        gx = unbroadcast(xp.matmul(g, xp.swapaxes(y, -1, -2)), x.shape)
    if needs[1]:
        if y.ndim == 2 and x.ndim > 2:  # (..., n) @ (n, m): one GEMM over all rows
            gy = xp.matmul(x.reshape(-1, x.shape[-1]).T, g.reshape(-1, g.shape[-1]))
        else:
            gy = unbroadcast(xp.matmul(xp.swapaxes(x, -1, -2), g), y.shape)
    return gx, gy


def _broadcast_shape(a, b):
    if len(a) < len(b):
        a, b = b, a
    b = (1,) * (len(a) - len(b)) + tuple(b)
    return tuple(i if j == 1 else j for i, j in zip(a, b))


# -- reductions -------------------------------------------------------------------
def _norm_axis(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = (axis,)
    return tuple(sorted(a % ndim if ndim else 0 for a in axis))


def _restore(g, shape, axes, keepdims):
    """Reshape a reduced gradient so it broadcasts against the input."""
    if keepdims or not shape:
        return g
    return g.reshape([1 if i in axes else n for i, n in enumerate(shape)])


@kernel
def sum_(x, axis=None, keepdims=False):
    """Sum over axes kernel: the value and its gradient rule."""
    xp = ACTIVE.xp
    axes = _norm_axis(axis, x.ndim)
    out = xp.sum(x, axis=axes, keepdims=keepdims)
    shape = x.shape
    return out, lambda g, needs: (xp.broadcast_to(_restore(g, shape, axes, keepdims), shape),)


@kernel
def mean(x, axis=None, keepdims=False):
    """Mean over axes kernel: the value and its gradient rule."""
    xp = ACTIVE.xp
    axes = _norm_axis(axis, x.ndim)
    out = xp.mean(x, axis=axes, keepdims=keepdims)
    shape = x.shape
    n = 1
    for a in axes:
        n *= shape[a]
    return out, lambda g, needs: (xp.broadcast_to(_restore(g, shape, axes, keepdims) / n, shape),)


def _extremum(fn_name):
    def k(x, axis=None, keepdims=False):
        xp = ACTIVE.xp
        axes = _norm_axis(axis, x.ndim)
        out = getattr(xp, fn_name)(x, axis=axes, keepdims=keepdims)

        def vjp(g, needs):
            o = _restore(out, x.shape, axes, keepdims)
            hit = (x == o).astype(g.dtype)
            hit /= hit.sum(axis=axes, keepdims=True)  # ties share the gradient
            return (hit * _restore(g, x.shape, axes, keepdims),)
        return out, vjp
    k.__name__ = fn_name
    return k


KERNELS['max'] = _extremum('max')
KERNELS['min'] = _extremum('min')


@kernel
def prod(x, axis=None, keepdims=False):
    """Product over axes kernel: the value and its gradient rule."""
    xp = ACTIVE.xp
    axes = _norm_axis(axis, x.ndim)
    out = xp.prod(x, axis=axes, keepdims=keepdims)

    def vjp(g, needs):
        # product of all the others, computed without dividing (zeros allowed)
        moved = xp.moveaxis(x, axes, tuple(range(-len(axes), 0)))
        flat = moved.reshape(moved.shape[:moved.ndim - len(axes)] + (-1,))
        left = xp.cumprod(xp.concatenate([xp.ones_like(flat[..., :1]), flat[..., :-1]], -1), -1)
        right = xp.flip(xp.cumprod(xp.flip(
            xp.concatenate([flat[..., 1:], xp.ones_like(flat[..., :1])], -1), -1), -1), -1)
        others = (left * right).reshape(moved.shape)
        others = xp.moveaxis(others, tuple(range(-len(axes), 0)), axes)
        return (others * _restore(g, x.shape, axes, keepdims),)
    return out, vjp


@kernel
def logsumexp(x, axis=None, keepdims=False):
    """``log(sum(exp(x)))`` over axes, computed stably kernel: the value and its gradient rule."""
    xp = ACTIVE.xp
    axes = _norm_axis(axis, x.ndim)
    m = xp.max(x, axis=axes, keepdims=True)
    m = xp.where(xp.isfinite(m), m, 0)
    s = xp.sum(xp.exp(x - m), axis=axes, keepdims=True)
    out_k = xp.log(s) + m
    out = out_k if keepdims else xp.squeeze(out_k, axis=axes)
    return out, lambda g, needs: (xp.exp(x - out_k) * _restore(g, x.shape, axes, keepdims),)


@kernel
def cumsum(x, axis=0):
    """Running sum along an axis kernel: the value and its gradient rule."""
    xp = ACTIVE.xp
    return xp.cumsum(x, axis=axis), lambda g, needs: (
        xp.flip(xp.cumsum(xp.flip(g, axis), axis=axis), axis),)


def _index_reduction(name):
    def k(x, axis=-1, keepdims=False):
        out = getattr(ACTIVE.xp, name)(x, axis=axis)
        if keepdims:
            out = ACTIVE.xp.expand_dims(out, axis)
        return out, lambda g, needs: (None,)
    k.__name__ = name
    KERNELS[name] = k


for _n in ('argmax', 'argmin'):
    _index_reduction(_n)


@kernel
def any_(x, axis=None, keepdims=False):
    """Logical any over axes (no gradient) kernel: the value and its gradient rule."""
    return ACTIVE.xp.any(x, axis=axis, keepdims=keepdims), lambda g, needs: (None,)


@kernel
def all_(x, axis=None, keepdims=False):
    """Logical all over axes (no gradient) kernel: the value and its gradient rule."""
    return ACTIVE.xp.all(x, axis=axis, keepdims=keepdims), lambda g, needs: (None,)


# -- shape and layout -------------------------------------------------------------
@kernel
def reshape(x, shape):
    """A new shape for the same elements kernel: the value and its gradient rule."""
    xs = x.shape
    return x.reshape(shape), lambda g, needs: (g.reshape(xs),)


@kernel
def transpose(x, axes=None):
    """Axis permutation kernel: the value and its gradient rule."""
    xp = ACTIVE.xp
    inverse = None
    if axes is not None:
        axes = [a % x.ndim for a in axes]
        inverse = sorted(range(len(axes)), key=axes.__getitem__)
    return xp.transpose(x, axes), lambda g, needs: (xp.transpose(g, inverse),)


@kernel
def expand_dims(x, axis):
    """A new axis of size 1 kernel: the value and its gradient rule."""
    xs = x.shape
    return ACTIVE.xp.expand_dims(x, axis), lambda g, needs: (g.reshape(xs),)


@kernel
def squeeze(x, axis=None):
    """Removal of axes of size 1 kernel: the value and its gradient rule."""
    xs = x.shape
    return ACTIVE.xp.squeeze(x, axis=axis), lambda g, needs: (g.reshape(xs),)


@kernel
def broadcast_to(x, shape):
    """Broadcasting to a shape kernel: the value and its gradient rule."""
    xs = x.shape
    return ACTIVE.xp.broadcast_to(x, shape), lambda g, needs: (unbroadcast(g, xs),)


@kernel
def concatenate(*xs, axis=-1):
    """Joining arrays along an axis kernel: the value and its gradient rule."""
    xp = ACTIVE.xp
    out = xp.concatenate(xs, axis=axis)
    sizes = [x.shape[axis] for x in xs]

    def vjp(g, needs):
        bounds = []
        total = 0
        for s in sizes[:-1]:
            total += s
            bounds.append(total)
        parts = xp.split(g, bounds, axis=axis)
        return tuple(p if n else None for p, n in zip(parts, needs))
    return out, vjp


@kernel
def stack(*xs, axis=0):
    """Stacking arrays along a new axis kernel: the value and its gradient rule."""
    xp = ACTIVE.xp
    out = xp.stack(xs, axis=axis)

    def vjp(g, needs):
        return tuple(xp.take(g, i, axis=axis) if n else None for i, n in enumerate(needs))
    return out, vjp


def _is_basic_index(key):
    key = key if isinstance(key, tuple) else (key,)
    return all(k is None or k is Ellipsis or isinstance(k, (int, slice)) for k in key)


@kernel
def getitem(x, key):
    """Indexing and slicing (``x[key]``) kernel: the value and its gradient rule."""
    xp = ACTIVE.xp
    out = x[key]
    basic = _is_basic_index(key)

    def vjp(g, needs):
        gx = xp.zeros(x.shape, dtype=g.dtype)
        if basic:
            gx[key] = g
        else:
            xp.add.at(gx, key, g)
        return (gx,)
    return out, vjp


@kernel
def take(x, indices, axis=0):
    """Gather rows (``K.gather``, Embedding): the gradient scatters them back, summed."""
    xp = ACTIVE.xp
    out = xp.take(x, indices, axis=axis)
    axis %= x.ndim

    def vjp(g, needs):
        if not needs[0]:
            return (None, None)
        if axis == 0:
            gx = xp.zeros(x.shape, dtype=g.dtype)
            xp.add.at(gx, indices.reshape(-1), g.reshape((-1,) + x.shape[1:]))
            return (gx, None)
        gm = xp.moveaxis(g, list(range(axis, axis + indices.ndim)), list(range(indices.ndim)))
        gx = xp.zeros(xp.moveaxis(x, axis, 0).shape, dtype=g.dtype)
        xp.add.at(gx, indices.reshape(-1), gm.reshape((-1,) + gx.shape[1:]))
        return (xp.moveaxis(gx, 0, axis), None)
    return out, vjp


@kernel
def tile(x, reps):
    """Repetition of the whole array along its axes kernel: the value and its gradient rule."""
    xp = ACTIVE.xp
    out = xp.tile(x, reps)
    xs = x.shape

    def vjp(g, needs):
        reps_full = (1,) * (g.ndim - len(reps)) + tuple(reps)
        shape_full = (1,) * (g.ndim - len(xs)) + tuple(xs)
        split = []
        for r, s in zip(reps_full, shape_full):
            split += [r, s]
        gs = g.reshape(split).sum(axis=tuple(range(0, 2 * g.ndim, 2)))
        return (gs.reshape(xs),)
    return out, vjp


@kernel
def repeat(x, repeats, axis):
    """Repetition of each entry along an axis kernel: the value and its gradient rule."""
    xp = ACTIVE.xp
    out = xp.repeat(x, repeats, axis=axis)
    ax = axis % x.ndim

    def vjp(g, needs):
        shape = x.shape[:ax] + (x.shape[ax], repeats) + x.shape[ax + 1:]
        return (g.reshape(shape).sum(axis=ax + 1),)
    return out, vjp


@kernel
def pad(x, pad_width, constant=0):
    """Constant padding kernel: the value and its gradient rule."""
    xp = ACTIVE.xp
    out = xp.pad(x, pad_width, mode='constant', constant_values=constant)
    index = tuple(slice(a, a + n) for (a, _), n in zip(pad_width, x.shape))
    return out, lambda g, needs: (g[index],)


@kernel
def flip(x, axis=None):
    """Reversal along axes kernel: the value and its gradient rule."""
    xp = ACTIVE.xp
    return xp.flip(x, axis), lambda g, needs: (xp.flip(g, axis),)


@kernel
def where(cond, x, y):
    """``where(cond, x, y)`` (no gradient to ``cond``) kernel: the value and its gradient rule."""
    xp = ACTIVE.xp
    out = xp.where(cond, x, y)

    def vjp(g, needs):
        zero = xp.zeros((), dtype=g.dtype)
        return (None,
                unbroadcast(xp.where(cond, g, zero), _shape(x)) if needs[1] else None,
                unbroadcast(xp.where(cond, zero, g), _shape(y)) if needs[2] else None)
    return out, vjp


@kernel
def clip(x, low, high):
    """Clipping to ``[low, high]`` kernel: the value and its gradient rule."""
    xp = ACTIVE.xp
    out = xp.clip(x, low, high)
    inside = (x >= low) & (x <= high)
    return out, lambda g, needs: (g * inside,)


@kernel
def cast(x, dtype):
    """Dtype conversion kernel: the value and its gradient rule."""
    src = x.dtype
    out = x.astype(dtype)
    floating = src.kind == 'f' and out.dtype.kind == 'f'
    return out, lambda g, needs: (g.astype(src) if floating else None,)


@kernel
def stop_gradient(x):
    """The identity with a zero gradient kernel: the value and its gradient rule."""
    return x, lambda g, needs: (None,)


@kernel
def identity(x):
    """The identity kernel: the value and its gradient rule."""
    return x, lambda g, needs: (g,)


# -- neural-network primitives that pay to fuse -------------------------------------
@kernel
def softmax(x, axis=-1):
    """Softmax along an axis kernel: the value and its gradient rule."""
    xp = ACTIVE.xp
    e = xp.exp(x - xp.max(x, axis=axis, keepdims=True))
    y = e / xp.sum(e, axis=axis, keepdims=True)
    return y, lambda g, needs: (y * (g - xp.sum(g * y, axis=axis, keepdims=True)),)


@kernel
def log_softmax(x, axis=-1):
    """Log-softmax along an axis, computed stably kernel: the value and its gradient rule."""
    xp = ACTIVE.xp
    z = x - xp.max(x, axis=axis, keepdims=True)
    y = z - xp.log(xp.sum(xp.exp(z), axis=axis, keepdims=True))
    return y, lambda g, needs: (g - xp.exp(y) * xp.sum(g, axis=axis, keepdims=True),)


@kernel
def leaky_relu(x, alpha=0.2):
    """Leaky ReLU kernel: the value and its gradient rule."""
    xp = ACTIVE.xp
    pos = x > 0
    return xp.where(pos, x, alpha * x), lambda g, needs: (xp.where(pos, g, alpha * g),)


@kernel
def dropout_mask(x, mask, scale):
    """``x * mask * scale`` with a precomputed boolean mask (no gradient to the mask)."""
    out = x * mask * scale
    return out, lambda g, needs: (g * mask * scale, None, None)


@kernel
def softmax_cross_entropy(logits, target, axis=-1):
    """``-sum(target * log_softmax(logits))`` over ``axis``, in one node: its gradient
    is ``softmax * sum(target) - target``, with no log of a tiny probability."""
    xp = ACTIVE.xp
    z = logits - xp.max(logits, axis=axis, keepdims=True)
    log_p = z - xp.log(xp.sum(xp.exp(z), axis=axis, keepdims=True))
    out = -xp.sum(target * log_p, axis=axis)

    def vjp(g, needs):
        g = xp.expand_dims(g, axis)
        g_logits = g_target = None
        if needs[0]:
            g_logits = unbroadcast(g * (xp.exp(log_p) * xp.sum(target, axis=axis, keepdims=True) - target),
                                   logits.shape)
        if needs[1]:
            g_target = unbroadcast(-g * log_p, _shape(target))
        return g_logits, g_target
    return out, vjp


@kernel
def sigmoid_cross_entropy(logits, target):
    """Element-wise binary crossentropy on logits, ``max(x, 0) - x t + log(1 + exp(-|x|))``,
    finite for any ``x``; its gradient is ``sigmoid(x) - t``."""
    xp = ACTIVE.xp
    e = xp.exp(-xp.abs(logits))
    out = xp.maximum(logits, 0) - logits * target + xp.log1p(e)

    def vjp(g, needs):
        g_logits = g_target = None
        if needs[0]:
            sig = xp.where(logits >= 0, 1 / (1 + e), e / (1 + e))
            g_logits = unbroadcast(g * (sig - target), logits.shape)
        if needs[1]:
            g_target = unbroadcast(-g * logits, _shape(target))
        return g_logits, g_target
    return out, vjp
