"""The tensor functions of ``kcore.backend`` (``K``): math, shapes, activations.

Each takes tensors, arrays or numbers and returns a ``Tensor``.  Names and
arguments follow Keras 2's backend module, so a custom layer written against
``keras.backend`` runs unchanged.  Differentiable ones are primitives (see
``autodiff/primitives.py``) or built from primitives.
"""
from __future__ import annotations

import builtins
from typing import Any, Sequence

import numpy as np

from kcore import config
from kcore._typing import TensorLike
from kcore.autodiff.tensor import Tensor, apply
from kcore.runtime.device import ACTIVE


# -- conversion -------------------------------------------------------------------
def as_array(x: TensorLike, dtype: Any = None) -> Any:
    """An array of the active backend; float64 NumPy input becomes ``floatx``."""
    if isinstance(x, Tensor):
        return x.data if dtype is None else x.data.astype(dtype, copy=False)
    xp = ACTIVE.xp
    if dtype is None:
        a = xp.asarray(x)
        if a.dtype == np.float64 and config.floatx() != 'float64':
            a = a.astype(config.floatx())
        return a
    return xp.asarray(x, dtype=dtype)


def to_tensor(x: TensorLike, dtype: Any = None) -> Tensor:
    """Wrap anything array-like as a ``Tensor`` (no copy for tensors)."""
    if isinstance(x, Tensor) and (dtype is None or x.dtype == dtype):
        return x
    return Tensor(as_array(x, dtype))


def _t(x):
    """Tensors and Python numbers pass (kernels broadcast numbers without changing the
    tensor's dtype); NumPy scalars become Python numbers; arrays are converted."""
    if isinstance(x, Tensor) or type(x) in (int, float, bool):
        return x
    if isinstance(x, np.generic):
        return x.item()
    return Tensor(as_array(x))


def is_tensor(x: TensorLike) -> bool:
    """Whether ``x`` is a kcore tensor (as opposed to an array or a number).

    Args:
        x: Any object.

    Returns:
        True for a ``Tensor`` (a ``Variable`` included).
    """
    return isinstance(x, Tensor)


# -- element-wise -----------------------------------------------------------------
def _unary(name):
    def fn(x):
        return apply(name, _t(x))
    fn.__name__ = name
    fn.__doc__ = 'Element-wise %s.' % name
    return fn


exp = _unary('exp')
log = _unary('log')
log1p = _unary('log1p')
expm1 = _unary('expm1')
sqrt = _unary('sqrt')
square = _unary('square')
abs = _unary('abs')  # noqa: A001 - Keras's name
sin = _unary('sin')
cos = _unary('cos')
tanh = _unary('tanh')
softplus = _unary('softplus')
softsign = _unary('softsign')
sign = _unary('sign')
round = _unary('round')  # noqa: A001
floor = _unary('floor')
ceil = _unary('ceil')
erf = _unary('erf')
negative = _unary('negative')
stop_gradient = _unary('stop_gradient')
identity = _unary('identity')


def _binary(name):
    def fn(x, y):
        return apply(name, _t(x), _t(y))
    fn.__name__ = name
    fn.__doc__ = 'Element-wise %s, with broadcasting.' % name
    return fn


add = _binary('add')
subtract = _binary('subtract')
multiply = _binary('multiply')
divide = _binary('divide')
maximum = _binary('maximum')
minimum = _binary('minimum')
equal = _binary('equal')
not_equal = _binary('not_equal')
greater = _binary('greater')
greater_equal = _binary('greater_equal')
less = _binary('less')
less_equal = _binary('less_equal')
logical_and = _binary('logical_and')
logical_or = _binary('logical_or')


def pow(x: TensorLike, a: TensorLike) -> Tensor:  # noqa: A001 - Keras's name
    """``x ** a``; ``a`` may be a number or a tensor."""
    return apply('power', _t(x), _t(a))


