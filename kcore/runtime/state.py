"""``K`` functions about values and state: variables, constants, random tensors,
``eval``/``get_value``/``set_value``, eager ``gradients``, the learning phase and
``clear_session``.  The graph functions (``K.function``, ``K.placeholder``, symbolic
``K.gradients``) live with the graph, in ``kcore.models.graph_function``."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from kcore import config
from kcore._typing import TensorLike
from kcore.autodiff import tensor as _tensor
from kcore.autodiff.tensor import Tensor, Variable, apply
from kcore.runtime import phase as _phase
from kcore.runtime import rng as _rng
from kcore.runtime.device import ACTIVE, backend_name
from kcore.runtime.ops import as_array, stop_gradient as _stop_gradient, to_tensor
from kcore.utils import naming


def _floatx(dtype):
    return np.dtype(dtype or config.floatx())


def variable(value: TensorLike, dtype: Any = None, name: str | None = None, constraint: Any = None,
             trainable: bool = True) -> Variable:
    """A ``Variable`` holding a copy of ``value``, of ``dtype`` (default ``floatx``, integer
    values included, as in Keras 2)."""
    arr = as_array(value, _floatx(dtype))  # straight to dtype: float64 values keep their precision
    return Variable(ACTIVE.xp.array(arr, copy=True), trainable=trainable, name=name,
                    constraint=constraint)


def constant(value: TensorLike, dtype: Any = None, shape: Sequence[int] | None = None,
             name: str | None = None) -> Tensor:
    """A constant tensor holding ``value`` (``K.constant``).

    Args:
        value: A number, list or array.
        dtype: The dtype; ``floatx()`` by default.
        shape: If given, ``value`` is broadcast to this shape.
        name: Accepted for Keras 2 compatibility; kcore's variables keep it, tensors ignore it.

    Returns:
        A ``Tensor`` (no gradient flows into it).
    """
    arr = as_array(value, _floatx(dtype))
    if shape is not None:
        arr = ACTIVE.xp.broadcast_to(arr, tuple(shape)).copy()
    return Tensor(arr)


def zeros(shape: Sequence[int], dtype: Any = None, name: str | None = None) -> Variable:
    """A variable filled with zeros (``K.zeros``).

    Args:
        shape: The variable's shape.
        dtype: The dtype; ``floatx()`` by default.
        name: The variable's name.

    Returns:
        A ``Variable``.
    """
    return variable(ACTIVE.xp.zeros(shape, dtype=_floatx(dtype)), dtype=dtype, name=name)


def ones(shape: Sequence[int], dtype: Any = None, name: str | None = None) -> Variable:
    """A variable filled with ones (``K.ones``).

    Args:
        shape: The variable's shape.
        dtype: The dtype; ``floatx()`` by default.
        name: The variable's name.

    Returns:
        A ``Variable``.
    """
    return variable(ACTIVE.xp.ones(shape, dtype=_floatx(dtype)), dtype=dtype, name=name)


def eye(size: int | tuple[int, int], dtype: Any = None, name: str | None = None) -> Variable:
    """An identity-matrix variable (``K.eye``).

    Args:
        size: ``n`` for an ``n x n`` matrix, or ``(n, m)``.
        dtype: The dtype; ``floatx()`` by default.
        name: The variable's name.

    Returns:
        A ``Variable`` with ones on the diagonal.
    """
    n, m = (size, size) if isinstance(size, int) else size
    return variable(ACTIVE.xp.eye(n, m, dtype=_floatx(dtype)), dtype=dtype, name=name)


def zeros_like(x: TensorLike, dtype: Any = None, name: str | None = None) -> Tensor:
    """A tensor of zeros with ``x``'s shape (``K.zeros_like``).

    Args:
        x: A tensor, variable or array.
        dtype: The dtype; ``x``'s by default.
        name: Accepted for Keras 2 compatibility; kcore's variables keep it, tensors ignore it.

    Returns:
        A ``Tensor``.
    """
    return Tensor(ACTIVE.xp.zeros(x.shape, dtype=dtype or x.dtype))


def ones_like(x: TensorLike, dtype: Any = None, name: str | None = None) -> Tensor:
    """A tensor of ones with ``x``'s shape (``K.ones_like``).

    Args:
        x: A tensor, variable or array.
        dtype: The dtype; ``x``'s by default.
        name: Accepted for Keras 2 compatibility; kcore's variables keep it, tensors ignore it.

    Returns:
        A ``Tensor``.
    """
    return Tensor(ACTIVE.xp.ones(x.shape, dtype=dtype or x.dtype))


def arange(start: int | float, stop: int | float | None = None, step: int | float = 1,
           dtype: Any = 'int32') -> Tensor:
    """Evenly spaced integers or numbers, as ``numpy.arange`` (``K.arange``).

    Args:
        start: The first value, or the end when ``stop`` is None (then the start is 0).
        stop: The end (excluded).
        step: The spacing.
        dtype: The dtype; ``'int32'`` as in Keras.

    Returns:
        A rank-1 ``Tensor``.
    """
    return Tensor(ACTIVE.xp.arange(start, stop, step, dtype=dtype))


# -- random ----------------------------------------------------------------------------
def _sample_dtype(dtype):
    """Generators draw float32 or float64; float16 is drawn as float32 and cast."""
    return dtype if dtype in (np.float32, np.float64) else np.dtype(np.float32)


def random_uniform(shape: Sequence[int], minval: float = 0.0, maxval: float = 1.0, dtype: Any = None,
                   seed: int | None = None) -> Tensor:
    """Uniform in ``[minval, maxval)``; the same ``seed`` gives the same tensor."""
    gen = _rng.generator(seed)
    dtype = _floatx(dtype)
    u = gen.random(tuple(shape), dtype=_sample_dtype(dtype))
    return Tensor((u * (maxval - minval) + minval).astype(dtype, copy=False))


def random_normal(shape: Sequence[int], mean: float = 0.0, stddev: float = 1.0, dtype: Any = None,
                  seed: int | None = None) -> Tensor:
    """Normal with ``mean`` and ``stddev``; the same ``seed`` gives the same tensor."""
    gen = _rng.generator(seed)
    dtype = _floatx(dtype)
    z = gen.standard_normal(tuple(shape), dtype=_sample_dtype(dtype))
    return Tensor((z * stddev + mean).astype(dtype, copy=False))


def truncated_normal(shape: Sequence[int], mean: float = 0.0, stddev: float = 1.0, dtype: Any = None,
                     seed: int | None = None) -> Tensor:
    """Normal samples redrawn when further than two standard deviations from the mean.

    Args:
        shape: The shape of the result.
        mean: The mean.
        stddev: The standard deviation before truncation.
        dtype: The dtype; ``floatx()`` by default.
        seed: An int for a repeatable draw, or None for the global random state.

    Returns:
        A ``Tensor`` of samples.
    """
    return Tensor(_rng.truncated_normal(_rng.generator(seed), tuple(shape), mean, stddev, _floatx(dtype)))


def random_binomial(shape: Sequence[int], p: float = 0.0, dtype: Any = None, seed: int | None = None) -> Tensor:
    """Samples of 1 with probability ``p``, else 0 (``K.random_binomial``).

    Args:
        shape: The shape of the result.
        p: The probability of a 1.
        dtype: The dtype; ``floatx()`` by default.
        seed: An int for a repeatable draw, or None for the global random state.

    Returns:
        A ``Tensor`` of zeros and ones.
    """
    gen = _rng.generator(seed)
    return Tensor((gen.random(tuple(shape), dtype=np.float32) < p).astype(_floatx(dtype)))


random_bernoulli = random_binomial


def dropout(x: TensorLike, level: float, noise_shape: Sequence[int | None] | None = None, seed: int | None = None,
            generator: Any = None) -> Tensor:
    """Inverted dropout: zero a fraction ``level`` of ``x``, scale the rest; ``noise_shape``
    entries of None take x's size.  ``generator`` (else one for ``seed``) draws the mask."""
    x = to_tensor(x)
    if level >= 1:
        return x * 0.0
    shape = tuple(x.shape)
    if noise_shape is not None:
        shape = tuple(s if n is None else n for s, n in zip(shape, noise_shape))
    gen = generator or _rng.generator(seed)
    keep = gen.random(shape, dtype=np.float32) >= level
    return apply('dropout_mask', x, keep, np.asarray(1.0 / (1.0 - level), dtype=x.dtype).item())


