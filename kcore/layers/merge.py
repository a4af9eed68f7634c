"""Merge layers (Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate,
Dot) and their functional forms (``add([a, b])``, ``concatenate([a, b])``, ...).

Element-wise merges follow Keras: inputs of lower rank get axes inserted after
the batch axis, then sizes broadcast (a size 1 or an unknown size matches any
other).  Masks combine as Keras combines them: element-wise merges keep a step
only where every input's mask keeps it; Concatenate concatenates the masks.
"""
import functools

from kcore.autodiff.tensor import Tensor
from kcore.runtime import ops as K
from kcore.runtime.device import ACTIVE
from kcore.errors import ShapeError, layer_prefix
from kcore.layers.base import Layer


def _fmt_shapes(shapes):
    return ', '.join('(' + ', '.join('None' if d is None else str(d) for d in s) + (',)' if len(s) == 1 else ')')
                     for s in shapes)


def _is_shape_list(input_shape):
    return isinstance(input_shape, list) and all(isinstance(s, (tuple, list)) for s in input_shape)


def _mask_array(m):
    """A mask as a boolean array (Keras 2 takes 0/1 float masks as well)."""
    a = m.data if isinstance(m, Tensor) else ACTIVE.xp.asarray(m)
    return a if a.dtype == bool else a != 0


class _Merge(Layer):
    """Base of the element-wise merges: ``_merge(tensors)`` combines same-rank tensors."""

    #: exact number of inputs, or None for "two or more"
    n_inputs = None

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _check_inputs(self, input_shape):
        if not _is_shape_list(input_shape):
            raise ValueError('%s must be called on a list of input tensors. Received: input_shape=%s. '
                             'Pass [a, b, ...].' % (layer_prefix(self), input_shape))
        n = len(input_shape)
        if (self.n_inputs is not None and n != self.n_inputs) or n < 2:
            raise ValueError('%s expects %s inputs. Received: %d input(s) of shape %s.'
                             % (layer_prefix(self), self.n_inputs or 'at least 2', n, _fmt_shapes(input_shape)))

    def build(self, input_shape):
        self.compute_output_shape(input_shape)  # validates, naming every shape
        self.built = True

    def compute_output_shape(self, input_shape):
        self._check_inputs(input_shape)
        batches = {s[0] for s in input_shape if s and s[0] is not None}
        if len(batches) > 1:
            raise ShapeError('%s: inputs have different batch sizes. Expected one batch size. Received: '
                             'input_shapes=%s.' % (layer_prefix(self), _fmt_shapes(input_shape)))
        rank = max(len(s) for s in input_shape)
        out = [1] * (rank - 1)
        for s in input_shape:
            rest = [1] * (rank - len(s)) + list(s[1:])  # inserted axes come right after the batch axis
            for i, (a, b) in enumerate(zip(out, rest)):
                if a == 1 or a is None and b != 1:
                    out[i] = b if a == 1 else None
                elif b is not None and b != 1 and a != b:
                    raise ShapeError('%s: inputs with shapes %s cannot be combined element-wise: axis %d has '
                                     'sizes %s and %s. Expected equal sizes (or 1). Received: input_shapes=%s. '
                                     'Reshape or project the inputs to a common shape first.'
                                     % (layer_prefix(self), _fmt_shapes(input_shape), i + 1, a, b,
                                        _fmt_shapes(input_shape)))
        return (batches.pop() if batches else None,) + tuple(out)

    def call(self, inputs):
        inputs = list(inputs)
        rank = max(x.ndim for x in inputs)
        if any(x.ndim != rank for x in inputs):
            inputs = [x if x.ndim == rank else K.reshape(x, (x.shape[0],) + (1,) * (rank - x.ndim) +
                                                          tuple(x.shape[1:])) for x in inputs]
        return self._merge(inputs)

    def compute_mask(self, inputs, mask=None):
        if mask is None or not isinstance(mask, (list, tuple)):
            return mask
        masks = [_mask_array(m) for m in mask if m is not None]
        if not masks:
            return None
        return Tensor(functools.reduce(lambda a, b: a & b, masks))


class Add(_Merge):
    """Element-wise sum of the inputs."""

    def _merge(self, inputs):
        return functools.reduce(K.add, inputs)


class Subtract(_Merge):
    """``inputs[0] - inputs[1]`` (exactly two inputs)."""

    n_inputs = 2

    def _merge(self, inputs):
        return K.subtract(inputs[0], inputs[1])


class Multiply(_Merge):
    """Element-wise product of the inputs."""

    def _merge(self, inputs):
        return functools.reduce(K.multiply, inputs)


class Average(_Merge):
    """Element-wise mean of the inputs."""

    def _merge(self, inputs):
        return functools.reduce(K.add, inputs) * (1.0 / len(inputs))


class Maximum(_Merge):
    """Element-wise maximum of the inputs."""

    def _merge(self, inputs):
        return functools.reduce(K.maximum, inputs)


