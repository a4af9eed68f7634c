"""What kcore-rnn registers: each layer with the examples the generic layer
conformance test runs (``kwargs`` or a ``factory``, and a batch-first
``input_shape``).  Wrappers and ``RNN`` are built by factories, since their
argument is a layer."""
import importlib.util

from kcore_rnn.bidirectional import Bidirectional
from kcore_rnn.conv_lstm2d import ConvLSTM2D, ConvLSTM2DCell, ConvRNN2D
from kcore_rnn.cudnn import CuDNNGRU, CuDNNLSTM
from kcore_rnn.gru import GRU, GRUCell
from kcore_rnn.lstm import LSTM, LSTMCell
from kcore_rnn.rnn import RNN
from kcore_rnn.simple_rnn import SimpleRNN, SimpleRNNCell
from kcore_rnn.stacked_cells import StackedRNNCells
from kcore_rnn.time_distributed import TimeDistributed
from kcore_rnn.wrapper import Wrapper


def _ex(input_shape, **kwargs):
    return {'kwargs': kwargs, 'input_shape': input_shape}


def _factory(input_shape, factory):
    return {'factory': factory, 'input_shape': input_shape}


def _dense(units):
    from kcore.layers.core import Dense
    return Dense(units)


def _needs_conv(examples):
    if importlib.util.find_spec('kcore_conv') is None:
        return {'skip': 'convolutional recurrent layers need kcore-conv (pip install kcore-conv)'}
    return examples


def _conv_lstm_examples():
    return _needs_conv([_ex((2, 3, 5, 5, 2), filters=2, kernel_size=3, padding='same'),
                        _ex((2, 2, 6, 5, 1), filters=3, kernel_size=(3, 2), strides=2, return_sequences=True)])


#: (class, aliases, examples)
LAYERS = [
    (SimpleRNN, (), [
        _ex((2, 4, 3), units=3),
        _ex((2, 3, 4), units=2, activation='relu', return_sequences=True, go_backwards=True)]),
    (LSTM, (), [
        _ex((2, 4, 3), units=3),
        _ex((2, 3, 4), units=2, return_sequences=True, return_state=True, recurrent_activation='hard_sigmoid')]),
    (GRU, (), [
        _ex((2, 4, 3), units=3),
        _ex((2, 3, 4), units=2, reset_after=False, return_sequences=True, go_backwards=True)]),
    (RNN, (), [
        _factory((2, 4, 3), lambda: RNN(SimpleRNNCell(3), return_sequences=True)),
        _factory((2, 3, 4), lambda: RNN([LSTMCell(3), GRUCell(2)], return_state=True))]),
    (SimpleRNNCell, (), [_ex((2, 3), units=3)]),
    (LSTMCell, (), [_ex((2, 3), units=2)]),
    (GRUCell, (), [_ex((2, 3), units=2), _ex((2, 4), units=3, reset_after=False)]),
    (StackedRNNCells, (), [_factory((2, 3), lambda: StackedRNNCells([LSTMCell(3), SimpleRNNCell(2)]))]),
    (Bidirectional, (), [
        _factory((2, 4, 3), lambda: Bidirectional(LSTM(3))),
        _factory((2, 3, 4), lambda: Bidirectional(GRU(2, return_sequences=True), merge_mode=None)),
        _factory((2, 3, 4), lambda: Bidirectional(SimpleRNN(2, return_sequences=True, return_state=True),
                                                  merge_mode='ave'))]),
    (TimeDistributed, (), [_factory((2, 4, 3), lambda: TimeDistributed(_dense(2)))]),
    (ConvLSTM2D, (), _conv_lstm_examples()),
    (ConvLSTM2DCell, (), _needs_conv([_ex((2, 4, 4, 2), filters=2, kernel_size=3, padding='same')])),
    (ConvRNN2D, (), _needs_conv([
        _factory((2, 3, 5, 5, 2), lambda: ConvRNN2D(ConvLSTM2DCell(2, 3), return_sequences=True))])),
    (Wrapper, (), [_factory((2, 3), lambda: Wrapper(_dense(2)))]),
    (CuDNNLSTM, (), [
        _ex((2, 4, 3), units=3),
        _ex((2, 3, 4), units=2, return_sequences=True, return_state=True, unit_forget_bias=False,
            bias_initializer='random_uniform')]),
    (CuDNNGRU, (), [
        _ex((2, 4, 3), units=3, bias_initializer='random_uniform'),
        _ex((2, 3, 4), units=2, return_sequences=True, go_backwards=True)]),
]
