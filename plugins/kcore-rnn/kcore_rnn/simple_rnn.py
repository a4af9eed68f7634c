"""SimpleRNN: ``h = activation(x_t @ kernel + h @ recurrent_kernel + bias)``."""
from kcore.autodiff.tensor import apply
from kcore_rnn.cell_base import RecurrentCell
from kcore_rnn.cell_layer import CellLayer


class SimpleRNNCell(RecurrentCell):
    """One step of a fully-connected RNN (Keras's SimpleRNNCell; the output is the state)."""

    gates = 1
    gated = False
    kernel_op = 'simple_rnn_sequence'

    def __init__(self, units, activation='tanh', use_bias=True, kernel_initializer='glorot_uniform',
                 recurrent_initializer='orthogonal', bias_initializer='zeros', kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 seed=None, **kwargs):
        super().__init__(units, activation=activation, recurrent_activation=None, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                         kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                         bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout,
                         seed=seed, **kwargs)

    def step(self, inputs, states, state_mask):
        h = states[0]
        if state_mask is not None:
            h = h * state_mask
        out = self.activation(self._affine(inputs, self.kernel, self.bias) + apply('matmul', h, self.recurrent_kernel))
        return out, [out]

    _fusable_step = step

    def _kernel_params(self):
        names = self._activation_names()
        return None if names is None else {'activation': names[0]}


class SimpleRNN(CellLayer):
    """Fully-connected RNN whose output is fed back as its input (Keras's arguments)."""

    cell_class = SimpleRNNCell
