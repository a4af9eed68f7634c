"""Keras 2's legacy abstract recurrent layers: ``Recurrent`` and ``ConvRecurrent2D``.

Before Keras 2.1's cells, a recurrent layer subclassed ``Recurrent`` and wrote
``step(inputs, states) -> (output, new_states)``, with ``self.states`` (one entry
per state) and ``self.units`` set in ``build``; ``Recurrent.call`` runs the
step over the time axis with ``K.rnn``.  Scripts and third-party layers from
that time still subclass these, so kcore keeps them (the layers of kcore-rnn
are built on cells instead).
"""
from __future__ import annotations

from typing import Any

from kcore.errors import layer_prefix
from kcore.layers.base import Layer
from kcore.layers.input_spec import InputSpec
from kcore.runtime import control_flow, ops, state
from kcore.utils.conv_utils import conv_output_length, normalize_padding, normalize_tuple
from kcore import config


class Recurrent(Layer):
    """Abstract base of Keras 1/2.0 recurrent layers: subclass it and define ``build``
    (setting ``self.units`` and ``self.states = [None] * n``) and ``step``.

    Args:
        return_sequences: return the output of every step, not only the last.
        return_state: also return the last states.
        go_backwards: process the sequence from its end.
        stateful: keep the last states of each batch as the next batch's initial states
            (needs a fixed batch size, ``batch_input_shape``).
        unroll: accepted for Keras 2 scripts; eager loops are always unrolled.
        implementation: kept in the config, as Keras does.
    """

    def __init__(self, return_sequences: bool = False, return_state: bool = False, go_backwards: bool = False,
                 stateful: bool = False, unroll: bool = False, implementation: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.unroll = unroll
        self.implementation = implementation
        self.supports_masking = True
        self.input_spec = [InputSpec(ndim=3)]
        self.state_spec = None
        self.dropout = 0
        self.recurrent_dropout = 0

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, list):
            input_shape = input_shape[0]
        if self.return_sequences:
            output_shape = (input_shape[0], input_shape[1], self.units)
        else:
            output_shape = (input_shape[0], self.units)
        if self.return_state:
            return [output_shape] + [(input_shape[0], self.units) for _ in self.states]
        return output_shape

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, list):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None for _ in self.states]
        return output_mask

    def step(self, inputs, states):
        """One time step: ``(output, new_states)`` from ``inputs`` ``(samples, features)`` and
        the states (followed by ``get_constants``'s values).

        Raises:
            NotImplementedError: always, here; subclasses define it.
        """
        raise NotImplementedError('%s: a Recurrent subclass must define step(inputs, states) -> '
                                  '(output, new_states).' % layer_prefix(self))

    def get_constants(self, inputs, training=None):
        """Values passed to every step after the states (dropout masks in Keras 1); none here."""
        return []

    def get_initial_state(self, inputs):
        """Zeros ``(samples, units)``, one per entry of ``self.states``."""
        zeros = ops.sum(state.zeros_like(inputs), axis=(1, 2))
        zeros = ops.tile(ops.expand_dims(zeros, 1), [1, self.units])
        return [zeros for _ in range(len(self.states))]

    def preprocess_input(self, inputs, training=None):
        """A hook for input projections computed once for all steps; the inputs as they are here."""
        return inputs

    def __call__(self, inputs, initial_state=None, **kwargs):
        """Call on a sequence; initial states may come as ``initial_state`` or after the sequence in
        a list (``layer([x, h0])``), as in Keras 2."""
        if initial_state is not None:
            states = initial_state if isinstance(initial_state, (list, tuple)) else [initial_state]
            inputs = [inputs] + list(states)
        if isinstance(inputs, (list, tuple)) and len(inputs) > 1:
            main = self.input_spec[0] if isinstance(self.input_spec, list) else self.input_spec
            self.input_spec = [main] + [InputSpec(ndim=len(s.shape)) for s in inputs[1:]]
        return super().__call__(inputs, **kwargs)

    def call(self, inputs, mask=None, training=None, initial_state=None):
        """Run ``step`` over the time axis (``K.rnn``) from the initial states: given ones, the kept
        ones of a stateful layer, or zeros; returns the last output or all (``return_sequences``),
        followed by the last states with ``return_state``."""
        if isinstance(inputs, list):
            initial_state = inputs[1:]
            inputs = inputs[0]
        elif initial_state is None:
            initial_state = list(self.states) if self.stateful else self.get_initial_state(inputs)
        if isinstance(mask, list):
            mask = mask[0]
        initial_state = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
        if len(initial_state) != len(self.states):
            raise ValueError('%s: expected %d initial states (one per entry of self.states). Received: %d.'
                             % (layer_prefix(self), len(self.states), len(initial_state)))
        constants = self.get_constants(inputs, training=None)
        preprocessed = self.preprocess_input(inputs, training=None)
        last_output, outputs, states = control_flow.rnn(
            self.step, preprocessed, initial_state, go_backwards=self.go_backwards, mask=mask,
            constants=constants, unroll=self.unroll, input_length=ops.int_shape(inputs)[1])
        if self.stateful:
            for variable, value in zip(self.states, states):
                state.set_value(variable, ops.as_array(value))
        output = outputs if self.return_sequences else last_output
        if self.return_state:
            return [output] + list(states if isinstance(states, (list, tuple)) else [states])
        return output

    def reset_states(self, states=None):
        """Zero the states of a stateful layer, or set them to ``states``.

        Raises:
            AttributeError: for a layer that is not stateful.
            ValueError: without a known batch size, or for states of the wrong number or shape.
        """
        if not self.stateful:
            raise AttributeError('%s: reset_states() is for stateful layers; this one is not (stateful=False).'
                                 % layer_prefix(self))
        if not self.input_spec or self.input_spec[0].shape is None or self.input_spec[0].shape[0] is None:
            batch_size = (getattr(self, '_batch_input_shape', None) or (None,))[0]
        else:
            batch_size = self.input_spec[0].shape[0]
        if not batch_size:
            raise ValueError('%s: a stateful RNN needs to know its batch size. Specify the batch size of '
                             'your input tensors: pass `batch_input_shape=(batch, steps, features)` to the '
                             'first layer (or `batch_size` to Input).' % layer_prefix(self))
        shape = (batch_size, self.units)
        if self.states[0] is None:
            self.states = [state.variable(state.zeros(shape)) for _ in self.states]
        if states is None:
            for variable in self.states:
                state.set_value(variable, state.zeros(shape))
            return
        states = states if isinstance(states, (list, tuple)) else [states]
        if len(states) != len(self.states):
            raise ValueError('%s: expects %d states. Received: %d.' % (layer_prefix(self), len(self.states),
                                                                        len(states)))
        for index, (variable, value) in enumerate(zip(self.states, states)):
            if tuple(ops.int_shape(value)) != shape:
                raise ValueError('%s: state %d must have shape %s. Received: %s.'
                                 % (layer_prefix(self), index, shape, tuple(ops.int_shape(value))))
            state.set_value(variable, value)

    def get_config(self):
        config_ = super().get_config()
        config_.update({'return_sequences': self.return_sequences, 'return_state': self.return_state,
                        'go_backwards': self.go_backwards, 'stateful': self.stateful, 'unroll': self.unroll,
                        'implementation': self.implementation})
        return config_


