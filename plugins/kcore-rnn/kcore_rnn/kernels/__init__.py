"""The recurrent kernels, registered by op name so a device backend can replace them.

Each is ``fn(*arrays, **params) -> (outputs, vjp)`` (see ``kcore.autodiff``):
the sequence kernels run a whole layer over time, forward and backward (BPTT),
with no Python work per element.
"""
from kcore_rnn.kernels.cells import gru_cell_step, lstm_cell_step
from kcore_rnn.kernels.gru import gru_sequence
from kcore_rnn.kernels.lstm import lstm_sequence
from kcore_rnn.kernels.simple_rnn import simple_rnn_sequence
from kcore_rnn.kernels.unstack import rnn_unstack

KERNELS = {
    'lstm_sequence': lstm_sequence,
    'gru_sequence': gru_sequence,
    'simple_rnn_sequence': simple_rnn_sequence,
    'rnn_unstack': rnn_unstack,
    'lstm_cell_step': lstm_cell_step,
    'gru_cell_step': gru_cell_step,
}

#: inputs for ``kcore.testing.check_override`` (batch 2, 3 steps, 2 features, 2 units)
EXAMPLES = {
    'lstm_sequence': {'inputs': [(2, 3, 2), (2, 8), (2, 8), (8,), (2, 2), (2, 2)],
                      'params': {'return_sequences': True}},
    'gru_sequence': {'inputs': [(2, 3, 2), (2, 6), (2, 6), (2, 6), (2, 2)], 'params': {'reset_after': True}},
}
