"""Layers that Keras 2.3 has and kcore lacked (issue 19): SpatialDropout1D/2D/3D,
LocallyConnected1D/2D, and the legacy Highway, MaxoutDense and Atrous convolutions.
The generic checks (config, save/load, gradients against finite differences) run on each
through the conformance test's registered examples and ``layer_test`` here; these tests
check the numbers against direct NumPy computations and Keras's weight layouts."""
import numpy as np
import pytest

import kcore
from kcore.testing import check_gradients, layer_test

L = kcore.layers


# -- SpatialDropout ---------------------------------------------------------------------------------
@pytest.mark.parametrize('cls, shape, data_format, channel_axis', [
    (L.SpatialDropout1D, (8, 5, 6), None, 2),
    (L.SpatialDropout2D, (8, 4, 5, 6), 'channels_last', 3),
    (L.SpatialDropout2D, (8, 6, 4, 5), 'channels_first', 1),
    (L.SpatialDropout3D, (8, 3, 2, 4, 6), 'channels_last', 4),
    (L.SpatialDropout3D, (8, 6, 3, 2, 4), 'channels_first', 1)])
def test_spatial_dropout_drops_whole_channels(cls, shape, data_format, channel_axis):
    kwargs = {} if data_format is None else {'data_format': data_format}
    layer = cls(0.5, seed=3, **kwargs)
    x = np.ones(shape, 'float32')
    np.testing.assert_array_equal(np.asarray(layer(x)), x)  # inference: identity
    y = np.asarray(layer(x, training=True))
    moved = np.moveaxis(y, channel_axis, 1).reshape(shape[0], shape[channel_axis], -1)
    per_channel = moved.max(axis=-1)
    assert np.all(moved == per_channel[..., None])  # one draw per (sample, channel)
    assert set(np.unique(per_channel)) <= {0.0, 2.0} and 0 < (per_channel == 0).mean() < 1


def test_spatial_dropout_checks_rank_and_config():
    with pytest.raises(ValueError, match='ndim=4'):
        L.SpatialDropout2D(0.5)(np.ones((2, 3, 4), 'float32'), training=True)
    config = L.SpatialDropout2D(0.3, data_format='channels_first').get_config()
    assert config['rate'] == 0.3 and config['data_format'] == 'channels_first' and 'noise_shape' not in config
    assert 'data_format' not in L.SpatialDropout1D(0.3).get_config()
    with pytest.raises(ValueError, match='rate'):
        L.SpatialDropout1D(1.5)


# -- LocallyConnected --------------------------------------------------------------------------------
def _reference_1d(x, kernel, bias, k, s):
    out_len = (x.shape[1] - k) // s + 1
    return np.stack([x[:, i * s:i * s + k, :].reshape(len(x), -1) @ kernel[i] + bias[i] for i in range(out_len)], 1)


