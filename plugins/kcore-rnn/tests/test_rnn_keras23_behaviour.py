"""Keras 2.3 behaviour of the recurrent layers: ``get_initial_state``, StackedRNNCells'
``reverse_state_order``, ``_uses_learning_phase`` of a layer with dropout, and the
conditional losses of cells."""
import numpy as np

import kcore
from kcore import backend as K
from kcore.layers import Input
from kcore.models import Model, Sequential
from kcore_rnn.conv_lstm2d import ConvLSTM2D
from kcore_rnn.lstm import LSTM, LSTMCell
from kcore_rnn.rnn import RNN
from kcore_rnn.simple_rnn import SimpleRNNCell
from kcore_rnn.stacked_cells import StackedRNNCells


def test_get_initial_state_real_and_symbolic():
    layer = LSTM(4)
    states = layer.get_initial_state(K.ones((3, 5, 2)))
    assert [tuple(s.shape) for s in states] == [(3, 4), (3, 4)]
    assert all(not K.get_value(s).any() for s in states)
    x = Input((5, 2))
    init = layer.get_initial_state(x)
    assert [K.int_shape(s) for s in init] == [(None, 4), (None, 4)]
    y = layer(x, initial_state=init)
    model = Model(x, y)
    data = np.random.RandomState(0).rand(2, 5, 2).astype('float32')
    np.testing.assert_allclose(model.predict(data), layer(K.constant(data)).numpy(), rtol=1e-5, atol=1e-6)


def test_conv_lstm2d_get_initial_state_feeds_the_layer():
    layer = ConvLSTM2D(2, (3, 3), padding='same', return_sequences=False)
    layer.build((1, 2, 4, 4, 1))
    x = Input(batch_shape=(1, 2, 4, 4, 1))
    y = layer(x, initial_state=layer.get_initial_state(x))
    assert Model(x, y).predict(np.ones((1, 2, 4, 4, 1), 'float32')).shape == (1, 4, 4, 2)


def test_reverse_state_order_lists_the_last_cells_states_first():
    def stack(reverse):
        return StackedRNNCells([LSTMCell(3), LSTMCell(6)], reverse_state_order=reverse)
    assert stack(False).state_size == (3, 3, 6, 6)
    assert stack(True).state_size == (6, 6, 3, 3)
    shapes = RNN(stack(True), return_state=True, return_sequences=True).compute_output_shape((None, 4, 2))
    assert shapes == [(None, 4, 6), (None, 6), (None, 6), (None, 3), (None, 3)]
    # the same computation either way: only the order of the states differs
    x = np.random.RandomState(1).rand(2, 4, 2).astype('float32')
    plain = RNN(stack(False), return_state=True)
    out = plain(K.constant(x))
    rev = RNN(StackedRNNCells.from_config(stack(True).get_config()), return_state=True)
    rev(K.constant(x))
    rev.set_weights(plain.get_weights())
    out_rev = rev(K.constant(x))
    np.testing.assert_allclose(out_rev[0].numpy(), out[0].numpy(), rtol=1e-6)
    for a, b in zip(out_rev[1:], out[3:] + out[1:3]):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)


def test_rnn_with_dropout_flags_its_outputs():
    x = K.ones((2, 3, 4))
    layer = LSTM(2, dropout=0.5, recurrent_dropout=0.5)
    assert layer(x)._uses_learning_phase
    assert not layer(x, training=True)._uses_learning_phase
    assert Sequential([LSTM(2, dropout=0.5, input_shape=(3, 4))]).uses_learning_phase
    assert not Sequential([LSTM(2, input_shape=(3, 4))]).uses_learning_phase


def test_cell_losses_are_found_through_the_layer():
    cells = [SimpleRNNCell(2), SimpleRNNCell(3)]
    layer = RNN(cells)
    x = Input((4, 2))
    layer(x)
    y = K.constant(np.ones(1, 'float32'))
    cells[0].add_loss(y, inputs=x)
    assert layer.get_losses_for(x) == [y] and cells[0].get_losses_for(None) == []
