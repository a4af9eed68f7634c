"""CuDNNLSTM and CuDNNGRU: Keras 2's cuDNN layers, with their weight layout, on kcore's
fused LSTM/GRU sequence kernels.

cuDNN keeps two biases per gate (one added to the input product, one to the
recurrent product), so Keras stores ``bias`` as ``(8 * units,)`` for the LSTM
and ``(6 * units,)`` for the GRU: the input biases first, then the recurrent
ones, gates in Keras's order (i, f, c, o and z, r, h).  The LSTM's two biases
only ever appear summed; the GRU is the reset-after GRU, whose ``(2, 3 *
units)`` bias is the same numbers.  Activations are fixed (tanh, sigmoid) and
there is no dropout, as in cuDNN.

Deliberate difference: Keras ran these only on a CUDA GPU; kcore runs them on
any backend (the CUDA backend's fused kernels where it has them), so a model
trained with CuDNNLSTM loads and predicts on a CPU.
"""
import numpy as np

from kcore import config, initializers
from kcore.autodiff.tensor import Tensor
from kcore.backend import ops as K
from kcore.backend.device import ACTIVE
from kcore.initializers import Initializer
from kcore_rnn.cell_layer import CellLayer
from kcore_rnn.gru import GRUCell
from kcore_rnn.lstm import LSTMCell

# cell arguments that cuDNN fixes; they stay out of the layers' configs
_FIXED = ('activation', 'recurrent_activation', 'use_bias', 'dropout', 'recurrent_dropout', 'seed', 'reset_after')


class CuDNNForgetBias(Initializer):
    """Keras's ``unit_forget_bias`` for the cuDNN layout: the base initializer everywhere but
    the recurrent forget-gate bias (``[5 * units, 6 * units)``), which starts at 1."""

    def __init__(self, base, units):
        self.base = base
        self.units = units

    def __call__(self, shape, dtype=None):
        xp = ACTIVE.xp
        dtype = np.dtype(dtype or config.floatx())

        def part(n):
            value = self.base((n,), dtype=dtype)
            return value.data if isinstance(value, Tensor) else xp.asarray(value, dtype=dtype)
        u = self.units
        return xp.concatenate([part(5 * u), xp.ones((u,), dtype=dtype), part(2 * u)])


class CuDNNLSTMCell(LSTMCell):
    """An LSTM step with cuDNN's two biases (``bias`` ``(8 * units,)``, summed before use)."""

    def __init__(self, units, kernel_initializer='glorot_uniform', recurrent_initializer='orthogonal',
                 bias_initializer='zeros', unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(units, kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
                         kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                         recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint, **kwargs)

    def _bias_shape(self):
        return (8 * self.units,)

    def _bias_initializer(self):
        if self.unit_forget_bias:
            return CuDNNForgetBias(initializers.get(self.bias_initializer), self.units)
        return self.bias_initializer

    def _gate_bias(self):
        half = 4 * self.units
        return self.bias[:half] + self.bias[half:]

    def get_config(self):
        return {k: v for k, v in super().get_config().items() if k not in _FIXED}


class CuDNNGRUCell(GRUCell):
    """A reset-after GRU step with cuDNN's flat ``bias`` ``(6 * units,)``."""

    def __init__(self, units, kernel_initializer='glorot_uniform', recurrent_initializer='orthogonal',
                 bias_initializer='zeros', kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(units, kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                         kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                         bias_constraint=bias_constraint, reset_after=True, **kwargs)

    def _bias_shape(self):
        return (6 * self.units,)

    def _gate_bias(self):
        return K.reshape(self.bias, (2, 3 * self.units))

    def get_config(self):
        return {k: v for k, v in super().get_config().items() if k not in _FIXED}


class CuDNNLSTM(CellLayer):
    """Keras 2's ``CuDNNLSTM(units, ...)``: an LSTM (tanh, sigmoid, no dropout) whose
    ``bias`` is ``(8 * units,)``: input then recurrent biases, gates i, f, c, o."""

    cell_class = CuDNNLSTMCell


class CuDNNGRU(CellLayer):
    """Keras 2's ``CuDNNGRU(units, ...)``: a reset-after GRU (tanh, sigmoid, no dropout)
    whose ``bias`` is ``(6 * units,)``: input then recurrent biases, gates z, r, h."""

    cell_class = CuDNNGRUCell