def test_locally_connected_1d_matches_keras_layout():
    x = np.random.rand(3, 9, 2).astype('float32')
    layer = L.LocallyConnected1D(4, 3, strides=2, bias_initializer='random_uniform')
    y = np.asarray(layer(x))
    kernel, bias = layer.get_weights()
    assert kernel.shape == (4, 6, 4) and bias.shape == (4, 4)  # (positions, k * channels, filters)
    np.testing.assert_allclose(y, _reference_1d(x, kernel, bias, 3, 2), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('data_format', ['channels_last', 'channels_first'])
def test_locally_connected_2d_matches_a_loop(data_format):
    rng = np.random.default_rng(0)
    x = rng.random((2, 5, 6, 3)).astype('float32')
    layer = L.LocallyConnected2D(2, (2, 3), strides=(1, 2), data_format=data_format, activation='relu',
                                 bias_initializer='random_uniform')
    inputs = x if data_format == 'channels_last' else x.transpose(0, 3, 1, 2)
    y = np.asarray(layer(inputs))
    kernel, bias = layer.get_weights()
    assert kernel.shape == (8, 18, 2) and bias.shape == (4, 2, 2)
    want = np.zeros((2, 4, 2, 2), 'float32')
    for p, (i, j) in enumerate((i, j) for i in range(4) for j in range(2)):
        patch = x[:, i:i + 2, j * 2:j * 2 + 3, :]
        if data_format == 'channels_first':  # Keras flattens (channels, rows, cols) there
            patch = patch.transpose(0, 3, 1, 2)
        want[:, i, j] = patch.reshape(2, -1) @ kernel[p]
    if data_format == 'channels_first':
        want = want.transpose(0, 3, 1, 2) + bias.reshape(2, 4, 2)  # Keras's bias_add reshapes
    else:
        want = want + bias
    np.testing.assert_allclose(y, np.maximum(want, 0), rtol=1e-5, atol=1e-6)


def test_locally_connected_errors():
    with pytest.raises(ValueError, match='padding="valid"'):
        L.LocallyConnected2D(2, 2, padding='same')
    with pytest.raises(ValueError, match='filters must be a positive integer'):
        L.LocallyConnected1D(0, 2)
    with pytest.raises(ValueError, match='does not fit'):
        L.LocallyConnected1D(2, 5)(np.zeros((1, 3, 2), 'float32'))
    with pytest.raises(ValueError, match='must be known'):
        L.LocallyConnected1D(2, 2)(kcore.Input((None, 2)))


def test_locally_connected_gradients_in_a_model():
    layer_test(L.LocallyConnected1D, {'filters': 2, 'kernel_size': 2, 'strides': 3, 'use_bias': False},
               input_shape=(2, 8, 3))
    model = kcore.Sequential([L.LocallyConnected2D(2, 2, input_shape=(4, 4, 1)), L.Flatten(), L.Dense(1)])
    model.compile('sgd', 'mse')
    x, y = np.random.rand(16, 4, 4, 1).astype('float32'), np.random.rand(16, 1).astype('float32')
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=5, batch_size=4, verbose=0)
    assert model.evaluate(x, y, verbose=0) < before


# -- Highway, MaxoutDense, Atrous --------------------------------------------------------------------
def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_highway_matches_its_formula():
    x = np.random.rand(3, 4).astype('float32') - 0.5
    layer = L.Highway(activation='tanh')
    y = np.asarray(layer(x))
    W, W_carry, b, b_carry = layer.get_weights()  # Keras's weight order
    np.testing.assert_array_equal(b_carry, np.ones(4))
    gate = _sigmoid(x @ W_carry + b_carry)
    np.testing.assert_allclose(y, np.tanh(x @ W + b) * gate + (1 - gate) * x, rtol=1e-5, atol=1e-6)
    assert [w.name.split('/')[-1].split(':')[0] for w in layer.weights] == ['W', 'W_carry', 'b', 'b_carry']
    assert len(L.Highway(bias=False, input_dim=4).get_config()) > 0


def test_maxout_dense_matches_its_formula():
    x = np.random.rand(3, 5).astype('float32')
    layer = L.MaxoutDense(2, nb_feature=3, input_dim=5)
    y = np.asarray(layer(x))
    W, b = layer.get_weights()
    assert W.shape == (3, 5, 2) and b.shape == (3, 2)
    np.testing.assert_allclose(y, np.max(np.einsum('bi,fio->bfo', x, W) + b, axis=1), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match='nb_feature'):
        L.MaxoutDense(2, nb_feature=0)
    x64 = np.random.rand(2, 5)
    maxout = L.MaxoutDense(2, nb_feature=2, dtype='float64')
    maxout.build((None, 5))
    check_gradients(maxout, [x64], wrt=maxout.trainable_weights)


def test_legacy_layers_load_keras_weights_in_their_order():
    layer = L.Highway(weights=[np.eye(2), np.zeros((2, 2)), np.ones(2), np.zeros(2)])
    y = np.asarray(layer(np.array([[1.0, 2.0]], 'float32')))
    np.testing.assert_allclose(y, 0.5 * np.array([[2.0, 3.0]]) + 0.5 * np.array([[1.0, 2.0]]), rtol=1e-6)


def test_atrous_aliases_are_dilated_convolutions():
    conv = L.AtrousConvolution2D(3, 3, atrous_rate=(2, 2), padding='same')
    assert isinstance(conv, L.Conv2D) and tuple(conv.dilation_rate) == (2, 2)
    from kcore.layers.convolutional import AtrousConv1D, AtrousConvolution1D
    assert AtrousConv1D is AtrousConvolution1D
    assert tuple(AtrousConvolution1D(2, 3, atrous_rate=3).dilation_rate) == (3,)