class Minimum(_Merge):
    """Element-wise minimum of the inputs."""

    def _merge(self, inputs):
        return functools.reduce(K.minimum, inputs)


class Concatenate(_Merge):
    """Join the inputs along ``axis`` (default the last); every other axis must match."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)

    def compute_output_shape(self, input_shape):
        self._check_inputs(input_shape)
        ranks = {len(s) for s in input_shape}
        axis = self.axis % max(ranks)
        if len(ranks) > 1 or axis == 0:
            raise ShapeError('%s: inputs must have the same rank and may not be joined on the batch axis. '
                             'Expected shapes that match except on axis %d. Received: input_shapes=%s.'
                             % (layer_prefix(self), self.axis, _fmt_shapes(input_shape)))
        out = list(input_shape[0])
        for s in input_shape[1:]:
            for i, d in enumerate(s):
                if i == axis:
                    out[i] = None if out[i] is None or d is None else out[i] + d
                elif out[i] is None:
                    out[i] = d
                elif d is not None and d != out[i]:
                    raise ShapeError('%s requires inputs with matching shapes except for the concatenation '
                                     'axis %d. Received: input_shapes=%s (axis %d differs). Reshape the inputs, '
                                     'or pick the axis that differs.'
                                     % (layer_prefix(self), self.axis, _fmt_shapes(input_shape), i))
        return tuple(out)

    def call(self, inputs):
        return K.concatenate(list(inputs), axis=self.axis)

    def compute_mask(self, inputs, mask=None):
        if mask is None or not isinstance(mask, (list, tuple)) or all(m is None for m in mask):
            return None
        xp = ACTIVE.xp
        full = []
        for x, m in zip(inputs, mask):
            if m is None:
                full.append(xp.ones(x.shape, dtype=bool))
                continue
            m = _mask_array(m)
            m = m.reshape(m.shape + (1,) * (x.ndim - m.ndim))
            full.append(xp.broadcast_to(m, x.shape))
        joined = xp.concatenate(full, axis=self.axis)
        return Tensor(xp.all(joined, axis=-1))  # Keras: one flag per step (the last axis folded)

    def get_config(self):
        cfg = super().get_config()
        cfg['axis'] = self.axis
        return cfg


class Dot(_Merge):
    """Per-sample dot product of two inputs over ``axes`` (an int, or one axis per
    input); ``normalize=True`` L2-normalises along those axes first (cosine
    similarity).  Two ``(batch, n)`` inputs give ``(batch, 1)``, as in Keras."""

    n_inputs = 2

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axes, int):
            axes = (axes, axes)
        if not isinstance(axes, (list, tuple)) or len(axes) != 2 or not all(isinstance(a, int) for a in axes):
            raise ValueError('%s: axes must be an int or a pair of ints. Received: axes=%r.'
                             % (layer_prefix(self), axes))
        self.axes = tuple(axes)
        self.normalize = bool(normalize)
        self.supports_masking = False

    def _axes_for(self, shapes):
        return tuple(a % len(s) for a, s in zip(self.axes, shapes))

    def compute_output_shape(self, input_shape):
        self._check_inputs(input_shape)
        s1, s2 = (tuple(s) for s in input_shape)
        a1, a2 = self._axes_for((s1, s2))
        if a1 == 0 or a2 == 0 or (s1[a1] is not None and s2[a2] is not None and s1[a1] != s2[a2]):
            raise ShapeError('%s: cannot take the dot product over axes %s. Expected two non-batch axes of '
                             'equal size. Received: input_shapes=%s. Pick axes whose sizes match.'
                             % (layer_prefix(self), self.axes, _fmt_shapes(input_shape)))
        out = s1[:a1] + s1[a1 + 1:] + s2[1:a2] + s2[a2 + 1:]
        return out if len(out) > 1 else out + (1,)

    def call(self, inputs):
        x, y = inputs
        a1, a2 = self._axes_for((x.shape, y.shape))
        if self.normalize:
            x = K.l2_normalize(x, axis=a1)
            y = K.l2_normalize(y, axis=a2)
        return K.batch_dot(x, y, axes=(a1, a2))

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        cfg = super().get_config()
        cfg.update({'axes': list(self.axes), 'normalize': self.normalize})
        return cfg


# -- functional forms ------------------------------------------------------------
def add(inputs, **kwargs):
    """``Add(**kwargs)(inputs)``."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """``Subtract(**kwargs)(inputs)``."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """``Multiply(**kwargs)(inputs)``."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """``Average(**kwargs)(inputs)``."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """``Maximum(**kwargs)(inputs)``."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """``Minimum(**kwargs)(inputs)``."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """``Concatenate(axis=axis, **kwargs)(inputs)``."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes, normalize=False, **kwargs):
    """``Dot(axes, normalize, **kwargs)(inputs)``."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
