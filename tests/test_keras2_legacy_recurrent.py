"""Keras 2.0's abstract recurrent bases, ``Recurrent`` and ``ConvRecurrent2D``, as old custom layers use them."""
import numpy as np
import pytest

import kcore
from kcore import backend as K


def _simple_rnn_class():
    from kcore.layers import Recurrent

    class MinimalRNN(Recurrent):
        """h_t = tanh(x_t W + h_{t-1} U), written the Keras 2.0 way."""

        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            shape = input_shape[0] if isinstance(input_shape, list) else input_shape
            self.kernel = self.add_weight('kernel', (shape[-1], self.units), initializer='glorot_uniform')
            self.recurrent_kernel = self.add_weight('recurrent_kernel', (self.units, self.units),
                                                    initializer='orthogonal')
            self.states = [None]
            if self.stateful:
                self.reset_states()
            self.built = True

        def step(self, inputs, states):
            h = K.tanh(K.dot(inputs, self.kernel) + K.dot(states[0], self.recurrent_kernel))
            return h, [h]

        def get_config(self):
            config = super().get_config()
            config['units'] = self.units
            return config
    return MinimalRNN


def _numpy_rnn(x, w, u, h=None):
    h = np.zeros((len(x), w.shape[1])) if h is None else h
    outs = []
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ w + h @ u)
        outs.append(h)
    return np.stack(outs, 1), h


def test_a_recurrent_subclass_runs_its_step_over_time_like_keras():
    MinimalRNN = _simple_rnn_class()
    x = np.random.default_rng(0).standard_normal((3, 4, 2)).astype('float32')
    layer = MinimalRNN(5, return_sequences=True, return_state=True)
    seq, state = layer(x)
    w, u = layer.get_weights()
    ref_seq, ref_h = _numpy_rnn(x, w, u)
    np.testing.assert_allclose(K.eval(seq), ref_seq, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(K.eval(state), ref_h, rtol=1e-5, atol=1e-6)
    assert layer.compute_output_shape((3, 4, 2)) == [(3, 4, 5), (3, 5)]
    backwards = MinimalRNN(5, go_backwards=True)
    backwards.build((3, 4, 2))
    backwards.set_weights([w, u])
    np.testing.assert_allclose(K.eval(backwards(x)), _numpy_rnn(x[:, ::-1], w, u)[1], rtol=1e-5, atol=1e-6)


def test_a_recurrent_subclass_trains_in_a_model_and_round_trips_its_config():
    MinimalRNN = _simple_rnn_class()
    model = kcore.Sequential([MinimalRNN(4, input_shape=(5, 3)), kcore.layers.Dense(1)])
    model.compile('adam', 'mse')
    x = np.random.default_rng(1).random((16, 5, 3)).astype('float32')
    y = x.sum(axis=(1, 2))[:, None]
    first = model.fit(x, y, epochs=15, verbose=0).history['loss']
    assert first[-1] < first[0]
    config = model.layers[0].get_config()
    assert config['units'] == 4 and config['return_sequences'] is False and config['implementation'] == 0


def test_stateful_recurrent_keeps_and_resets_its_states():
    MinimalRNN = _simple_rnn_class()
    layer = MinimalRNN(2, stateful=True, batch_input_shape=(2, 3, 2))
    model = kcore.Sequential([layer])
    x = np.ones((2, 3, 2), 'float32')
    first, second = model.predict(x), model.predict(x)
    w, u = layer.get_weights()
    seq_h = _numpy_rnn(x, w, u)[1]
    np.testing.assert_allclose(first, seq_h, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(second, _numpy_rnn(x, w, u, seq_h)[1], rtol=1e-5, atol=1e-6)
    layer.reset_states()
    np.testing.assert_allclose(model.predict(x), first, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match='state 0 must have shape'):
        layer.reset_states([np.zeros((3, 2))])
    with pytest.raises(AttributeError, match='stateful'):
        MinimalRNN(2).reset_states()


def test_initial_states_given_as_inputs_and_a_missing_step():
    from kcore.layers import Recurrent
    MinimalRNN = _simple_rnn_class()
    layer = MinimalRNN(2)
    x = np.ones((1, 2, 3), 'float32')
    h0 = np.full((1, 2), 0.5, 'float32')
    out = layer([x, h0])
    w, u = layer.get_weights()
    np.testing.assert_allclose(K.eval(out), _numpy_rnn(x, w, u, h0)[1], rtol=1e-5, atol=1e-6)

    class NoStep(Recurrent):
        def build(self, input_shape):
            self.units, self.states, self.built = 2, [None], True
    with pytest.raises(NotImplementedError, match='step'):
        NoStep()(x)


def test_conv_recurrent2d_shapes_config_and_legacy_paths():
    from kcore.layers import ConvRecurrent2D, Recurrent
    from kcore.layers import convolutional_recurrent, recurrent
    from kcore.legacy import layers as legacy
    assert recurrent.Recurrent is Recurrent is legacy.Recurrent is convolutional_recurrent.Recurrent
    assert convolutional_recurrent.ConvRecurrent2D is ConvRecurrent2D is legacy.ConvRecurrent2D
    layer = ConvRecurrent2D(4, 3, padding='same', return_sequences=True)
    assert layer.compute_output_shape((2, 5, 8, 8, 1)) == (2, 5, 8, 8, 4)
    layer = ConvRecurrent2D(4, (3, 3), strides=2, data_format='channels_first')
    assert layer.compute_output_shape((2, 5, 1, 9, 9)) == (2, 4, 4, 4)
    config = layer.get_config()
    assert config['kernel_size'] == (3, 3) and config['strides'] == (2, 2) and 'unroll' not in config