def clip(x: TensorLike, min_value: TensorLike, max_value: TensorLike) -> Tensor:
    """Clip to ``[min_value, max_value]``; the gradient is zero outside."""
    lo = -np.inf if min_value is None else _bound(min_value)
    hi = np.inf if max_value is None else _bound(max_value)
    if np.ndim(lo) == 0 and np.ndim(hi) == 0 and hi < lo:
        hi = lo
    return apply('clip', _t(x), low=lo, high=hi)


def _bound(value):
    """A clipping bound: numbers as Python floats (no up-cast), tensors as arrays."""
    value = value.data if isinstance(value, Tensor) else value
    return float(value) if np.ndim(value) == 0 else value


def switch(condition: TensorLike, then_expression: TensorLike, else_expression: TensorLike) -> Tensor:
    """Keras 2's ``K.switch``: choose between two tensors by ``condition``.

    Callables are called first.  A scalar condition picks one whole expression;
    a condition of lower rank than the expressions applies along their leading
    axes (shape ``(batch,)`` selects whole rows of ``(batch, d)``), as Keras 2
    did by padding it with trailing axes; otherwise the choice is element-wise.
    """
    if callable(then_expression):
        then_expression = then_expression()
    if callable(else_expression):
        else_expression = else_expression()
    cond = as_array(condition)
    if cond.ndim == 0:
        return to_tensor(then_expression if bool(cond) else else_expression)
    then_t, else_t = _t(then_expression), _t(else_expression)
    expr_ndim = builtins.max(getattr(then_t, 'ndim', 0), getattr(else_t, 'ndim', 0))
    if cond.ndim > expr_ndim:
        raise ValueError('switch(): the condition has rank %d, more than the expressions (rank %d). Expected a '
                         'condition of rank <= %d. Received: condition shape=%s.'
                         % (cond.ndim, expr_ndim, expr_ndim, tuple(cond.shape)))
    if cond.ndim < expr_ndim:
        cond = cond.reshape(tuple(cond.shape) + (1,) * (expr_ndim - cond.ndim))
    return apply('where', cond, then_t, else_t)


where = switch


# -- reductions ---------------------------------------------------------------------
def _reduction(name):
    def fn(x, axis=None, keepdims=False):
        if isinstance(axis, list):  # Keras 2 (TensorFlow) takes a list of axes too
            axis = tuple(axis)
        return apply(name, _t(x), axis=axis, keepdims=keepdims)
    fn.__name__ = name
    fn.__doc__ = '%s over ``axis`` (all axes when None).' % name.capitalize()
    return fn


sum = _reduction('sum')  # noqa: A001
mean = _reduction('mean')
max = _reduction('max')  # noqa: A001
min = _reduction('min')  # noqa: A001
prod = _reduction('prod')
logsumexp = _reduction('logsumexp')
any = _reduction('any')  # noqa: A001
all = _reduction('all')  # noqa: A001


