"""kcore-conv's layers: Keras's arguments, weight shapes, configs, aliases, errors, and models.

The generic checks (call, symbolic shapes, config round trip, gradients) run
for every layer in ``tests/test_layer_conformance.py`` from the examples in
``kcore_conv/catalog.py``; this file covers what is specific to these layers.
"""
import numpy as np
import pytest

import conv_reference as ref
import kcore
from kcore import layers
from kcore._deprecated import KcoreDeprecationWarning
import kcore.backend as K
from kcore.errors import ShapeError
from kcore.plugins import known


@pytest.fixture
def channels_first():
    previous = K.image_data_format()
    K.set_image_data_format('channels_first')
    yield
    K.set_image_data_format(previous)


def test_the_seed_network_has_keras_shapes_and_parameter_counts():
    inp = layers.Input(shape=(28, 28, 3))
    x = layers.Conv2D(8, 2)(inp)
    x = layers.Conv2D(4, 2)(x)
    x = layers.MaxPooling2D()(x)
    x = layers.Flatten()(x)
    out = layers.Dense(10)(layers.Dense(128)(x))
    model = kcore.models.Model(inputs=inp, outputs=out)
    assert [tuple(layer.output.shape) for layer in model.layers[1:4]] == [
        (None, 27, 27, 8), (None, 26, 26, 4), (None, 13, 13, 4)]
    assert model.count_params() == 104 + 132 + 86656 + 1290


@pytest.mark.parametrize('data_format', ['channels_last', 'channels_first'])
def test_conv2d_layer_computes_activation_of_conv_plus_bias(data_format):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 7, 6, 3))
    layer = layers.Conv2D(4, (3, 2), strides=(2, 1), padding='same', dilation_rate=1, activation='tanh',
                          data_format=data_format, dtype='float64', bias_initializer='ones')
    y = layer(x if data_format == 'channels_last' else ref.to_first(x)).numpy()
    kernel, bias = layer.get_weights()
    expected = np.tanh(ref.conv(x, kernel, (2, 1), 'same', (1, 1)) + bias)
    np.testing.assert_allclose(y if data_format == 'channels_last' else ref.to_last(y), expected, rtol=1e-10)


def test_data_format_defaults_to_the_configured_image_data_format(channels_first):
    for cls in (layers.Conv2D, layers.Conv1D):
        assert cls(2, 3).data_format == 'channels_first'
    assert layers.MaxPooling2D().data_format == 'channels_first'
    assert layers.UpSampling2D().data_format == 'channels_first'
    y = layers.Conv2D(5, 3)(np.zeros((2, 3, 8, 8), dtype='float32'))
    assert y.shape == (2, 5, 6, 6)
    assert layers.UpSampling1D().data_format == 'channels_last'  # sequences: no data_format in Keras


@pytest.mark.parametrize('make, input_shape, expected', [
    (lambda: layers.Conv2D(4, 3, groups=2), (1, 5, 5, 6), {'kernel': (3, 3, 3, 4), 'bias': (4,)}),
    (lambda: layers.Conv1D(2, 3, use_bias=False), (1, 5, 3), {'kernel': (3, 3, 2)}),
    (lambda: layers.Conv3D(2, 2), (1, 3, 3, 3, 1), {'kernel': (2, 2, 2, 1, 2), 'bias': (2,)}),
    (lambda: layers.Conv2DTranspose(5, 3), (1, 4, 4, 2), {'kernel': (3, 3, 5, 2), 'bias': (5,)}),
    (lambda: layers.DepthwiseConv2D(3, depth_multiplier=2), (1, 5, 5, 3),
     {'depthwise_kernel': (3, 3, 3, 2), 'bias': (6,)}),
    (lambda: layers.SeparableConv2D(4, 3, depth_multiplier=2), (1, 5, 5, 3),
     {'depthwise_kernel': (3, 3, 3, 2), 'pointwise_kernel': (1, 1, 6, 4), 'bias': (4,)}),
    (lambda: layers.SeparableConv1D(4, 3), (1, 5, 3),
     {'depthwise_kernel': (3, 3, 1), 'pointwise_kernel': (1, 3, 4), 'bias': (4,)}),
])
def test_weights_have_keras_names_and_shapes(make, input_shape, expected):
    layer = make()
    layer(np.zeros(input_shape, dtype='float32'))
    assert {v.name: tuple(v.shape) for v in layer.weights} == expected