# -- values ------------------------------------------------------------------------------
def eval(x: TensorLike) -> np.ndarray:  # noqa: A001 - Keras's name
    """The value of a tensor or variable as a NumPy array."""
    if isinstance(x, Tensor):
        return ACTIVE.backend.to_numpy(x.data)
    return np.asarray(x)


get_value = eval


def set_value(x: TensorLike, value: TensorLike) -> None:
    """Overwrite a variable's value from a NumPy array (``K.set_value``).

    Also sets an optimizer's learning rate (``K.set_value(model.optimizer.lr, 0.001)``),
    the Keras 2 idiom, though kcore keeps the rate as a Python float.

    Args:
        x: A ``Variable``, or an optimizer's ``lr``/``learning_rate``.
        value: The new value, of ``x``'s shape.

    Raises:
        TypeError: ``x`` is neither a variable nor a learning rate.
        ValueError: ``value``'s shape differs from ``x``'s.
    """
    if hasattr(x, 'set_value') and not isinstance(x, Variable):  # an optimizer's lr (Keras 2 idiom)
        x.set_value(np.asarray(value).item())
        return
    if not isinstance(x, Variable):
        raise TypeError('set_value() needs a Variable. Received: %r.' % (x,))
    value = np.asarray(value)
    if tuple(value.shape) != tuple(x.shape):
        raise ValueError('set_value(): variable %r has shape %s; the value has shape %s.'
                         % (x.name, tuple(x.shape), tuple(value.shape)))
    x.assign(ACTIVE.backend.asarray(value, dtype=x.dtype))