class ConvRecurrent2D(Recurrent):
    """Abstract base of Keras 2.0's convolutional recurrent layers over 5-D inputs
    ``(samples, time, rows, cols, channels)`` (channels_last) or ``(samples, time, channels, rows,
    cols)``; subclasses define ``build`` and ``step`` as for ``Recurrent``.

    Args:
        filters: output channels.
        kernel_size: an int or 2 ints.
        strides: an int or 2 ints.
        padding: 'valid' or 'same'.
        data_format: 'channels_last' or 'channels_first' (default: the configured one).
        dilation_rate: an int or 2 ints.
        return_sequences: as for ``Recurrent``.
        go_backwards: as for ``Recurrent``.
        stateful: as for ``Recurrent``.
    """

    def __init__(self, filters: int, kernel_size: Any, strides: Any = (1, 1), padding: str = 'valid',
                 data_format: str | None = None, dilation_rate: Any = (1, 1), return_sequences: bool = False,
                 go_backwards: bool = False, stateful: bool = False, **kwargs):
        super().__init__(return_sequences=return_sequences, go_backwards=go_backwards, stateful=stateful,
                         **kwargs)
        self.filters = filters
        self.kernel_size = normalize_tuple(kernel_size, 2, 'kernel_size')
        self.strides = normalize_tuple(strides, 2, 'strides')
        self.padding = normalize_padding(padding)
        self.data_format = config.normalize_data_format(data_format)
        self.dilation_rate = normalize_tuple(dilation_rate, 2, 'dilation_rate')
        self.input_spec = [InputSpec(ndim=5)]
        self.state_spec = None

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, list):
            input_shape = input_shape[0]
        if self.data_format == 'channels_first':
            rows, cols = input_shape[3], input_shape[4]
        else:
            rows, cols = input_shape[2], input_shape[3]
        rows = conv_output_length(rows, self.kernel_size[0], self.padding, self.strides[0], self.dilation_rate[0])
        cols = conv_output_length(cols, self.kernel_size[1], self.padding, self.strides[1], self.dilation_rate[1])
        if self.data_format == 'channels_first':
            step_shape = (input_shape[0], self.filters, rows, cols)
        else:
            step_shape = (input_shape[0], rows, cols, self.filters)
        output_shape = step_shape[:1] + (input_shape[1],) + step_shape[1:] if self.return_sequences else step_shape
        if self.return_state:
            return [output_shape] + [step_shape, step_shape]
        return output_shape

    def get_config(self):
        config_ = super().get_config()
        config_.update({'filters': self.filters, 'kernel_size': self.kernel_size, 'strides': self.strides,
                        'padding': self.padding, 'data_format': self.data_format,
                        'dilation_rate': self.dilation_rate})
        config_.pop('implementation')
        config_.pop('unroll')
        config_.pop('return_state')
        return config_


__all__ = ['Recurrent', 'ConvRecurrent2D']
