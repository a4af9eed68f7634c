"""``Input()`` and ``InputLayer``: where a functional graph starts."""
import numpy as np

from kcore.layers.base import Layer, shape_tuple
from kcore.layers.keras_tensor import KerasTensor
from kcore.layers.node import Node


class InputLayer(Layer):
    """The layer behind ``Input``: it has no weights and passes data through."""

    def __init__(self, input_shape=None, batch_size=None, dtype=None, input_tensor=None,
                 sparse=False, name=None, batch_input_shape=None, batch_shape=None, **kwargs):
        if sparse:
            raise ValueError('InputLayer(sparse=True) is not supported by kcore. Pass dense arrays.')
        batch_input_shape = batch_shape if batch_shape is not None else batch_input_shape
        if batch_input_shape is None:
            if input_shape is None:
                raise ValueError('Input needs a shape: Input(shape=(features,)), without the batch axis. '
                                 'Received: shape=None.')
            input_shape = (input_shape,) if isinstance(input_shape, int) else input_shape
            batch_input_shape = (batch_size,) + shape_tuple(input_shape)
        dtype = dtype or kwargs.pop('input_dtype', None)
        super().__init__(name=name, dtype=dtype, **kwargs)
        self._batch_input_shape = shape_tuple(batch_input_shape)
        self.built = True
        self._input_tensor = KerasTensor(self._batch_input_shape, self.dtype, name=self.name)
        Node(self, (), {}, self._input_tensor)

    def get_config(self):
        return {'batch_input_shape': self._batch_input_shape, 'dtype': self.dtype.name,
                'sparse': False, 'name': self.name}

    def compute_output_shape(self, input_shape):
        return input_shape

    def count_params(self):
        """0: an input layer has no weights."""
        return 0


def Input(shape=None, batch_size=None, name=None, dtype=None, sparse=False, tensor=None,
          batch_shape=None, **kwargs):
    """A symbolic input of ``shape`` (without the batch axis), for functional models.

    ``Input(shape=(784,))`` is a placeholder for batches of 784 features; call
    layers on it and pass it to ``Model(inputs=..., outputs=...)``.

    Args:
        shape: The shape of one sample, e.g. ``(784,)``; None for a free size.
        batch_size: A fixed batch size, or None.
        name: The input's name (keys of dict inputs, messages).
        dtype: The dtype; ``floatx()`` by default.
        sparse: Must be False: kcore has no sparse tensors.
        tensor: Accepted for Keras compatibility; not used.
        batch_shape: The full shape with the batch axis, instead of ``shape`` and ``batch_size``.
        **kwargs: Keras 2's ``batch_input_shape`` (the same as ``batch_shape``).

    Returns:
        A symbolic tensor (a ``KerasTensor``).

    Raises:
        ValueError: Neither ``shape`` nor ``batch_shape`` is given, or ``sparse=True``.
        TypeError: An unknown keyword argument.
    """
    if 'batch_input_shape' in kwargs:
        batch_shape = kwargs.pop('batch_input_shape')
    if kwargs:
        raise TypeError('Input() got unexpected keyword argument(s): %s.' % ', '.join(sorted(kwargs)))
    if shape is None and batch_shape is None:
        raise ValueError('Input() needs shape=... (the shape of one sample, e.g. shape=(784,)) '
                         'or batch_shape=... . Received neither.')
    if dtype is not None:
        dtype = np.dtype(dtype).name
    layer = InputLayer(input_shape=shape, batch_size=batch_size, name=name, dtype=dtype,
                       sparse=sparse, batch_input_shape=batch_shape)
    return layer._input_tensor
