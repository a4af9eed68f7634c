"""GRU (Cho et al. 2014) with Keras's weight layout: gates z, r, h side by side.

``reset_after=True`` (Keras 3's and tf.keras's default, cuDNN-compatible)
applies the reset gate after the recurrent product and keeps a second bias
row for it (``bias`` ``(2, 3 * units)``); ``reset_after=False`` is the
original formulation, Keras 2.0-2.2's default (``bias`` ``(3 * units,)``).
"""
from kcore.autodiff.tensor import apply
from kcore_rnn.cell_base import RecurrentCell
from kcore_rnn.cell_layer import CellLayer


class GRUCell(RecurrentCell):
    """One GRU step; the output is the state.

    With recurrent dropout the dropped state feeds the recurrent products and
    the undropped state the final blend ``h = z * h + (1 - z) * hh`` (one mask
    for all gates, as Keras 3's single-mask implementation).
    """

    gates = 3
    kernel_op = 'gru_sequence'

    def __init__(self, units, activation='tanh', recurrent_activation='sigmoid', use_bias=True,
                 kernel_initializer='glorot_uniform', recurrent_initializer='orthogonal',
                 bias_initializer='zeros', kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, reset_after=True, seed=None,
                 **kwargs):
        super().__init__(units, activation=activation, recurrent_activation=recurrent_activation,
                         use_bias=use_bias, kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                         recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
                         dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed, **kwargs)
        self.reset_after = bool(reset_after)

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def step(self, inputs, states, state_mask):
        h = states[0]
        hp = h if state_mask is None else h * state_mask
        u = self.units
        b_in = b_rec = None
        bias = self._gate_bias()
        if bias is not None:
            b_in, b_rec = (bias[0], bias[1]) if self.reset_after else (bias, None)
        x = self._affine(inputs, self.kernel, b_in)
        ract = self.recurrent_activation
        if self.reset_after:
            inner = self._affine(hp, self.recurrent_kernel, b_rec)
            z = ract(x[:, :u] + inner[:, :u])
            r = ract(x[:, u:2 * u] + inner[:, u:2 * u])
            hh = self.activation(x[:, 2 * u:] + r * inner[:, 2 * u:])
        else:
            zr = apply('matmul', hp, self.recurrent_kernel[:, :2 * u])
            z = ract(x[:, :u] + zr[:, :u])
            r = ract(x[:, u:2 * u] + zr[:, u:])
            hh = self.activation(x[:, 2 * u:] + apply('matmul', r * hp, self.recurrent_kernel[:, 2 * u:]))
        h = z * h + (1 - z) * hh
        return h, [h]

    _fusable_step = step

    def _kernel_params(self):
        names = self._activation_names()
        if names is None:
            return None
        return {'activation': names[0], 'recurrent_activation': names[1], 'reset_after': self.reset_after}

    def get_config(self):
        cfg = super().get_config()
        cfg['reset_after'] = self.reset_after
        return cfg


class GRU(CellLayer):
    """Gated Recurrent Unit layer (Keras's arguments; ``reset_after=True`` by default).

    Weights: ``kernel`` ``(input_dim, 3 * units)``, ``recurrent_kernel``
    ``(units, 3 * units)`` in z, r, h order, ``bias`` ``(2, 3 * units)``
    (``(3 * units,)`` with ``reset_after=False``).
    """

    cell_class = GRUCell
