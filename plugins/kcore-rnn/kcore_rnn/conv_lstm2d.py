"""ConvLSTM2D: an LSTM whose gate products are 2D convolutions (Shi et al. 2015).

Needs ``K.conv2d`` from kcore-conv; without it the layer cannot be created and
says which package to install.  Keras's layout: ``kernel`` ``(kh, kw, channels,
4 * filters)`` and ``recurrent_kernel`` ``(kh, kw, filters, 4 * filters)``,
gates i, f, c, o along the last axis.  The input convolution uses the layer's
strides, padding and dilation; the recurrent one is ``'same'`` with stride 1.

The input convolution of every step runs as one ``conv2d`` over
``batch * timesteps`` images; the recurrent convolutions run step by step under
autodiff (the generic loop).
"""
import math

from kcore import activations, constraints, config, initializers, regularizers
from kcore.autodiff.tensor import Tensor
from kcore.backend import ops as K
from kcore.backend.device import ACTIVE
from kcore.errors import ShapeError, UnknownNameError, layer_prefix
from kcore.layers.base import Layer
from kcore.saving.serialization import weight_options
from kcore_rnn import step_loop
from kcore_rnn.cell_base import DropoutCell, check_rate
from kcore_rnn.cell_layer import CellLayer
from kcore_rnn.lstm import UnitForgetBias
from kcore_rnn.rnn import RNN, _sequence_shape


def conv2d_op(owner):
    """``K.conv2d``, or an error naming ``owner`` and the package that provides it."""
    from kcore.plugins import registry
    try:
        return registry('ops').get('conv2d')
    except UnknownNameError:
        raise UnknownNameError('%s needs the conv2d op, which the plugin kcore-conv provides and which is not '
                               'installed. Install it with: pip install kcore-conv' % owner) from None


def _pair(value, name, owner):
    pair = (value, value) if isinstance(value, int) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, int) and v >= 1 for v in pair):
        raise ValueError('%s: %s must be a positive integer or a pair of them. Received: %s=%r.'
                         % (owner, name, name, value))
    return pair


def _output_length(length, kernel, padding, stride, dilation):
    if length is None:
        return None
    if padding == 'valid':
        length -= (kernel - 1) * dilation
    return max(0, math.ceil(length / stride))


