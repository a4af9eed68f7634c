"""BatchNormalization and LayerNormalization: against NumPy references, moving
statistics, training vs inference, and the fused kernel's gradients."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import kcore
from kcore import backend as K
from kcore import layers
from kcore.autodiff import apply
from kcore.testing import check_gradients
from kcore.testing import strategies as kst


def _bn_reference(x, axis, gamma, beta, eps):
    reduce = tuple(a for a in range(x.ndim) if a != axis % x.ndim)
    shape = [1] * x.ndim
    shape[axis] = x.shape[axis]
    mean = x.mean(axis=reduce, keepdims=True)
    var = x.var(axis=reduce, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gamma.reshape(shape) + beta.reshape(shape), mean.ravel(), var.ravel()


@given(shape=kst.shapes(min_rank=2, max_rank=4, min_side=2, max_side=4), seed=kst.SEEDS, data=st.data())
def test_batchnorm_training_matches_numpy_and_updates_moving_stats(shape, seed, data):
    axis = data.draw(st.integers(-len(shape) + 1, len(shape) - 1), label='axis')
    if axis % len(shape) == 0:
        axis = -1
    x = kst.random_array(shape, 'float64', -2, 3, seed)
    layer = layers.BatchNormalization(axis=axis, momentum=0.8, epsilon=1e-3, dtype='float64',
                                      gamma_initializer='random_uniform', beta_initializer='random_uniform')
    out = layer(x, training=True).numpy()
    gamma, beta, mm, mv = layer.get_weights()
    ref, mean, var = _bn_reference(x, axis, gamma, beta, 1e-3)
    np.testing.assert_allclose(out, ref, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(mm, 0.2 * mean, rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(mv, 0.8 + 0.2 * var, rtol=1e-7)


def test_batchnorm_inference_uses_moving_statistics():
    layer = layers.BatchNormalization(epsilon=1e-2)
    x = np.random.default_rng(0).normal(3.0, 2.0, size=(8, 3)).astype('float32')
    layer(x)
    gamma = np.array([1.0, 2.0, 0.5], 'float32')
    beta = np.array([0.0, -1.0, 1.0], 'float32')
    mm = np.array([3.0, 2.0, 1.0], 'float32')
    mv = np.array([4.0, 1.0, 9.0], 'float32')
    layer.set_weights([gamma, beta, mm, mv])
    expected = (x - mm) / np.sqrt(mv + 1e-2) * gamma + beta
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer(x, training=False).numpy(), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(layer.get_weights()[2], mm)  # inference does not touch them


def test_batchnorm_frozen_layer_runs_in_inference_mode_even_in_fit():
    layer = layers.BatchNormalization()
    x = np.random.default_rng(1).normal(size=(16, 4)).astype('float32')
    layer(x)
    layer.trainable = False
    before = layer.get_weights()
    out = layer(x, training=True).numpy()
    np.testing.assert_allclose(out, x / np.sqrt(1 + 1e-3), rtol=1e-5)
    for a, b in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 4


def test_batchnorm_moving_stats_converge_during_fit():
    rng = np.random.default_rng(2)
    x = rng.normal(5.0, 3.0, size=(256, 2)).astype('float32')
    model = kcore.Sequential([layers.BatchNormalization(momentum=0.5, input_shape=(2,))])
    model.compile(optimizer='sgd', loss='mse')
    model.fit(x, x, epochs=3, batch_size=64, verbose=0)
    _, _, mm, mv = model.get_weights()
    np.testing.assert_allclose(mm, x.mean(0), rtol=0.1)
    np.testing.assert_allclose(mv, x.var(0), rtol=0.3)


def test_batchnorm_weights_order_and_trainability():
    layer = layers.BatchNormalization()
    layer.build((None, 3))
    assert [w.name for w in layer.weights] == ['gamma', 'beta', 'moving_mean', 'moving_variance']
    assert [w.name for w in layer.trainable_weights] == ['gamma', 'beta']
    no_affine = layers.BatchNormalization(center=False, scale=False)
    no_affine.build((None, 3))
    assert [w.name for w in no_affine.weights] == ['moving_mean', 'moving_variance']


def test_batchnorm_masked_statistics_skip_masked_steps():
    x = np.random.default_rng(3).normal(size=(2, 4, 3))
    mask = np.array([[True, True, False, False], [True, True, True, False]])
    layer = layers.BatchNormalization(momentum=0.0, center=False, scale=False, dtype='float64')
    layer(x, training=True, mask=mask)
    kept = x[mask]
    np.testing.assert_allclose(layer.moving_mean.numpy(), kept.mean(0), rtol=1e-10)
    np.testing.assert_allclose(layer.moving_variance.numpy(), kept.var(0), rtol=1e-10)


def test_batchnorm_refuses_keras2_renorm_and_accepts_its_defaults():
    layers.BatchNormalization(renorm=False, fused=None, virtual_batch_size=None)
    with pytest.raises(ValueError, match='renorm'):
        layers.BatchNormalization(renorm=True)


def test_batchnorm_trains_in_a_subclassed_model_and_predicts_deterministically():
    class Net(kcore.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(8)
            self.bn = layers.BatchNormalization()
            self.out = layers.Dense(1)

        def call(self, x, training=None):
            return self.out(self.bn(self.dense(x), training=training))

    rng = np.random.default_rng(4)
    x = rng.normal(size=(64, 3)).astype('float32')
    y = x.sum(1, keepdims=True)
    net = Net()
    net.compile('adam', 'mse')
    history = net.fit(x, y, epochs=5, batch_size=16, verbose=0)
    assert history.history['loss'][-1] < history.history['loss'][0]
    np.testing.assert_array_equal(net.predict(x, verbose=0), net.predict(x, verbose=0))


@given(shape=kst.shapes(min_rank=2, max_rank=4, min_side=1, max_side=4), seed=kst.SEEDS, data=st.data())
def test_normalize_moments_kernel_gradients(shape, seed, data):
    ndim = len(shape)
    axes = tuple(sorted(data.draw(st.sets(st.integers(0, ndim - 1), min_size=1), label='axes')))
    layout = data.draw(st.sampled_from(['batch', 'layer', 'none']), label='parameters')
    if layout == 'batch':  # one parameter per channel: constant along the normalised axes
        param_shape = tuple(1 if a in axes else d for a, d in enumerate(shape))
    else:  # one parameter per normalised position, as LayerNormalization has
        param_shape = tuple(d if a in axes else 1 for a, d in enumerate(shape))
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape)
    gamma, beta = rng.normal(size=param_shape), rng.normal(size=param_shape)
    if layout == 'none':
        check_gradients(lambda x: apply('normalize_moments', x, None, None, axes=axes, epsilon=1e-3)[0], [x])
        return

    def fn(x, gamma, beta):
        return apply('normalize_moments', x, gamma, beta, axes=axes, epsilon=1e-3)[0]
    check_gradients(fn, [x, gamma, beta], noncontiguous=True)


def test_normalize_moments_statistics_carry_no_gradient():
    x = K.variable(np.random.default_rng(5).normal(size=(4, 3)), dtype='float64')
    y, mean, var = apply('normalize_moments', x, None, None, axes=(0,), epsilon=1e-3)
    assert y._node is mean._node  # one fused node
    (g,) = K.gradients(K.sum(y * y), [x])
    assert g.shape == (4, 3)


@given(shape=kst.shapes(min_rank=2, max_rank=4, min_side=1, max_side=4), seed=kst.SEEDS, data=st.data())
def test_layernorm_matches_numpy(shape, seed, data):
    ndim = len(shape)
    axes = sorted(data.draw(st.sets(st.integers(1, ndim - 1), min_size=1), label='axes'))
    x = kst.random_array(shape, 'float64', -2, 2, seed)
    layer = layers.LayerNormalization(axis=axes, dtype='float64', gamma_initializer='random_normal',
                                      beta_initializer='random_normal')
    out = layer(x).numpy()
    gamma, beta = layer.get_weights()
    bshape = [d if a in axes else 1 for a, d in enumerate(shape)]
    mean = x.mean(axis=tuple(axes), keepdims=True)
    var = x.var(axis=tuple(axes), keepdims=True)
    ref = (x - mean) / np.sqrt(var + 1e-3) * gamma.reshape(bshape) + beta.reshape(bshape)
    np.testing.assert_allclose(out, ref, rtol=1e-7, atol=1e-9)


def test_layernorm_rms_scaling():
    x = np.random.default_rng(6).normal(size=(3, 5))
    out = layers.LayerNormalization(rms_scaling=True, dtype='float64')(x).numpy()
    np.testing.assert_allclose(out, x / np.sqrt((x ** 2).mean(-1, keepdims=True) + 1e-3), rtol=1e-10)


def test_layernorm_bad_axis_and_mask_passthrough():
    with pytest.raises(ValueError, match='out of range'):
        layers.LayerNormalization(axis=3)(np.zeros((2, 3)))
    x = layers.Embedding(4, 3, mask_zero=True)(np.array([[1, 0]]))
    assert layers.LayerNormalization()(x)._keras_mask is not None


def test_batchnorm_keeps_float32():
    x = np.random.default_rng(7).normal(size=(4, 3)).astype('float32')
    layer = layers.BatchNormalization()
    assert layer(x, training=True).dtype == np.float32
    assert layer(x).dtype == np.float32
    assert layer.moving_mean.dtype == np.float32