def batch_get_value(tensors: Sequence[TensorLike]) -> list[np.ndarray]:
    """The values of several tensors or variables as NumPy arrays (``K.batch_get_value``).

    Args:
        tensors: Tensors, variables or arrays.

    Returns:
        A list of ``numpy.ndarray``, in order.
    """
    return [eval(t) for t in tensors]


def batch_set_value(tuples: Sequence[tuple[Any, Any]]) -> None:
    """Set several variables at once (``K.batch_set_value``).

    Args:
        tuples: ``(variable, value)`` pairs, as ``set_value`` takes them.
    """
    for x, value in tuples:
        set_value(x, value)


def update(x: TensorLike, new_x: TensorLike) -> Any:
    """Assign ``new_x`` to the variable ``x`` (``K.update``).

    Args:
        x: A ``Variable``.
        new_x: The new value, of ``x``'s shape.

    Returns:
        The variable.
    """
    return x.assign(as_array(new_x))


def update_add(x: TensorLike, increment: TensorLike) -> Any:
    """Add ``increment`` to the variable ``x`` in place (``K.update_add``).

    Args:
        x: A ``Variable``.
        increment: The amount to add, broadcastable to ``x``'s shape.

    Returns:
        The variable.
    """
    return x.assign_add(as_array(increment))


def update_sub(x: TensorLike, decrement: TensorLike) -> Any:
    """Subtract ``decrement`` from the variable ``x`` in place (``K.update_sub``).

    Args:
        x: A ``Variable``.
        decrement: The amount to subtract, broadcastable to ``x``'s shape.

    Returns:
        The variable.
    """
    return x.assign_sub(as_array(decrement))


def moving_average_update(x: TensorLike, value: TensorLike, momentum: float) -> Any:
    """``x = x * momentum + value * (1 - momentum)``, in place."""
    v = as_array(value)
    x.data *= momentum
    x.data += v * (1 - momentum)
    return x


def print_tensor(x: TensorLike, message: str = '') -> Tensor:
    """Print ``message`` and the value of ``x``, then return ``x`` (``K.print_tensor``).

    Args:
        x: A tensor or variable.
        message: Printed before the value.

    Returns:
        ``x`` itself, so the call can sit inside an expression.
    """
    print(message, eval(x))
    return x


