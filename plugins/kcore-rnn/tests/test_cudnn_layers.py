"""CuDNNLSTM/CuDNNGRU (Keras 2's cuDNN layers, issue 19): Keras's weight layout, the same
numbers as LSTM/GRU with the biases folded, the fused sequence kernels, Keras's configs."""
import numpy as np
import pytest

import kcore
from kcore.testing import layer_test
from kcore_rnn.cudnn import CuDNNGRU, CuDNNLSTM

L = kcore.layers


def test_registered_under_keras_2_paths():
    from kcore.layers.cudnn_recurrent import CuDNNGRU as G, CuDNNLSTM as S
    assert S is CuDNNLSTM is L.CuDNNLSTM and G is CuDNNGRU


@pytest.mark.parametrize('kwargs', [{}, {'return_sequences': True, 'go_backwards': True}])
def test_cudnn_lstm_is_an_lstm_with_two_biases(kwargs):
    x = np.random.default_rng(0).random((3, 5, 4)).astype('float32')
    layer = CuDNNLSTM(6, bias_initializer='random_uniform', unit_forget_bias=False, **kwargs)
    out = np.asarray(layer(x))
    kernel, recurrent, bias = layer.get_weights()
    assert kernel.shape == (4, 24) and recurrent.shape == (6, 24) and bias.shape == (48,)
    ref = L.LSTM(6, **kwargs)
    ref.build(x.shape)
    ref.set_weights([kernel, recurrent, bias[:24] + bias[24:]])
    np.testing.assert_allclose(out, np.asarray(ref(x)), rtol=1e-5, atol=1e-6)


def test_cudnn_lstm_forget_bias_starts_at_one_in_the_recurrent_half():
    layer = CuDNNLSTM(3)
    layer.build((None, 2, 4))
    bias = layer.get_weights()[2]
    expected = np.zeros(24)
    expected[15:18] = 1.0  # recurrent biases start at 12; the forget gate is the second of i, f, c, o
    np.testing.assert_array_equal(bias, expected)


def test_cudnn_gru_is_a_reset_after_gru():
    x = np.random.default_rng(1).random((2, 4, 3)).astype('float32')
    layer = CuDNNGRU(5, bias_initializer='random_uniform', return_state=True)
    out, state = [np.asarray(t) for t in layer(x)]
    kernel, recurrent, bias = layer.get_weights()
    assert bias.shape == (30,)
    ref = L.GRU(5, reset_after=True, return_state=True)
    ref.build(x.shape)
    ref.set_weights([kernel, recurrent, bias.reshape(2, 15)])
    want, want_state = [np.asarray(t) for t in ref(x)]
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(state, want_state, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('cls', [CuDNNLSTM, CuDNNGRU])
def test_runs_on_the_fused_sequence_kernel(cls, monkeypatch):
    layer = cls(2)
    x = kcore.backend.to_tensor(np.ones((1, 3, 2), 'float32'))
    layer(x)
    calls = []
    original = type(layer.cell).run_sequence

    def spy(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        calls.append(result is not None)
        return result
    monkeypatch.setattr(type(layer.cell), 'run_sequence', spy)
    layer(x)
    assert calls == [True]


@pytest.mark.parametrize('cls', [CuDNNLSTM, CuDNNGRU])
def test_keras_2_config_and_arguments(cls):
    layer = cls(4, return_sequences=True, stateful=False, name='rnn')
    config = layer.get_config()
    assert config['units'] == 4 and config['return_sequences'] is True
    assert not {'activation', 'recurrent_activation', 'dropout', 'recurrent_dropout', 'use_bias'} & set(config)
    assert cls.from_config(config).get_config() == config
    with pytest.raises(TypeError, match='dropout'):
        cls(4, dropout=0.5)


def test_gradients_and_save_load():
    layer_test(CuDNNLSTM, {'units': 2, 'bias_initializer': 'random_uniform'}, input_shape=(2, 3, 3))
    layer_test(CuDNNGRU, {'units': 2, 'return_sequences': True}, input_shape=(2, 3, 2))
