"""LocallyConnected1D/2D: convolutions whose weights are not shared across positions
(Keras 2's ``keras.layers.local``).

Every output position has its own filter bank, so the kernel is
``(positions, window values, filters)`` with the window flattened as Keras
flattens it (``(rows, cols, channels)`` for channels_last, ``(channels, rows,
cols)`` for channels_first) and the positions in row-major order, and the
bias ``(rows, cols, filters)`` added as Keras's backend adds it (reshaped, not
transposed, for channels_first): Keras's weights load unchanged.  The op is
``K.local_conv1d``/``local_conv2d`` (``keras2_ops.local_conv``).  Only ``padding='valid'``,
as in Keras 2.3.
"""
import numpy as np

from kcore import activations, config, constraints, initializers, regularizers
from kcore.runtime import keras2_ops, ops as K
from kcore.errors import ShapeError, layer_prefix
from kcore.layers.base import Layer
from kcore.layers.input_spec import InputSpec
from kcore.serialization import weight_options
from kcore.utils.conv_utils import conv_output_length, normalize_padding, normalize_tuple


class _LocallyConnected(Layer):
    rank = None

    def __init__(self, filters, kernel_size, strides=1, padding='valid', data_format=None, activation=None,
                 use_bias=True, kernel_initializer='glorot_uniform', bias_initializer='zeros',
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, implementation=1, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if isinstance(filters, bool) or not isinstance(filters, (int, np.integer)) or filters <= 0:
            raise ValueError('%s: filters must be a positive integer. Received: filters=%r.'
                             % (layer_prefix(self), filters))
        self.filters = int(filters)
        self.kernel_size = normalize_tuple(kernel_size, self.rank, 'kernel_size')
        self.strides = normalize_tuple(strides, self.rank, 'strides')
        self.padding = normalize_padding(padding)
        if self.padding != 'valid':
            raise ValueError('%s: only padding="valid" is supported (as in Keras 2.3). Received: padding=%r. '
                             'Pad the input with a ZeroPadding layer first.' % (layer_prefix(self), padding))
        if implementation != 1:
            raise ValueError('%s: only implementation=1 is supported. Received: implementation=%r.'
                             % (layer_prefix(self), implementation))
        self.data_format = 'channels_last' if self.rank == 1 else config.normalize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    # -- geometry ------------------------------------------------------------------------
    def _split(self, input_shape):
        """(spatial sizes, channels) of an input shape."""
        if self.data_format == 'channels_first':
            return tuple(input_shape[2:]), input_shape[1]
        return tuple(input_shape[1:-1]), input_shape[-1]

    def _output_sizes(self, spatial):
        return tuple(conv_output_length(n, k, 'valid', s) for n, k, s in zip(spatial, self.kernel_size, self.strides))

    def build(self, input_shape):
        spatial, channels = self._split(input_shape)
        if channels is None or any(n is None for n in spatial):
            raise ShapeError('%s: the spatial sizes and channels of the input must be known, since every '
                             'position has its own weights. Received: input_shape=%s.'
                             % (layer_prefix(self), tuple(input_shape)))
        out = self._output_sizes(spatial)
        if any(n <= 0 for n in out):
            raise ShapeError('%s: kernel_size %s does not fit in the input\'s spatial size %s. Expected a kernel '
                             'no larger than the input.' % (layer_prefix(self), self.kernel_size, spatial))
        positions = int(np.prod(out))
        window = int(np.prod(self.kernel_size)) * channels
        self.kernel = self.add_weight('kernel', (positions, window, self.filters), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight('bias', tuple(out) + (self.filters,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        axes = {1: channels} if self.data_format == 'channels_first' else {-1: channels}
        self.input_spec = InputSpec(ndim=self.rank + 2, axes=axes)
        self.built = True

    def call(self, inputs):
        spatial, _ = self._split(tuple(inputs.shape))
        out = self._output_sizes(spatial)
        outputs = keras2_ops.local_conv(inputs, self.kernel, self.kernel_size, self.strides, out, self.data_format)
        if self.bias is not None:
            if self.data_format == 'channels_first':  # Keras reshapes (not transposes) the bias here
                outputs = outputs + K.reshape(self.bias, (self.filters,) + out)
            else:
                outputs = outputs + self.bias
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        spatial, _ = self._split(input_shape)
        out = self._output_sizes(spatial)
        if self.data_format == 'channels_first':
            return (input_shape[0], self.filters) + out
        return (input_shape[0],) + out + (self.filters,)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({
            'filters': self.filters,
            'kernel_size': self.kernel_size,
            'strides': self.strides,
            'padding': self.padding,
            'data_format': self.data_format,
            'activation': activations.serialize(self.activation),
            'use_bias': self.use_bias,
            **weight_options(self, 'kernel', 'bias'),
            'implementation': 1,
        })
        return cfg


class LocallyConnected1D(_LocallyConnected):
    """Unshared 1-D convolution over ``(batch, steps, channels)``."""
    rank = 1


class LocallyConnected2D(_LocallyConnected):
    """Unshared 2-D convolution over 4-D inputs (``data_format`` as Conv2D)."""
    rank = 2