def test_config_uses_keras_argument_names_and_round_trips():
    layer = layers.Conv2D(4, 3, strides=2, padding='same', dilation_rate=1, groups=2, activation='relu',
                          kernel_regularizer='l2', name='c')
    cfg = layer.get_config()
    for key in ('filters', 'kernel_size', 'strides', 'padding', 'data_format', 'dilation_rate', 'groups',
                'activation', 'use_bias', 'kernel_initializer', 'bias_initializer', 'kernel_regularizer',
                'bias_regularizer', 'kernel_constraint', 'bias_constraint'):
        assert key in cfg
    assert cfg['kernel_size'] == (3, 3) and cfg['strides'] == (2, 2) and cfg['activation'] == 'relu'
    again = layers.Conv2D.from_config(cfg)
    assert again.get_config() == cfg
    t = layers.Conv2DTranspose(3, 2, strides=2, output_padding=1).get_config()
    assert t['output_padding'] == (1, 1) and 'groups' not in t
    d = layers.DepthwiseConv2D(3, depth_multiplier=2).get_config()
    assert d['depth_multiplier'] == 2 and 'filters' not in d and 'depthwise_initializer' in d


def test_every_known_name_resolves_and_aliases_are_the_same_classes():
    for name in known._CONV_LAYERS:
        assert issubclass(getattr(layers, name), layers.Layer), name
    assert layers.Convolution2D is layers.Conv2D
    assert layers.Deconvolution2D is layers.Conv2DTranspose is layers.Convolution2DTranspose
    assert layers.MaxPool2D is layers.MaxPooling2D
    assert layers.AvgPool3D is layers.AveragePooling3D
    assert layers.GlobalAvgPool1D is layers.GlobalAveragePooling1D
    for name in known._CONV_OPS:
        assert callable(getattr(K, name)), name


def test_keras_1_keywords_still_work_with_a_warning():
    with pytest.warns(KcoreDeprecationWarning, match='nb_filter|border_mode'):
        layer = layers.Conv2D(nb_filter=4, kernel_size=3, border_mode='same')
    assert (layer.filters, layer.padding) == (4, 'same')
    with pytest.warns(KcoreDeprecationWarning, match='dim_ordering'):
        pool = layers.MaxPooling2D(dim_ordering='th')
    assert pool.data_format == 'channels_first'