class ConvLSTM2DCell(DropoutCell, Layer):
    """One ConvLSTM step on ``(batch, rows, cols, channels)`` images (or channels first)."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding='valid', data_format=None,
                 dilation_rate=(1, 1), activation='tanh', recurrent_activation='sigmoid', use_bias=True,
                 kernel_initializer='glorot_uniform', recurrent_initializer='orthogonal',
                 bias_initializer='zeros', unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 seed=None, **kwargs):
        super().__init__(**kwargs)
        owner = layer_prefix(self)
        self._conv2d = conv2d_op(owner)
        if isinstance(filters, bool) or not isinstance(filters, int) or filters <= 0:
            raise ValueError('%s: filters must be a positive integer. Received: filters=%r.' % (owner, filters))
        self.filters = filters
        self.kernel_size = _pair(kernel_size, 'kernel_size', owner)
        self.strides = _pair(strides, 'strides', owner)
        self.dilation_rate = _pair(dilation_rate, 'dilation_rate', owner)
        padding = padding.lower() if isinstance(padding, str) else padding
        if padding not in ('valid', 'same'):
            raise ValueError("%s: padding must be 'valid' or 'same'. Received: padding=%r." % (owner, padding))
        self.padding = padding
        self.data_format = config.normalize_data_format(data_format)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = check_rate(self, 'dropout', dropout)
        self.recurrent_dropout = check_rate(self, 'recurrent_dropout', recurrent_dropout)
        self.seed = seed
        self.state_size = [filters, filters]
        self._spatial = None

    @property
    def _channel_axis(self):
        return -1 if self.data_format == 'channels_last' else 1

    def output_spatial(self, rows, cols):
        """The state's rows and cols for input images of ``rows`` x ``cols``."""
        return tuple(_output_length(n, k, self.padding, s, d)
                     for n, k, s, d in zip((rows, cols), self.kernel_size, self.strides, self.dilation_rate))

    def _image_shape(self, batch, spatial):
        if self.data_format == 'channels_last':
            return (batch,) + tuple(spatial) + (self.filters,)
        return (batch, self.filters) + tuple(spatial)

    def build(self, input_shape):
        shape = tuple(input_shape)
        if len(shape) != 4:
            raise ShapeError('%s expects images of rank 4 per step: (batch, rows, cols, channels). Received: '
                             'input_shape=%s.' % (layer_prefix(self), shape))
        spatial = shape[1:3] if self.data_format == 'channels_last' else shape[2:4]
        channels = shape[self._channel_axis]
        if channels is None:
            raise ShapeError('%s: the channel axis of the input must be known. Received: input_shape=%s.'
                             % (layer_prefix(self), shape))
        self._spatial = self.output_spatial(*spatial)
        kh, kw = self.kernel_size
        self.kernel = self.add_weight('kernel', (kh, kw, channels, 4 * self.filters),
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            'recurrent_kernel', (kh, kw, self.filters, 4 * self.filters), initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer, constraint=self.recurrent_constraint)
        self.bias = None
        if self.use_bias:
            init = UnitForgetBias(self.bias_initializer, self.filters) if self.unit_forget_bias \
                else self.bias_initializer
            self.bias = self.add_weight('bias', (4 * self.filters,), initializer=init,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.built = True

    def state_shapes(self, batch):
        """The shapes of the two states (``h`` and ``c``), both images of ``filters`` channels.

        Args:
            batch: The batch size.

        Returns:
            A list of two shape tuples.
        """
        return [self._image_shape(batch, self._spatial)] * 2

    def get_initial_state(self, batch_size=None):
        """Zero states for a batch.

        Args:
            batch_size: The batch size.

        Returns:
            ``[h, c]``, two zero tensors.
        """
        return [Tensor(ACTIVE.xp.zeros(s, dtype=self.dtype)) for s in self.state_shapes(batch_size)]

    # -- the step ----------------------------------------------------------------------
    def input_conv(self, inputs):
        """The input's contribution to all four gates (bias included)."""
        z = self._conv2d(inputs, self.kernel, strides=self.strides, padding=self.padding,
                         data_format=self.data_format, dilation_rate=self.dilation_rate)
        if self.bias is not None:
            z = K.bias_add(z, self.bias, data_format=self.data_format)
        return z

    def recurrent_step(self, z_input, states, state_mask):
        """Gates from the input's contribution ``z_input`` and the states."""
        h, c = states
        if state_mask is not None:
            h = h * Tensor(state_mask)
        z = z_input + self._conv2d(h, self.recurrent_kernel, strides=(1, 1), padding='same',
                                   data_format=self.data_format)
        f = self.filters
        index = [slice(None)] * z.ndim
        parts = []
        for k in range(4):
            index[self._channel_axis] = slice(k * f, (k + 1) * f)
            parts.append(z[tuple(index)])
        ract = self.recurrent_activation
        i, fg, o = ract(parts[0]), ract(parts[1]), ract(parts[3])
        c = fg * c + i * self.activation(parts[2])
        h = o * self.activation(c)
        return h, [h, c]

    def call(self, inputs, states=None, training=None):
        if states is None:
            states = self.get_initial_state(inputs.shape[0])
        input_mask, state_mask = self._dropout_masks(inputs, states[0], training)
        if input_mask is not None:
            inputs = inputs * Tensor(input_mask)
        return self.recurrent_step(self.input_conv(inputs), list(states), state_mask)

    def run_sequence(self, inputs, states, mask, training, go_backwards=False, return_sequences=False,
                     zero_output_for_mask=False):
        """The input convolutions of all steps at once, then the recurrent steps."""
        if type(self).call is not ConvLSTM2DCell.call:
            return None
        batch, steps = inputs.shape[0], inputs.shape[1]
        input_mask, state_mask = self._dropout_masks(inputs.data[:, 0], states[0], training)
        if input_mask is not None:
            inputs = inputs * Tensor(input_mask[:, None])
        folded = K.reshape(inputs, (batch * steps,) + tuple(inputs.shape[2:]))
        z = self.input_conv(folded)
        z = K.reshape(z, (batch, steps) + tuple(z.shape[1:]))
        return step_loop.run(lambda z_t, s: self.recurrent_step(z_t, s, state_mask), z, states, mask,
                             go_backwards=go_backwards, return_sequences=return_sequences,
                             zero_output_for_mask=zero_output_for_mask)

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        spatial = shape[1:3] if self.data_format == 'channels_last' else shape[2:4]
        out = self._image_shape(shape[0], self.output_spatial(*spatial))
        return [out, [out, out]]

    def get_config(self):
        cfg = super().get_config()
        cfg.update({
            'filters': self.filters, 'kernel_size': self.kernel_size, 'strides': self.strides,
            'padding': self.padding, 'data_format': self.data_format, 'dilation_rate': self.dilation_rate,
            'activation': activations.serialize(self.activation),
            'recurrent_activation': activations.serialize(self.recurrent_activation),
            'use_bias': self.use_bias, 'unit_forget_bias': self.unit_forget_bias,
            **weight_options(self, 'kernel', 'recurrent', 'bias'),
            'dropout': self.dropout, 'recurrent_dropout': self.recurrent_dropout, 'seed': self.seed,
        })
        return cfg


class _ConvSequence:
    """Shapes of a recurrent layer over ``(batch, timesteps, rows, cols, channels)``."""

    def build(self, input_shape):
        shape = _sequence_shape(input_shape)
        if len(shape) != 5:
            raise ShapeError('%s expects inputs of rank 5: (batch, timesteps, rows, cols, channels). '
                             'Received: input_shape=%s.' % (layer_prefix(self), shape))
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        shape = _sequence_shape(input_shape)
        out = self.cell.compute_output_shape((shape[0],) + shape[2:])[0]
        seq = (out[0], shape[1]) + tuple(out[1:]) if self.return_sequences else out
        if self.return_state:
            return [seq, out, out]
        return seq


class ConvRNN2D(_ConvSequence, RNN):
    """Keras 2's recurrent layer over images: ``ConvRNN2D(ConvLSTM2DCell(...))`` is
    ``ConvLSTM2D(...)`` (the cell given instead of its arguments)."""

    def __init__(self, cell, **kwargs):
        if not isinstance(cell, ConvLSTM2DCell) and not isinstance(cell, dict):
            raise ValueError('ConvRNN2D: cell must be a convolutional recurrent cell such as ConvLSTM2DCell. '
                             'Received: %r.' % (cell,))
        super().__init__(cell, **kwargs)


class ConvLSTM2D(_ConvSequence, CellLayer):
    """2D convolutional LSTM on ``(batch, timesteps, rows, cols, channels)`` (Keras's arguments)."""

    cell_class = ConvLSTM2DCell
