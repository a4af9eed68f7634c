"""Bidirectional, TimeDistributed and StackedRNNCells against compositions of
the reference loops; ConvLSTM2D against a direct float64 convolution loop."""
import importlib.util
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import kcore
import rnn_reference as ref
from kcore.autodiff import Tensor
from kcore.testing import check_gradients
from kcore_rnn.bidirectional import Bidirectional
from kcore_rnn.gru import GRU, GRUCell
from kcore_rnn.lstm import LSTM, LSTMCell
from kcore_rnn.rnn import RNN
from kcore_rnn.simple_rnn import SimpleRNN, SimpleRNNCell
from kcore_rnn.stacked_cells import StackedRNNCells
from kcore_rnn.time_distributed import TimeDistributed

HAS_CONV = importlib.util.find_spec('kcore_conv') is not None


def lstm_ref_step(layer):
    k, r, b = [np.asarray(w, dtype=np.float64) for w in layer.cell.get_weights()]
    return ref.lstm_step(k, r, b)


def gru_ref_step(cell):
    k, r, b = [np.asarray(w, dtype=np.float64) for w in cell.get_weights()]
    return ref.gru_step(k, r, b, reset_after=cell.reset_after)


MERGES = {'concat': lambda a, b: np.concatenate([a, b], axis=-1), 'sum': np.add, 'mul': np.multiply,
          'ave': lambda a, b: (a + b) / 2}


@given(merge=st.sampled_from(['concat', 'sum', 'mul', 'ave', None]), return_sequences=st.booleans(),
       return_state=st.booleans(), masked=st.booleans(), seed=st.integers(0, 2 ** 16),
       steps=st.integers(1, 5))
def test_bidirectional_is_a_forward_and_a_reversed_backward_layer_merged(merge, return_sequences, return_state,
                                                                        masked, seed, steps):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (2, steps, 3))
    mask = rng.random((2, steps)) < 0.6 if masked else None
    layer = Bidirectional(LSTM(2, return_sequences=return_sequences, return_state=return_state, dtype='float64',
                               bias_initializer='random_uniform'), merge_mode=merge, dtype='float64')
    out = layer(Tensor(x), mask=None if mask is None else Tensor(mask))
    out = out if isinstance(out, list) else [out]
    zeros = [np.zeros((2, 2))] * 2
    zero_out = return_sequences  # Keras: zeros at masked steps when returning sequences
    fy, fs = ref.run(lstm_ref_step(layer.forward_layer), x, zeros, mask, return_sequences=return_sequences,
                     zero_output_for_mask=zero_out)
    by, bs = ref.run(lstm_ref_step(layer.backward_layer), x, zeros, mask, go_backwards=True,
                     return_sequences=return_sequences, zero_output_for_mask=zero_out)
    if return_sequences:
        by = by[:, ::-1]
    want = [fy, by] if merge is None else [MERGES[merge](fy, by)]
    if return_state:
        want += fs + bs
    assert len(out) == len(want)
    for o, w in zip(out, want):
        np.testing.assert_allclose(o.numpy(), w, rtol=1e-9, atol=1e-12)
    declared = layer.compute_output_shape((2, steps, 3))
    declared = declared if isinstance(declared, list) else [declared]
    assert [tuple(o.shape) for o in out] == [tuple(d) for d in declared]


def test_bidirectional_splits_initial_states_and_passes_gradients():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (2, 4, 3))
    states = [rng.uniform(-1, 1, (2, 2)) for _ in range(2)]
    layer = Bidirectional(GRU(2, return_sequences=True, dtype='float64'), dtype='float64')
    out = layer(Tensor(x), initial_state=[Tensor(s) for s in states]).numpy()
    fy, _ = ref.run(gru_ref_step(layer.forward_layer.cell), x, states[:1], return_sequences=True)
    by, _ = ref.run(gru_ref_step(layer.backward_layer.cell), x, states[1:], go_backwards=True,
                    return_sequences=True)
    np.testing.assert_allclose(out, np.concatenate([fy, by[:, ::-1]], axis=-1), rtol=1e-9)
    check_gradients(lambda t, h1, h2: layer(t, initial_state=[h1, h2]), [x] + states, wrt=layer.trainable_weights)


def test_bidirectional_weights_config_and_errors():
    layer = Bidirectional(LSTM(3, name='lstm'), name='bi')
    model = kcore.models.Sequential([kcore.Input(shape=(5, 4)), layer, kcore.layers.Dense(1)])
    assert model.output_shape == (None, 1)
    assert len(layer.weights) == 6
    assert [v._path for v in layer.weights[:1]] == ['bi/forward_lstm/lstm_cell/kernel']
    assert layer.backward_layer.go_backwards and not layer.forward_layer.go_backwards
    clone = Bidirectional.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    with pytest.raises(ValueError, match=r"unknown merge_mode.*Received: merge_mode='max'"):
        Bidirectional(LSTM(2), merge_mode='max')
    with pytest.raises(ValueError, match=r"must agree on return_sequences"):
        Bidirectional(LSTM(2), backward_layer=LSTM(2, go_backwards=True, return_sequences=True))
    with pytest.raises(ValueError, match=r"opposite directions"):
        Bidirectional(LSTM(2), backward_layer=LSTM(2))
    with pytest.raises(ValueError, match="must be a Layer instance"):
        Bidirectional('lstm')


def test_bidirectional_stateful_reset():
    layer = Bidirectional(SimpleRNN(2, stateful=True), batch_input_shape=(2, 3, 1))
    layer(np.ones((2, 3, 1), dtype='float32'))
    assert len(layer.states) == 2 and np.abs(layer.states[0].numpy()).sum() > 0
    layer.reset_states()
    assert all(np.abs(s.numpy()).sum() == 0 for s in layer.states)


