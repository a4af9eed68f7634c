"""kcore-rnn: recurrent layers (SimpleRNN, LSTM, GRU, RNN cells, Bidirectional, TimeDistributed,
ConvLSTM2D) and the fused sequence kernels that run them.

Users reach the layers through kcore's registry (``kcore.layers.LSTM``); the
classes are also importable from here, loaded on first access so that
discovering the plugin stays cheap.
"""
import importlib

_WHERE = {
    'RNN': 'rnn', 'SimpleRNN': 'simple_rnn', 'SimpleRNNCell': 'simple_rnn', 'LSTM': 'lstm',
    'LSTMCell': 'lstm', 'GRU': 'gru', 'GRUCell': 'gru', 'StackedRNNCells': 'stacked_cells',
    'Bidirectional': 'bidirectional', 'TimeDistributed': 'time_distributed', 'ConvLSTM2D': 'conv_lstm2d',
}

__all__ = sorted(_WHERE)


def __getattr__(name):
    if name in _WHERE:
        return getattr(importlib.import_module('kcore_rnn.' + _WHERE[name]), name)
    raise AttributeError("module 'kcore_rnn' has no attribute %r" % name)
