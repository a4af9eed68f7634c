"""What SimpleRNNCell, LSTMCell and GRUCell share: arguments, weights, dropout
masks, the fused sequence path and the config.

A cell computes one step (``call(inputs, states) -> (output, new_states)``)
with ``K`` ops, so any activation works and autodiff records the step; the
``RNN`` layer runs it per step for cells it cannot fuse.  For the built-in
cells the ``RNN`` layer instead calls ``run_sequence``, which runs the whole
sequence (forward and BPTT) as one registered kernel.

Dropout follows Keras: one mask for the inputs and one for the recurrent state,
drawn once per layer call and shared by all steps (inverted dropout, so
inference needs no rescaling).
"""
import numpy as np

from kcore import activations, constraints, initializers, regularizers
from kcore.autodiff.tensor import Tensor, apply
from kcore.backend import rng as _rng
from kcore.backend.device import ACTIVE
from kcore.errors import ShapeError, layer_prefix
from kcore.layers.base import Layer
from kcore.saving.serialization import weight_options
from kcore_rnn.kernels.activations import fusable_name


def flat_state_sizes(state_size):
    """``state_size`` (an int, or a possibly nested list of ints) as a flat list."""
    if isinstance(state_size, (list, tuple)):
        return [s for part in state_size for s in flat_state_sizes(part)]
    return [state_size]


def draw_dropout_mask(generator, shape, rate, dtype):
    """An inverted-dropout mask: 0 with probability ``rate``, else ``1 / (1 - rate)``."""
    keep = generator.random(tuple(shape), dtype=np.float32) >= rate
    return keep.astype(dtype) * (1.0 / (1.0 - rate))


def check_rate(layer, name, value):
    """``value`` as a float in [0, 1); raises ``ValueError`` naming the layer and argument otherwise."""
    value = float(value)
    if not 0.0 <= value < 1.0:
        raise ValueError('%s: %s must be in [0, 1). Received: %s=%r. It is the fraction of units '
                         'dropped; use 0 for none.' % (layer_prefix(layer), name, name, value))
    return value


def check_units(layer, units):
    """Raise ``ValueError`` unless ``units`` is a positive integer."""
    if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units <= 0:
        raise ValueError('%s: units must be a positive integer. Received: units=%r.'
                         % (layer_prefix(layer), units))
    return int(units)


class DropoutCell:
    """Keras's dropout for cells: one input mask and one recurrent mask per layer
    call, drawn on first use and kept until the RNN layer resets them.  Needs
    ``dropout``, ``recurrent_dropout``, ``seed`` and ``dtype`` on the cell."""

    _generator = None
    _dropout_mask = None
    _recurrent_dropout_mask = None

    def _rng(self):
        if self.seed is None:
            return _rng.global_generator()
        if self._generator is None:
            self._generator = _rng.generator(self.seed)
        return self._generator

    def get_dropout_mask(self, step_input):
        """The input dropout mask of this layer call, drawn on first use (None if no dropout)."""
        if self.dropout == 0:
            return None
        if self._dropout_mask is None:
            self._dropout_mask = draw_dropout_mask(self._rng(), step_input.shape, self.dropout, self.dtype)
        return self._dropout_mask

    def get_recurrent_dropout_mask(self, state):
        if self.recurrent_dropout == 0:
            return None
        if self._recurrent_dropout_mask is None:
            self._recurrent_dropout_mask = draw_dropout_mask(self._rng(), state.shape,
                                                             self.recurrent_dropout, self.dtype)
        return self._recurrent_dropout_mask

    def reset_dropout_mask(self):
        self._dropout_mask = None

    def reset_recurrent_dropout_mask(self):
        self._recurrent_dropout_mask = None

    def _dropout_masks(self, step_input, state, training):
        """(input mask, recurrent mask) for this call; both None at inference."""
        if not training:
            return None, None
        return self.get_dropout_mask(step_input), self.get_recurrent_dropout_mask(state)