@pytest.mark.parametrize('make, message', [
    (lambda: layers.Conv2D(0, 3), r"Layer 'conv.*' \(Conv2D\): filters must be a positive integer"),
    (lambda: layers.Conv2D(4, (3, 3, 3)), r'kernel_size must be an integer or a tuple of 2'),
    (lambda: layers.Conv2D(4, 3, padding='causal'), r'only for 1D'),
    (lambda: layers.Conv2D(3, 3, groups=2), r'filters must be divisible by groups'),
    (lambda: layers.Conv2DTranspose(3, 3, strides=2, output_padding=2), r'output_padding must be smaller'),
    (lambda: layers.MaxPooling2D(pool_size=0), r'pool_size must be >= 1'),
    (lambda: layers.UpSampling2D(interpolation='bicubic'), r"interpolation must be 'nearest' or 'bilinear'"),
    (lambda: layers.ZeroPadding2D(padding=(1, 2, 3)), r'padding must be an int, a tuple of 2 ints'),
    (lambda: layers.Conv2D(4, 3, data_format='NHWC'), r'data_format must be one of'),
])
def test_bad_arguments_name_the_layer_and_the_fix(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize('make, input_shape, message', [
    (lambda: layers.Conv2D(4, 5), (None, 3, 8, 1), r"Conv2D.*too small.*Received: input_shape=\(None, 3, 8, 1\)"),
    (lambda: layers.Conv2D(4, 3, groups=2), (None, 8, 8, 3), r'divisible by groups.*Received: input_shape'),
    (lambda: layers.Conv2D(4, 3), (None, 8, 8), r'rank 4.*Received: input_shape=\(None, 8, 8\)'),
    (lambda: layers.Conv2D(4, 3), (None, 8, 8, None), r'channel dimension of the input must be known'),
    (lambda: layers.MaxPooling2D(3), (None, 2, 8, 1), r'too small for pool_size'),
    (lambda: layers.Cropping2D(2), (None, 4, 8, 1), r'removes all of spatial axis 0'),
])
def test_bad_inputs_are_reported_when_the_graph_is_built(make, input_shape, message):
    with pytest.raises(ShapeError, match=message):
        make()(layers.Input(shape=input_shape[1:]))


def test_a_built_layer_rejects_other_channel_counts():
    layer = layers.Conv2D(2, 3)
    layer(np.zeros((1, 5, 5, 3), dtype='float32'))
    with pytest.raises(ShapeError, match='axis 3 of size 3'):
        layer(np.zeros((1, 5, 5, 4), dtype='float32'))


def test_causal_conv1d_never_looks_ahead():
    layer = layers.Conv1D(2, 3, padding='causal', dilation_rate=2)
    x = np.random.default_rng(0).standard_normal((1, 10, 2)).astype('float32')
    y = layer(x).numpy()
    x2 = x.copy()
    x2[:, 6:] += 1.0
    y2 = layer(x2).numpy()
    assert y.shape == (1, 10, 2)
    np.testing.assert_array_equal(y[:, :6], y2[:, :6])
    assert not np.allclose(y[:, 6:], y2[:, 6:])


def test_transpose_layer_output_sizes_follow_keras():
    def out(layer, shape):
        return layer(np.zeros(shape, dtype='float32')).shape
    assert out(layers.Conv2DTranspose(2, 3, strides=2), (1, 4, 5, 1)) == (1, 9, 11, 2)
    assert out(layers.Conv2DTranspose(2, 3, strides=2, padding='same'), (1, 4, 5, 1)) == (1, 8, 10, 2)
    assert out(layers.Conv2DTranspose(2, 3, strides=2, padding='same', output_padding=0), (1, 4, 5, 1)) == (
        1, 7, 9, 2)
    assert out(layers.Conv1DTranspose(2, 4, strides=3, output_padding=2), (1, 4, 1)) == (1, 15, 2)
    assert out(layers.Conv3DTranspose(1, 2, strides=2, data_format='channels_first'), (1, 2, 2, 3, 1)) == (
        1, 1, 4, 6, 2)


def test_pooling_layers_keras_defaults_and_values():
    x = np.arange(2 * 5 * 4 * 1, dtype='float32').reshape(2, 5, 4, 1)
    pool = layers.MaxPooling2D()
    assert (pool.pool_size, pool.strides, pool.padding) == ((2, 2), (2, 2), 'valid')
    np.testing.assert_array_equal(pool(x).numpy(), ref.pool(x, (2, 2), (2, 2), 'valid', 'max'))
    avg = layers.AveragePooling2D(3, strides=1, padding='same')
    np.testing.assert_allclose(avg(x).numpy(), ref.pool(x, (3, 3), (1, 1), 'same', 'avg'), rtol=1e-6)
    assert layers.MaxPooling1D().pool_size == (2,)


def test_global_pooling_and_keepdims():
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 5)).astype('float32')
    np.testing.assert_allclose(layers.GlobalAveragePooling2D()(x).numpy(), x.mean(axis=(1, 2)), rtol=1e-6)
    np.testing.assert_allclose(layers.GlobalMaxPooling2D(data_format='channels_first')(x).numpy(), x.max(axis=(2, 3)))
    assert layers.GlobalMaxPooling2D(keepdims=True)(x).shape == (2, 1, 1, 5)
    assert layers.GlobalAveragePooling3D().compute_output_shape((None, 2, 3, 4, 5)) == (None, 5)


