"""LSTM (Hochreiter & Schmidhuber 1997) with Keras's weight layout: the kernels
hold the four gates side by side in i, f, c, o order."""
import numpy as np

from kcore import config, initializers
from kcore.autodiff.tensor import Tensor, apply
from kcore.backend.device import ACTIVE
from kcore.initializers import Initializer
from kcore_rnn.cell_base import RecurrentCell
from kcore_rnn.cell_layer import CellLayer


class UnitForgetBias(Initializer):
    """Keras's ``unit_forget_bias``: the base initializer, with the forget gate's bias at 1."""

    def __init__(self, base, units):
        self.base = base
        self.units = units

    def __call__(self, shape, dtype=None):
        xp = ACTIVE.xp
        u = self.units

        dtype = np.dtype(dtype or config.floatx())

        def part(n):
            value = self.base((n,), dtype=dtype)
            return value.data if isinstance(value, Tensor) else xp.asarray(value, dtype=dtype)
        return xp.concatenate([part(u), xp.ones((u,), dtype=dtype), part(2 * u)])


class LSTMCell(RecurrentCell):
    """One LSTM step; states ``[h, c]``.

    ``unit_forget_bias`` (default True) starts the forget gate's bias at 1, as Keras does.
    """

    gates = 4
    kernel_op = 'lstm_sequence'

    def __init__(self, units, activation='tanh', recurrent_activation='sigmoid', use_bias=True,
                 kernel_initializer='glorot_uniform', recurrent_initializer='orthogonal',
                 bias_initializer='zeros', unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 seed=None, **kwargs):
        super().__init__(units, activation=activation, recurrent_activation=recurrent_activation,
                         use_bias=use_bias, kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                         recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
                         dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)

    @property
    def state_size(self):
        """``[units, units]``: the hidden state ``h`` and the carry ``c``."""
        return [self.units, self.units]

    def _bias_initializer(self):
        if self.unit_forget_bias:
            return UnitForgetBias(initializers.get(self.bias_initializer), self.units)
        return self.bias_initializer

    def step(self, inputs, states, state_mask):
        h, c = states
        if state_mask is not None:
            h = h * state_mask
        u = self.units
        z = self._affine(inputs, self.kernel, self._gate_bias()) + apply('matmul', h, self.recurrent_kernel)
        ract = self.recurrent_activation
        i, f, o = ract(z[:, :u]), ract(z[:, u:2 * u]), ract(z[:, 3 * u:])
        c = f * c + i * self.activation(z[:, 2 * u:3 * u])
        h = o * self.activation(c)
        return h, [h, c]

    _fusable_step = step

    def _kernel_params(self):
        names = self._activation_names()
        return None if names is None else {'activation': names[0], 'recurrent_activation': names[1]}

    def get_config(self):
        cfg = super().get_config()
        cfg['unit_forget_bias'] = self.unit_forget_bias
        return cfg


class LSTM(CellLayer):
    """Long Short-Term Memory layer (Keras's arguments and defaults).

    Weights: ``kernel`` ``(input_dim, 4 * units)``, ``recurrent_kernel``
    ``(units, 4 * units)``, ``bias`` ``(4 * units,)``, gates in i, f, c, o order,
    so weights copied from Keras give Keras's outputs.
    """

    cell_class = LSTMCell