def test_time_distributed_applies_one_layer_to_every_step():
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (2, 5, 3))
    dense = kcore.layers.Dense(4, activation='tanh', dtype='float64')
    layer = TimeDistributed(dense, dtype='float64')
    out = layer(Tensor(x)).numpy()
    k, b = dense.get_weights()
    np.testing.assert_allclose(out, np.tanh(x @ k + b), rtol=1e-12)
    assert layer.compute_output_shape((None, 5, 3)) == (None, 5, 4)
    check_gradients(layer, [x], wrt=layer.trainable_weights)
    model = kcore.models.Sequential([kcore.Input(shape=(None, 3)), TimeDistributed(kcore.layers.Dense(2))])
    assert model.output_shape == (None, None, 2)
    mask = kcore.layers.Embedding(5, 3, mask_zero=True)(np.array([[1, 0, 2]]))
    assert np.asarray(TimeDistributed(kcore.layers.Dense(2))(mask)._keras_mask.data).tolist() == [[True, False, True]]
    with pytest.raises(ValueError, match=r"rank 3 or more.*Received: input_shape=\(2, 3\)"):
        TimeDistributed(kcore.layers.Dense(2))(np.zeros((2, 3), dtype='float32'))


@given(masked=st.booleans(), go_backwards=st.booleans(), return_sequences=st.booleans(),
       seed=st.integers(0, 2 ** 16))
def test_stacked_cells_fused_match_the_stepped_stack(masked, go_backwards, return_sequences, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (2, 4, 3))
    mask = rng.random((2, 4)) < 0.6 if masked else None
    cells = [LSTMCell(3, dtype='float64', bias_initializer='random_uniform'), GRUCell(2, dtype='float64'),
             SimpleRNNCell(2, dtype='float64')]
    layer = RNN(cells, return_sequences=return_sequences, return_state=True, go_backwards=go_backwards,
                dtype='float64')
    out = layer(Tensor(x), mask=None if mask is None else Tensor(mask))
    assert out[0]._node is not None or True
    w = [[np.asarray(a, dtype=np.float64) for a in c.get_weights()] for c in cells]
    steps = [ref.lstm_step(*w[0]), ref.gru_step(*w[1]), ref.simple_rnn_step(*w[2])]

    def stack(x_t, states):
        new = []
        groups = [states[0:2], states[2:3], states[3:4]]
        for step, s in zip(steps, groups):
            x_t, s = step(x_t, s)
            new += s
        return x_t, new
    zeros = [np.zeros((2, 3)), np.zeros((2, 3)), np.zeros((2, 2)), np.zeros((2, 2))]
    want_y, want_s = ref.run(stack, x, zeros, mask, go_backwards=go_backwards, return_sequences=return_sequences)
    np.testing.assert_allclose(out[0].numpy(), want_y, rtol=1e-9, atol=1e-12)
    for o, s in zip(out[1:], want_s):
        np.testing.assert_allclose(o.numpy(), s, rtol=1e-9, atol=1e-12)


def test_stacked_cells_fuse_and_train():
    layer = RNN([LSTMCell(3), LSTMCell(2)], return_sequences=True)
    y = layer(np.random.rand(2, 5, 4).astype('float32'))
    assert 'lstm_sequence' in y._node.vjp.__qualname__
    assert StackedRNNCells.from_config(layer.cell.get_config()).state_size == (3, 3, 2, 2)  # a tuple, as Keras 2.3
    with pytest.raises(ValueError, match='at least one cell'):
        StackedRNNCells([])


@pytest.mark.skipif(not HAS_CONV, reason='ConvLSTM2D needs kcore-conv')
@pytest.mark.parametrize('padding,strides,return_sequences', [('same', 1, True), ('valid', 2, False)])
def test_conv_lstm2d_matches_a_direct_convolution_loop(padding, strides, return_sequences):
    from kcore_rnn.conv_lstm2d import ConvLSTM2D
    rng = np.random.default_rng(2)
    x = rng.uniform(-1, 1, (2, 3, 5, 5, 2))
    mask = np.array([[True, True, False], [False, True, True]])
    layer = ConvLSTM2D(2, 3, padding=padding, strides=strides, return_sequences=return_sequences,
                       dtype='float64', bias_initializer='random_uniform')
    out = layer(Tensor(x), mask=Tensor(mask)).numpy()
    k, r, b = layer.cell.get_weights()
    rows = 5 if padding == 'same' else (5 - 3) // strides + 1
    zeros = [np.zeros((2, rows, rows, 2))] * 2
    want, _ = ref.run(ref.conv_lstm_step(k, r, b, padding, (strides, strides)), x, zeros, mask,
                      return_sequences=return_sequences)
    np.testing.assert_allclose(out, want, rtol=1e-9, atol=1e-12)
    assert tuple(out.shape) == layer.compute_output_shape((2, 3, 5, 5, 2))
    small = ConvLSTM2D(1, 2, padding='same', dtype='float64', return_state=True)
    check_gradients(small, [rng.uniform(-1, 1, (1, 2, 3, 3, 1))], wrt=small.trainable_weights)


def test_conv_lstm2d_without_kcore_conv_names_the_package():
    code = ('import kcore\n'
            'try:\n'
            '    kcore.layers.ConvLSTM2D(2, 3)\n'
            'except KeyError as e:\n'
            '    print(e)\n')
    env = dict(__import__('os').environ, KCORE_DISABLE_PLUGINS='conv')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env=env, timeout=60)
    assert 'needs the conv2d op' in out.stdout and 'pip install kcore-conv' in out.stdout, out.stdout + out.stderr