def test_global_average_pooling_1d_averages_the_unmasked_steps_only():
    x = np.arange(12, dtype='float32').reshape(2, 3, 2)
    mask = np.array([[True, True, False], [True, False, False]])
    y = layers.GlobalAveragePooling1D()(x, mask=mask).numpy()
    np.testing.assert_allclose(y, [x[0, :2].mean(axis=0), x[1, :1].mean(axis=0)])


def test_padding_cropping_and_upsampling_spellings():
    x = np.random.default_rng(0).standard_normal((1, 4, 5, 2)).astype('float32')
    y = layers.ZeroPadding2D(((1, 0), (2, 3)))(x).numpy()
    assert y.shape == (1, 5, 10, 2)
    np.testing.assert_array_equal(y[:, 1:, 2:7], x)
    assert y[:, 0].any() == 0 and y[:, :, :2].any() == 0 and y[:, :, 7:].any() == 0
    assert layers.ZeroPadding2D(1)(x).shape == (1, 6, 7, 2)
    assert layers.ZeroPadding1D((1, 2))(x[:, 0]).shape == (1, 8, 2)
    np.testing.assert_array_equal(layers.Cropping2D(((1, 2), (0, 1)))(x).numpy(), x[:, 1:2, 0:4])
    np.testing.assert_array_equal(layers.Cropping1D()(x[:, 0]).numpy(), x[:, 0, 1:4])
    np.testing.assert_array_equal(layers.Cropping3D(((0, 1), (1, 0), (0, 0)))(x[..., None]).numpy(),
                                  x[:, 0:3, 1:5, :, None])
    np.testing.assert_array_equal(layers.UpSampling2D((2, 3))(x).numpy(), x.repeat(2, axis=1).repeat(3, axis=2))
    np.testing.assert_array_equal(layers.UpSampling1D(3)(x[:, 0]).numpy(), x[:, 0].repeat(3, axis=1))
    assert layers.UpSampling3D(2)(x[..., None]).shape == (1, 8, 10, 4, 1)
    up = layers.UpSampling2D(2, interpolation='bilinear')
    np.testing.assert_allclose(up(x).numpy(), ref.upsample(x, (2, 2), 'bilinear'), rtol=1e-5, atol=1e-6)


def test_a_small_cnn_learns_and_survives_save_and_load(tmp_path):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, size=64)
    x = rng.uniform(0, 0.2, size=(64, 8, 8, 1)).astype('float32')
    x[y == 1, :4] += 0.8
    model = kcore.models.Sequential([
        layers.Input((8, 8, 1)),
        layers.Conv2D(4, 3, padding='same', activation='relu'),
        layers.MaxPooling2D(),
        layers.SeparableConv2D(4, 2, activation='relu'),
        layers.GlobalAveragePooling2D(),
        layers.Dense(2, activation='softmax'),
    ])
    model.compile(optimizer='adam', loss='sparse_categorical_crossentropy')
    history = model.fit(x, y, epochs=15, batch_size=16, verbose=0)
    assert history.history['loss'][-1] < history.history['loss'][0]
    path = str(tmp_path / 'cnn.h5')
    model.save(path)
    again = kcore.models.load_model(path)
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_numpy_integers_as_sizes_like_keras_2_scripts():
    """mnist_swwae.py passes pool sizes from an np.array, Keras's tests filters as np.int64."""
    from kcore.layers import Conv2D, MaxPooling2D
    two = np.array([2])[0]
    pool = MaxPooling2D(pool_size=(two, two))
    conv = Conv2D(np.int64(4), (two, 3), strides=two)
    assert pool.pool_size == (2, 2) and type(pool.pool_size[0]) is int
    assert conv.filters == 4 and type(conv.filters) is int and conv.kernel_size == (2, 3) and conv.strides == (2, 2)
    assert conv.get_config()['filters'] == 4
    with pytest.raises(ValueError, match='filters must be a positive integer'):
        Conv2D(np.float64(4.0), 3)
