"""Layers that rearrange axes without computing: Reshape, Permute, RepeatVector."""
import numpy as np

from kcore.runtime import ops as K
from kcore.errors import ShapeError, layer_prefix
from kcore.layers.base import Layer
from kcore.layers.input_spec import InputSpec


def _fmt(shape):
    return '(' + ', '.join('None' if d is None else str(d) for d in shape) + (',)' if len(shape) == 1 else ')')


class Reshape(Layer):
    """Reshape each sample to ``target_shape`` (the batch axis is kept); one entry
    may be -1, inferred from the others."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        target_shape = (target_shape,) if isinstance(target_shape, int) else tuple(target_shape)
        if sum(1 for d in target_shape if d == -1) > 1 or any(d is None or (d < 1 and d != -1)
                                                               for d in target_shape):
            raise ValueError('%s: target_shape may hold positive sizes and at most one -1. Received: '
                             'target_shape=%r.' % (layer_prefix(self), target_shape))
        self.target_shape = tuple(int(d) for d in target_shape)

    def _resolve(self, sample_shape):
        """``target_shape`` with -1 filled in for samples of ``sample_shape`` (None if unknown)."""
        known = int(np.prod([d for d in self.target_shape if d != -1]))
        if any(d is None for d in sample_shape):
            return self.target_shape if -1 not in self.target_shape else tuple(
                None if d == -1 else d for d in self.target_shape)
        size = int(np.prod(sample_shape))
        if -1 in self.target_shape:
            ok = known > 0 and size % known == 0
            out = tuple(size // known if d == -1 else d for d in self.target_shape) if ok else None
        else:
            ok = size == known
            out = self.target_shape
        if not ok:
            raise ShapeError('%s: cannot reshape samples of %d values into target_shape=%s. Expected the '
                             'input and target sizes to match. Received: input_shape=%s. Pick a '
                             'target_shape whose sizes multiply to %d.'
                             % (layer_prefix(self), size, _fmt(self.target_shape),
                                _fmt((None,) + tuple(sample_shape)), size))
        return out

    def call(self, inputs):
        return K.reshape(inputs, (inputs.shape[0],) + self._resolve(tuple(inputs.shape[1:])))

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + self._resolve(tuple(input_shape[1:]))

    def get_config(self):
        cfg = super().get_config()
        cfg['target_shape'] = list(self.target_shape)
        return cfg


class Permute(Layer):
    """Permute the non-batch axes: ``dims`` numbers them from 1, as in Keras
    (``Permute((2, 1))`` swaps the two axes of ``(batch, steps, features)``)."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        dims = tuple(int(d) for d in dims)
        if sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError('%s: dims must be a permutation of 1..%d (the batch axis 0 is not included). '
                             'Received: dims=%r.' % (layer_prefix(self), len(dims), dims))
        self.dims = dims
        self.input_spec = InputSpec(ndim=len(dims) + 1)
        self.supports_masking = False

    def call(self, inputs):
        return K.permute_dimensions(inputs, (0,) + self.dims)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self):
        cfg = super().get_config()
        cfg['dims'] = list(self.dims)
        return cfg


class RepeatVector(Layer):
    """``(batch, features)`` to ``(batch, n, features)``: the input repeated ``n`` times."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError('%s: n must be a positive integer. Received: n=%r.' % (layer_prefix(self), n))
        self.n = int(n)
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        return K.repeat(inputs, self.n)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        cfg = super().get_config()
        cfg['n'] = self.n
        return cfg