class RecurrentCell(DropoutCell, Layer):
    """Base of the built-in cells.  Subclasses set ``gates`` (blocks of ``units``
    columns in the kernels), ``kernel_op`` (the registered sequence kernel), and
    implement ``step`` and ``_kernel_params``."""

    gates = 1
    kernel_op = None
    #: whether the cell has a ``recurrent_activation`` argument
    gated = True

    def __init__(self, units, activation='tanh', recurrent_activation='sigmoid', use_bias=True,
                 kernel_initializer='glorot_uniform', recurrent_initializer='orthogonal',
                 bias_initializer='zeros', kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.units = check_units(self, units)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation) if self.gated else None
        self.use_bias = bool(use_bias)
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
        self.output_size = self.units

    @property
    def state_size(self):
        return self.units

    # -- weights ------------------------------------------------------------------------
    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ShapeError('%s: the last axis of the input (its features) must be known to create the '
                             'kernel. Received: input_shape=%s. Give Input(shape=(steps, features)).'
                             % (layer_prefix(self), tuple(input_shape)))
        width = self.gates * self.units
        self.kernel = self.add_weight('kernel', (input_dim, width), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            'recurrent_kernel', (self.units, width), initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer, constraint=self.recurrent_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight('bias', self._bias_shape(), initializer=self._bias_initializer(),
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.built = True

    def _bias_shape(self):
        return (self.gates * self.units,)

    def _bias_initializer(self):
        return self.bias_initializer

    def _gate_bias(self):
        """The bias the equations use (the stored one; CuDNN layouts fold theirs here)."""
        return self.bias

    # -- states ---------------------------------------------------------------------------
    def get_initial_state(self, batch_size=None, dtype=None):
        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) else [self.state_size]
        dtype = dtype or self.dtype
        return [Tensor(ACTIVE.xp.zeros((batch_size, s), dtype=dtype)) for s in sizes]

    # -- one step (generic path) -------------------------------------------------------------
    def call(self, inputs, states=None, training=None):
        """One step: ``(output, new_states)``.  ``states`` default to zeros, so a
        cell can also be called on a single step as a layer."""
        if states is None:
            states = self.get_initial_state(inputs.shape[0])
        single = not isinstance(states, (list, tuple))
        states = [states] if single else list(states)
        input_mask, state_mask = self._dropout_masks(inputs, states[0], training)
        if input_mask is not None:
            inputs = inputs * Tensor(input_mask)
        output, new_states = self.step(inputs, states, None if state_mask is None else Tensor(state_mask))
        return output, (new_states[0] if single else new_states)

    def step(self, inputs, states, state_mask):
        """The cell's equations on one step, after input dropout (``state_mask``:
        the recurrent dropout mask or None)."""
        raise NotImplementedError

    #: the ``step`` that ``kernel_op`` implements; a subclass overriding ``step`` is not fused
    _fusable_step = None

    @staticmethod
    def _affine(x, w, b):
        """``x @ w (+ b)`` for all gates at once, one node."""
        return apply('matmul', x, w) if b is None else apply('dense', x, w, b)

    def compute_output_shape(self, input_shape):
        """``[output, [states]]``: the structure a call with default states returns."""
        batch = input_shape[0]
        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) else [self.state_size]
        return [(batch, self.units), [(batch, s) for s in sizes]]

    # -- the whole sequence (fused path) ------------------------------------------------------
    def _kernel_params(self):
        """The sequence kernel's keyword arguments, or None when this cell cannot be fused."""
        raise NotImplementedError

    def _activation_names(self):
        """Fusable names of (activation, recurrent_activation), or None."""
        act = fusable_name(self.activation)
        if act is None:
            return None
        if not self.gated:
            return act, None
        ract = fusable_name(self.recurrent_activation)
        return None if ract is None else (act, ract)

    def run_sequence(self, inputs, states, mask, training, go_backwards=False, return_sequences=False,
                     zero_output_for_mask=False):
        """Run the whole sequence through the registered kernel ``kernel_op``.

        Returns ``(output, new_states)``, or None when the cell cannot be fused (an
        activation the kernels do not know, or a subclass that overrides ``step``);
        the RNN layer then runs ``call`` step by step.
        """
        if type(self).step is not type(self)._fusable_step or type(self).call is not RecurrentCell.call:
            return None
        params = self._kernel_params()
        if params is None:
            return None
        input_mask, state_mask = self._dropout_masks(inputs.data[:, 0], states[0], training)
        outs = apply(self.kernel_op, inputs, self.kernel, self.recurrent_kernel, self._gate_bias(), *states,
                     mask, input_mask, state_mask, go_backwards=go_backwards,
                     return_sequences=return_sequences, zero_output_for_mask=zero_output_for_mask,
                     **params)
        return outs[0], list(outs[1:])

    # -- config ---------------------------------------------------------------------------------
    def get_config(self):
        cfg = super().get_config()
        cfg.update({
            'units': self.units,
            'activation': activations.serialize(self.activation),
        })
        if self.gated:
            cfg['recurrent_activation'] = activations.serialize(self.recurrent_activation)
        cfg.update({
            'use_bias': self.use_bias,
            **weight_options(self, 'kernel', 'recurrent', 'bias'),
            'dropout': self.dropout,
            'recurrent_dropout': self.recurrent_dropout,
            'seed': self.seed,
        })
        return cfg


__all__ = ['RecurrentCell', 'DropoutCell', 'draw_dropout_mask', 'check_units', 'check_rate']
