"""``Embedding``: integer ids to dense vectors, the first layer of text models."""
import numpy as np

from kcore import constraints, initializers, regularizers
from kcore._deprecated import rename_kwargs
from kcore.autodiff.tensor import Tensor, apply
from kcore.errors import ShapeError, layer_prefix
from kcore.layers.base import Layer
from kcore.serialization import weight_options


class Embedding(Layer):
    """Rows of an ``(input_dim, output_dim)`` matrix picked by integer ids.

    ``mask_zero=True`` marks id 0 as padding: the output carries a boolean mask
    ``ids != 0`` that mask-aware layers downstream (RNNs, merge layers, ...) use,
    and ``input_dim`` must then count the padding id.  ``input_length`` (Keras 2)
    declares the sequence length, so an Embedding can start a ``Sequential``.
    Float ids (what Keras 2 data often is) are truncated to integers.  The
    gradient of the matrix is a dense scatter-add of the output gradient (the
    ``take`` kernel), never a one-hot product.
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer='uniform', embeddings_regularizer=None,
                 activity_regularizer=None, embeddings_constraint=None, mask_zero=False, input_length=None,
                 **kwargs):
        rename_kwargs('Embedding', kwargs)
        embeddings_initializer = kwargs.pop('embeddings_initializer', embeddings_initializer)
        embeddings_regularizer = kwargs.pop('embeddings_regularizer', embeddings_regularizer)
        embeddings_constraint = kwargs.pop('embeddings_constraint', embeddings_constraint)
        if input_length is not None and 'input_shape' not in kwargs and 'batch_input_shape' not in kwargs:
            length = tuple(input_length) if isinstance(input_length, (list, tuple)) else (input_length,)
            kwargs['input_shape'] = length
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        for arg, value in (('input_dim', input_dim), ('output_dim', output_dim)):
            if not isinstance(value, (int, np.integer)) or value <= 0:
                raise ValueError('%s: %s must be a positive integer. Received: %s=%r.'
                                 % (layer_prefix(self), arg, arg, value))
        self.input_dim = int(input_dim)
        self.output_dim = int(output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        self.input_length = input_length

    def build(self, input_shape):
        self.embeddings = self.add_weight('embeddings', (self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer,
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint)
        self.built = True

    def _ids(self, inputs):
        ids = inputs.data if isinstance(inputs, Tensor) else inputs
        if ids.dtype.kind != 'i':
            ids = ids.astype('int32')
        if ids.size:
            low, high = int(ids.min()), int(ids.max())
            if low < 0 or high >= self.input_dim:
                raise ValueError('%s: ids must lie in [0, input_dim) = [0, %d). Received ids from %d to %d. '
                                 'Raise input_dim to the vocabulary size (+1 for the padding id 0 with '
                                 'mask_zero=True), or clip the ids.'
                                 % (layer_prefix(self), self.input_dim, low, high))
        return ids

    def call(self, inputs):
        return apply('take', self.embeddings, self._ids(inputs), axis=0)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        data = inputs.data if isinstance(inputs, Tensor) else inputs
        return Tensor(data != 0)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.input_length is None:
            return input_shape + (self.output_dim,)
        lengths = list(self.input_length) if isinstance(self.input_length, (list, tuple)) else [self.input_length]
        if len(lengths) != len(input_shape) - 1:
            raise ShapeError('%s: input_length=%r does not match the input. Expected inputs of rank %d. '
                             'Received: input_shape=%s. Fix input_length or the input shape.'
                             % (layer_prefix(self), self.input_length, len(lengths) + 1, input_shape))
        for i, (want, got) in enumerate(zip(lengths, input_shape[1:])):
            if want is not None and got is not None and want != got:
                raise ShapeError('%s: input_length=%r does not match axis %d of the input. Expected size %d. '
                                 'Received: input_shape=%s. Fix input_length or the input shape.'
                                 % (layer_prefix(self), self.input_length, i + 1, want, input_shape))
            if want is None:
                lengths[i] = got
        return (input_shape[0],) + tuple(lengths) + (self.output_dim,)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({
            'input_dim': self.input_dim,
            'output_dim': self.output_dim,
            **weight_options(self, 'embeddings'),
            'mask_zero': self.mask_zero,
            'input_length': self.input_length,
        })
        return cfg


# names Keras 2's module imported (``from keras.layers.embeddings import K``)
from kcore import _legacy_paths  # noqa: E402
__getattr__ = _legacy_paths.module_getattr(__name__, ('K', 'to_list',))