# -- gradients ---------------------------------------------------------------------------
def gradients(loss: TensorLike, variables: Any) -> list[Tensor | None]:
    """Gradients of ``sum(loss)`` with respect to ``variables``, for a tensor computed
    eagerly (``K.gradients`` adds symbolic tensors, in ``kcore.models.graph_function``)."""
    single = not isinstance(variables, (list, tuple))
    variables = [variables] if single else list(variables)
    grads = _tensor.gradients(loss, variables)
    return [None if g is None else Tensor(g) for g in grads]


def stop_gradient(variables: Any) -> Any:
    """The same values with no gradient flowing back through them (``K.stop_gradient``).

    Args:
        variables: A tensor, or a list or tuple of tensors.

    Returns:
        A tensor, or a list of tensors, detached from the graph.
    """
    if isinstance(variables, (list, tuple)):
        return [_stop_gradient(v) for v in variables]
    return _stop_gradient(variables)


class _LearningPhase:
    """The symbolic learning phase of Keras 2 (``K.learning_phase()``)."""

    shape = ()

    def __int__(self):
        v = _phase.current()
        return 0 if v is None else int(v)

    def __bool__(self):
        return bool(int(self))

    def __repr__(self):
        return '<learning_phase=%d>' % int(self)


LEARNING_PHASE = _LearningPhase()


def learning_phase() -> Any:
    """The learning phase placeholder; ``int()`` of it is the current value (0 or 1)."""
    return LEARNING_PHASE


def set_learning_phase(value: TensorLike) -> None:
    """Fix the learning phase for all later calls (``K.set_learning_phase``).

    Layers such as ``Dropout`` read it when no ``training`` argument is given.

    Args:
        value: 0 (inference) or 1 (training).
    """
    _phase.set_global(value)


learning_phase_scope = _phase.learning_phase_scope


def in_train_phase(x: TensorLike, alt: TensorLike, training: bool | None = None) -> Any:
    """``x`` in the training phase, else ``alt`` (``K.in_train_phase``).

    Args:
        x: The training-phase value, or a callable returning it.
        alt: The inference-phase value, or a callable returning it.
        training: True or False to decide here; None reads the current learning phase.

    Returns:
        The chosen value (a callable is called, so only the chosen branch runs).
    """
    if training is None:
        training = _phase.current()
    if training:
        return x() if callable(x) else x
    return alt() if callable(alt) else alt


def in_test_phase(x: TensorLike, alt: TensorLike, training: bool | None = None) -> Any:
    """``x`` in the inference phase, else ``alt`` (``K.in_test_phase``).

    Args:
        x: The inference-phase value, or a callable returning it.
        alt: The training-phase value, or a callable returning it.
        training: True or False to decide here; None reads the current learning phase.

    Returns:
        The chosen value.
    """
    return in_train_phase(alt, x, training=training)


def clear_session() -> None:
    """Reset automatic layer names (``dense``, ``dense_1``, ...) and the learning phase."""
    naming.reset()
    _phase.set_global(None)


# -- the device, for K ---------------------------------------------------------------------
def backend() -> str:
    """The active device backend's name ('numpy', 'cuda', ...)."""
    return backend_name()


def device_count() -> int:
    """How many devices the active backend has (1 for the CPU)."""
    return ACTIVE.backend.device_count()


def array_module() -> Any:
    """The active backend's array module (``numpy`` or ``cupy``), for plugin code that
    works on raw arrays: an optimizer's ``update_step``, a kernel."""
    return ACTIVE.xp


def cast_to_floatx(x: TensorLike) -> np.ndarray:
    """``x`` as a NumPy array of ``floatx()`` (``K.cast_to_floatx``).

    Args:
        x: A number, list or array.

    Returns:
        A ``numpy.ndarray``.
    """
    return np.asarray(x, dtype=config.floatx())


__all__ = sorted(n for n, v in list(globals().items())
                 if not n.startswith('_') and callable(v) and getattr(v, '__module__', None) == __name__)