def var(x: TensorLike, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Population variance (Keras's ``K.var``: divides by N)."""
    x = to_tensor(x)
    m = mean(x, axis=axis, keepdims=True)
    return mean(square(x - m), axis=axis, keepdims=keepdims)


def std(x: TensorLike, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Standard deviation along an axis (``K.std``), without Bessel's correction.

    Args:
        x: A tensor or array.
        axis: The axis or axes to reduce, or None for all of them.
        keepdims: Whether the reduced axes stay, with size 1.

    Returns:
        The standard deviation as a tensor.
    """
    return sqrt(var(x, axis=axis, keepdims=keepdims))


def argmax(x: TensorLike, axis: int = -1) -> Tensor:
    """Index of the largest value along an axis (``K.argmax``).

    Args:
        x: A tensor or array.
        axis: The axis to reduce; the last one by default.

    Returns:
        An integer tensor with ``axis`` removed.
    """
    return apply('argmax', _t(x), axis=axis)


def argmin(x: TensorLike, axis: int = -1) -> Tensor:
    """Index of the smallest value along an axis (``K.argmin``).

    Args:
        x: A tensor or array.
        axis: The axis to reduce; the last one by default.

    Returns:
        An integer tensor with ``axis`` removed.
    """
    return apply('argmin', _t(x), axis=axis)


def cumsum(x: TensorLike, axis: int = 0) -> Tensor:
    """Running sum along an axis (``K.cumsum``).

    Args:
        x: A tensor or array.
        axis: The axis to accumulate along.

    Returns:
        A tensor of ``x``'s shape.
    """
    return apply('cumsum', _t(x), axis=axis)


# -- products -------------------------------------------------------------------------
def dot(x: TensorLike, y: TensorLike) -> Tensor:
    """Keras's ``K.dot``: contracts the last axis of ``x`` with the second-to-last of ``y``
    (the last when ``y`` is 1-D); for ``y`` of rank 2 this is ``x @ y`` on every row."""
    x, y = to_tensor(x), to_tensor(y)
    if y.ndim <= 2 or x.ndim == 1:
        return apply('matmul', x, y)
    # (..., n) . (a, b, n, m) -> (..., a, b, m): move y's contracted axis first.
    perm = [y.ndim - 2] + [i for i in range(y.ndim) if i != y.ndim - 2]
    yt = permute_dimensions(y, perm)
    y2 = reshape(yt, (y.shape[-2], -1))
    out = apply('matmul', x, y2)
    return reshape(out, tuple(x.shape[:-1]) + tuple(y.shape[:-2]) + (y.shape[-1],))


def matmul(x: TensorLike, y: TensorLike) -> Tensor:
    """Matrix product with NumPy's ``matmul`` broadcasting over leading axes.

    Unlike ``dot`` (Keras's ``K.dot``), batch axes are matched, not combined.

    Args:
        x: A tensor of rank 2 or more.
        y: A tensor whose second-to-last axis matches ``x``'s last one.

    Returns:
        The product as a tensor.
    """
    return apply('matmul', _t(x), _t(y))


def batch_dot(x: TensorLike, y: TensorLike, axes: int | Sequence[int] | None = None) -> Tensor:
    """Dot product of each sample of ``x`` with the same sample of ``y`` (Keras 2 semantics).

    ``axes`` (int or pair) names the contracted axes; the default contracts the
    last axis of ``x`` with the second-to-last of ``y`` (last if ``y`` is 2-D).
    The result of two 2-D inputs is ``(batch, 1)``, as in Keras.
    """
    x, y = to_tensor(x), to_tensor(y)
    if x.ndim < 2 or y.ndim < 2:
        raise ValueError('batch_dot needs inputs of rank 2 or more (a batch axis and a data axis). Received: '
                         'x.shape=%s, y.shape=%s. Add a batch axis with K.expand_dims(x, 0).'
                         % (tuple(x.shape), tuple(y.shape)))
    if x.shape[0] != y.shape[0]:
        raise ValueError('batch_dot needs inputs with the same batch size. Received: x.shape=%s, y.shape=%s.'
                         % (tuple(x.shape), tuple(y.shape)))
    if isinstance(axes, int):
        axes = (axes, axes)
    if axes is None:
        axes = (x.ndim - 1, y.ndim - 1 if y.ndim == 2 else y.ndim - 2)
    if len(axes) != 2 or not builtins.all(isinstance(a, (int, np.integer)) for a in axes):
        raise ValueError('batch_dot contracts one axis of each input: axes must be None, an int or a pair of '
                         'ints. Received: axes=%r.' % (axes,))
    ax, ay = [int(a) % n for a, n in zip(axes, (x.ndim, y.ndim))]
    if ax == 0 or ay == 0:
        raise ValueError('batch_dot cannot contract the batch axis 0. Received: axes=%r. Add a batch axis with '
                         'K.expand_dims(x, 0) if your inputs are not batched.' % (axes,))
    if x.shape[ax] != y.shape[ay]:
        raise ValueError('batch_dot: the contracted axes differ in size. Expected x.shape[%d] == y.shape[%d]. '
                         'Received: x.shape=%s, y.shape=%s, axes=%r.'
                         % (ax, ay, tuple(x.shape), tuple(y.shape), (ax, ay)))
    # move contracted axes: x -> (b, ..., n), y -> (b, n, ...)
    xp_perm = [0] + [i for i in range(1, x.ndim) if i != ax] + [ax]
    yp_perm = [0, ay] + [i for i in range(1, y.ndim) if i != ay]
    xm = permute_dimensions(x, xp_perm) if xp_perm != list(range(x.ndim)) else x
    ym = permute_dimensions(y, yp_perm) if yp_perm != list(range(y.ndim)) else y
    x_rest = tuple(xm.shape[1:-1])
    y_rest = tuple(ym.shape[2:])
    b, n = xm.shape[0], xm.shape[-1]
    x3 = reshape(xm, (b, -1, n))
    y3 = reshape(ym, (b, n, -1))
    out = apply('matmul', x3, y3)
    out = reshape(out, (b,) + x_rest + y_rest)
    if out.ndim == 1:
        out = expand_dims(out, 1)
    return out


# -- shapes -----------------------------------------------------------------------------
def reshape(x: TensorLike, shape: Sequence[int]) -> Tensor:
    """Give ``x`` a new shape holding the same elements (``K.reshape``).

    Args:
        x: A tensor or array.
        shape: The new shape; one entry may be -1 to infer it.

    Returns:
        The reshaped tensor.
    """
    return apply('reshape', _t(x), shape=tuple(int(s) for s in shape))


def transpose(x: TensorLike, axes: int | Sequence[int] | None = None) -> Tensor:
    """Permute the axes of ``x``, reversing them by default (``K.transpose``).

    Args:
        x: A tensor or array.
        axes: The new order of the axes, or None to reverse them.

    Returns:
        The transposed tensor.
    """
    return apply('transpose', _t(x), axes=None if axes is None else tuple(axes))


def permute_dimensions(x: TensorLike, pattern: Sequence[int]) -> Tensor:
    """Reorder the axes of ``x`` (``K.permute_dimensions``).

    Args:
        x: A tensor or array.
        pattern: The new order, e.g. ``(0, 2, 1)``.

    Returns:
        The tensor with its axes permuted.
    """
    return apply('transpose', _t(x), axes=tuple(pattern))


def expand_dims(x: TensorLike, axis: int = -1) -> Tensor:
    """Insert an axis of size 1 (``K.expand_dims``).

    Args:
        x: A tensor or array.
        axis: Where the new axis goes; at the end by default.

    Returns:
        A tensor one rank higher.
    """
    return apply('expand_dims', _t(x), axis=axis)


def squeeze(x: TensorLike, axis: int | None = None) -> Tensor:
    """Remove axes of size 1 (``K.squeeze``).

    Args:
        x: A tensor or array.
        axis: The axis to remove, or None for every axis of size 1.

    Returns:
        The squeezed tensor.
    """
    return apply('squeeze', _t(x), axis=axis)


def flatten(x: TensorLike) -> Tensor:
    """Flatten ``x`` into one axis, batch axis included (``K.flatten``).

    Args:
        x: A tensor or array.

    Returns:
        A rank-1 tensor; see ``batch_flatten`` to keep the batch axis.
    """
    return reshape(x, (-1,))


def batch_flatten(x: TensorLike) -> Tensor:
    """``(batch, ...)`` to ``(batch, prod(...))``."""
    x = to_tensor(x)
    return reshape(x, (x.shape[0], -1))


def concatenate(tensors: Sequence[TensorLike], axis: int = -1) -> Tensor:
    """Join tensors along an existing axis (``K.concatenate``).

    Args:
        tensors: The tensors; their shapes agree except along ``axis``.
        axis: The axis to join along; the last one by default.

    Returns:
        The concatenated tensor.
    """
    return apply('concatenate', *[to_tensor(t) for t in tensors], axis=axis)


def stack(tensors: Sequence[TensorLike], axis: int = 0) -> Tensor:
    """Stack tensors of one shape along a new axis (``K.stack``).

    Args:
        tensors: The tensors, all of one shape.
        axis: Where the new axis goes.

    Returns:
        A tensor one rank higher than the inputs.
    """
    return apply('stack', *[to_tensor(t) for t in tensors], axis=axis)


def unstack(x: TensorLike, axis: int = 0) -> list[Tensor]:
    """Split ``x`` along an axis into a list of tensors (``tf.unstack``).

    Args:
        x: A tensor or array.
        axis: The axis to split along; it is removed from each piece.

    Returns:
        A list of ``x.shape[axis]`` tensors.
    """
    x = to_tensor(x)
    index = [slice(None)] * x.ndim
    out = []
    for i in range(x.shape[axis]):
        index[axis] = i
        out.append(x[tuple(index)])
    return out


def repeat_elements(x: TensorLike, rep: int, axis: int) -> Tensor:
    """Repeat each element ``rep`` times along ``axis`` (``np.repeat``)."""
    return apply('repeat', _t(x), repeats=int(rep), axis=axis)


def repeat(x: TensorLike, n: int | Sequence[int]) -> Tensor:
    """``(batch, d)`` to ``(batch, n, d)`` (RepeatVector)."""
    x = to_tensor(x)
    return tile(expand_dims(x, 1), (1, n, 1))


def tile(x: TensorLike, n: int | Sequence[int]) -> Tensor:
    """Repeat ``x`` along its axes (``K.tile``).

    Args:
        x: A tensor or array.
        n: How often to repeat: one count, or one count per axis.

    Returns:
        The tiled tensor.
    """
    n = (n,) if isinstance(n, int) else tuple(int(i) for i in n)
    return apply('tile', _t(x), reps=n)


def gather(reference: TensorLike, indices: TensorLike) -> Tensor:
    """Rows of ``reference`` at integer ``indices`` (any shape)."""
    idx = as_array(indices)
    if idx.dtype.kind not in 'iu':
        idx = idx.astype('int64')
    return apply('take', _t(reference), idx, axis=0)


def take(x: TensorLike, indices: TensorLike, axis: int = 0) -> Tensor:
    """Select entries along an axis by integer indices (NumPy's ``take``).

    Args:
        x: A tensor or array.
        indices: Integer indices of any shape (float indices are cast).
        axis: The axis to index.

    Returns:
        A tensor whose ``axis`` is replaced by the indices' shape.
    """
    idx = as_array(indices)
    if idx.dtype.kind not in 'iu':
        idx = idx.astype('int64')
    return apply('take', _t(x), idx, axis=axis)


def pad(x: TensorLike, pad_width: Sequence[Sequence[int]], constant: float = 0.0) -> Tensor:
    """Pad ``x`` with a constant (NumPy's ``pad`` in constant mode).

    Args:
        x: A tensor or array.
        pad_width: ``(before, after)`` counts for each axis.
        constant: The fill value.

    Returns:
        The padded tensor.
    """
    return apply('pad', _t(x), pad_width=tuple(tuple(int(a) for a in p) for p in pad_width),
                 constant=constant)


def reverse(x: TensorLike, axes: int | Sequence[int] | None) -> Tensor:
    """Reverse ``x`` along the given axes (``K.reverse``).

    Args:
        x: A tensor or array.
        axes: An axis, a list of axes, or None for all of them.

    Returns:
        The reversed tensor.
    """
    return apply('flip', _t(x), axis=axes)


def broadcast_to(x: TensorLike, shape: Sequence[int]) -> Tensor:
    """Broadcast ``x`` to a shape, NumPy's rules (the gradient sums back).

    Args:
        x: A tensor or array.
        shape: The target shape.

    Returns:
        A tensor of ``shape``.
    """
    return apply('broadcast_to', _t(x), shape=tuple(shape))


def cast(x: TensorLike, dtype: Any) -> Tensor:
    """Convert ``x`` to another dtype (``K.cast``).

    Args:
        x: A tensor or array.
        dtype: A dtype name (``'float32'``) or a NumPy dtype.

    Returns:
        The converted tensor; a float cast keeps the gradient.
    """
    dtype = np.dtype(dtype).name if not isinstance(dtype, str) else dtype
    return apply('cast', _t(x), dtype=dtype)


def one_hot(indices: TensorLike, num_classes: int) -> Tensor:
    """``(...,)`` integers to ``(..., num_classes)`` floats of ``floatx``."""
    xp = ACTIVE.xp
    idx = as_array(indices).astype('int64')
    out = (idx[..., None] == xp.arange(num_classes)).astype(config.floatx())
    return Tensor(out)


# -- activations and nn -------------------------------------------------------------------
def relu(x: TensorLike, alpha: float = 0.0, max_value: float | None = None, threshold: float = 0.0) -> Tensor:
    """Keras 2's ``K.relu``: ``x`` above ``threshold`` (clipped to ``[0, max_value]``),
    ``alpha * (x - threshold)`` at or below it."""
    x = _t(x)
    if max_value is None and threshold == 0:
        return apply('leaky_relu', x, alpha=alpha) if alpha else apply('relu', x)
    if threshold != 0:
        y = apply('where', as_array(x) > threshold, x, 0.0)
    else:
        y = apply('relu', x)
    if max_value is not None:
        y = clip(y, 0.0, max_value)
    if alpha:
        y = y - alpha * apply('relu', threshold - x if threshold != 0 else -x)
    return y


def hard_sigmoid(x: TensorLike) -> Tensor:
    """``clip(0.2 * x + 0.5, 0, 1)`` (Keras 2's definition)."""
    return clip(0.2 * _t(x) + 0.5, 0.0, 1.0)


# softmax/sigmoid mark their output with (kind, logits, axis) in ``Tensor._produced_from``
# (a slot left unset on every other tensor): crossentropy losses read the logits back (as
# Keras does on TensorFlow) instead of taking the log of a probability
def softmax(x: TensorLike, axis: int = -1) -> Tensor:
    """Softmax along an axis (``K.softmax``).

    The result remembers its input, so a crossentropy loss on it can use the logits
    (as Keras on TensorFlow does) for a stable value and gradient.

    Args:
        x: Logits.
        axis: The axis that sums to 1.

    Returns:
        Probabilities of ``x``'s shape.
    """
    x = _t(x)
    y = apply('softmax', x, axis=axis)
    if isinstance(x, Tensor):
        y._produced_from = ('softmax', x, axis)
    return y


def sigmoid(x: TensorLike) -> Tensor:
    """Element-wise logistic sigmoid."""
    x = _t(x)
    y = apply('sigmoid', x)
    if isinstance(x, Tensor):
        y._produced_from = ('sigmoid', x, None)
    return y


def logits_of(y: TensorLike, kind: str, axis: int | None = None) -> Tensor:
    """The tensor ``y`` was computed from by ``softmax`` (on ``axis``) or ``sigmoid``, or None."""
    record = getattr(y, '_produced_from', None) if isinstance(y, Tensor) else None
    if record is None or record[0] != kind:
        return None
    if axis is not None and record[2] not in (axis, axis % y.ndim, axis - y.ndim):
        return None
    return record[1]


def log_softmax(x: TensorLike, axis: int = -1) -> Tensor:
    """Logarithm of the softmax, computed stably (no ``log(0)``).

    Args:
        x: Logits.
        axis: The axis of the classes.

    Returns:
        Log-probabilities of ``x``'s shape.
    """
    return apply('log_softmax', _t(x), axis=axis)


def elu(x: TensorLike, alpha: float = 1.0) -> Tensor:
    """Exponential linear unit: ``x`` if ``x > 0`` else ``alpha * (exp(x) - 1)``.

    Args:
        x: A tensor or array.
        alpha: The negative saturation value.

    Returns:
        A tensor of ``x``'s shape.
    """
    return apply('elu', _t(x), alpha=alpha)


def selu(x: TensorLike) -> Tensor:
    """Scaled exponential linear unit (Klambauer et al., 2017), with its fixed constants.

    Args:
        x: A tensor or array.

    Returns:
        ``scale * elu(x, alpha)``, a tensor of ``x``'s shape.
    """
    alpha = 1.6732632423543772848170429916717
    scale = 1.0507009873554804934193349852946
    return scale * elu(x, alpha)


def gelu(x: TensorLike, approximate: bool = False) -> Tensor:
    """Gaussian error linear unit, ``x * Phi(x)`` (Hendrycks & Gimpel, 2016).

    Args:
        x: A tensor or array.
        approximate: Use the tanh approximation instead of the exact ``erf`` form.

    Returns:
        A tensor of ``x``'s shape.
    """
    x = _t(x)
    if approximate:
        c = float(np.sqrt(2 / np.pi))
        return 0.5 * x * (1.0 + tanh(c * (x + 0.044715 * x ** 3)))
    return 0.5 * x * (1.0 + erf(x / float(np.sqrt(2.0))))


def swish(x: TensorLike) -> Tensor:
    """Swish (also SiLU): ``x * sigmoid(x)``.

    Args:
        x: A tensor or array.

    Returns:
        A tensor of ``x``'s shape.
    """
    x = _t(x)
    return x * sigmoid(x)


silu = swish


def leaky_relu(x: TensorLike, alpha: float = 0.2) -> Tensor:
    """Leaky ReLU: ``x`` if ``x > 0`` else ``alpha * x``.

    Args:
        x: A tensor or array.
        alpha: The slope below zero.

    Returns:
        A tensor of ``x``'s shape.
    """
    return apply('leaky_relu', _t(x), alpha=alpha)


def l2_normalize(x: TensorLike, axis: int | None = None) -> Tensor:
    """Scale ``x`` to unit L2 norm along an axis (``K.l2_normalize``).

    The squared norm is floored at 1e-12, so a zero vector stays zero instead of NaN.

    Args:
        x: A tensor or array.
        axis: The axis or axes of the norm, or None for all of them.

    Returns:
        A tensor of ``x``'s shape.
    """
    x = to_tensor(x)
    s = sum(square(x), axis=axis, keepdims=True)
    return x / sqrt(maximum(s, 1e-12))


def bias_add(x: TensorLike, bias: TensorLike, data_format: str | None = None) -> Tensor:
    """Add a bias vector on the channel axis (last, or 1 for channels_first)."""
    x, bias = to_tensor(x), to_tensor(bias)
    data_format = config.normalize_data_format(data_format)
    if data_format == 'channels_first' and x.ndim > 2 and bias.ndim == 1:
        bias = reshape(bias, (1, bias.shape[0]) + (1,) * (x.ndim - 2))
    return x + bias


# -- shape facts ---------------------------------------------------------------------------
def shape(x: TensorLike) -> tuple[int, ...]:
    """The shape as a tuple of ints (Keras 3 semantics; Keras 2 returned a tensor)."""
    return tuple(x.shape)


def int_shape(x: TensorLike) -> tuple[int | None, ...]:
    """The static shape; ``None`` marks unknown sizes of symbolic tensors."""
    s = x.shape
    return tuple(None if d is None else int(d) for d in s)


def ndim(x: TensorLike) -> int:
    """Number of axes of ``x`` (``K.ndim``).

    Args:
        x: A tensor or array.

    Returns:
        The rank, an int.
    """
    return len(x.shape)


def dtype(x: TensorLike) -> str:
    """Name of ``x``'s dtype (``K.dtype``).

    Args:
        x: A tensor, variable or array.

    Returns:
        A string such as ``'float32'``.
    """
    d = x.dtype
    return d if isinstance(d, str) else np.dtype(d).name


def count_params(x: TensorLike) -> int:
    """Number of scalars in ``x`` (``K.count_params``).

    Args:
        x: A tensor, variable or array.

    Returns:
        The product of its shape, an int.
    """
    return int(np.prod(x.shape))


def epsilon() -> float:
    """The fuzz factor used against division by zero (``K.epsilon``).

    Returns:
        The configured value, 1e-7 unless ``set_epsilon`` changed it.
    """
    return config.epsilon()


_ = builtins  # the module shadows builtins on purpose; keep a handle for readers


__all__ = sorted(n for n, v in list(globals().items())
                 if not n.startswith('_') and callable(v) and getattr(v, '__module__', None) == __name__)
