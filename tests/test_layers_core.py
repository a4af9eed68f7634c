"""Core layers beyond the generic checks: values against NumPy, argument errors,
Keras-specific behaviour (legacy arguments, learning phase, masks)."""
import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import kcore
from kcore import backend as K
from kcore import layers
from kcore.errors import SavingError, ShapeError
from kcore.layers.lambda_layer import safe_mode_scope
from kcore.testing import check_gradients, layer_test
from kcore.testing import strategies as kst

RNG = np.random.default_rng(0)


def _x(*shape):
    return RNG.uniform(-1, 1, size=shape).astype('float32')


# -- Dense / Activation / Flatten ----------------------------------------------------
def test_dense_legacy_output_dim_warns_and_works():
    from kcore._deprecated import KcoreDeprecationWarning
    with pytest.warns(KcoreDeprecationWarning, match='units'):
        layer = layers.Dense(output_dim=3)
    assert layer(_x(2, 4)).shape == (2, 3)


def test_dense_wrong_input_size_names_layer_and_both_shapes():
    inp = kcore.Input(shape=(4,))
    dense = layers.Dense(3, name='d1')
    dense(inp)
    with pytest.raises(ShapeError, match=r"'d1'.*axis -1 of size 4.*Received: input_shape=\(None, 5\)"):
        dense(kcore.Input(shape=(5,)))


def test_legacy_module_paths():
    from kcore.engine.topology import Layer
    from kcore.layers.core import Dense, Lambda, Reshape
    assert Layer is layers.Layer and Dense is layers.Dense
    assert Reshape is layers.Reshape and Lambda is layers.Lambda


# -- Reshape / Permute / RepeatVector -------------------------------------------------
@given(shape=kst.shapes(min_rank=1, max_rank=3, max_side=4), batch=kst.batch_sizes(), seed=kst.SEEDS)
def test_reshape_with_inferred_axis_matches_numpy(shape, batch, seed):
    x = kst.random_array((batch,) + shape, seed=seed)
    out = layers.Reshape((-1,) + shape[-1:])(x)
    np.testing.assert_array_equal(out.numpy(), x.reshape((batch, -1) + shape[-1:]))


def test_reshape_incompatible_sizes_name_both_shapes():
    with pytest.raises(ShapeError, match=r'12 values.*target_shape=\(5, 2\).*input_shape=\(None, 3, 4\)'):
        layers.Reshape((5, 2))(kcore.Input(shape=(3, 4)))
    with pytest.raises(ValueError, match='at most one -1'):
        layers.Reshape((-1, -1))


def test_reshape_unknown_axis_gives_unknown_size():
    out = layers.Reshape((-1, 2))(kcore.Input(shape=(None, 4)))
    assert out.shape == (None, None, 2)


def test_permute_matches_numpy_and_checks_dims():
    x = _x(2, 3, 4, 5)
    np.testing.assert_array_equal(layers.Permute((3, 1, 2))(x).numpy(), x.transpose(0, 3, 1, 2))
    with pytest.raises(ValueError, match='permutation of 1..2'):
        layers.Permute((0, 1))
    with pytest.raises(ShapeError, match='ndim=3'):
        layers.Permute((2, 1))(kcore.Input(shape=(3, 4, 5)))


def test_repeat_vector():
    x = _x(2, 3)
    out = layers.RepeatVector(4)(x).numpy()
    assert out.shape == (2, 4, 3)
    np.testing.assert_array_equal(out[:, 2], x)


# -- Lambda ---------------------------------------------------------------------------------
def cube(x):
    return x ** 3


def test_lambda_runs_and_infers_its_output_shape():
    inp = kcore.Input(shape=(3, 4))
    out = layers.Lambda(lambda t: K.sum(t, axis=1))(inp)
    assert out.shape == (None, 4)
    declared = layers.Lambda(lambda t: t[:, :2], output_shape=(2, 4))(inp)
    assert declared.shape == (None, 2, 4)


def test_lambda_passes_arguments_mask_and_training():
    seen = {}

    def fn(x, scale, mask=None, training=None):
        seen['training'] = training
        seen['mask'] = mask
        return x * scale

    layer = layers.Lambda(fn, arguments={'scale': 3.0}, mask=lambda x, m: m)
    x = layers.Embedding(5, 2, mask_zero=True)(np.array([[1, 0]]))
    out = layer(x, training=True)
    np.testing.assert_allclose(out.numpy(), x.numpy() * 3)
    assert seen['training'] is True and seen['mask'] is not None
    np.testing.assert_array_equal(out._keras_mask.numpy(), [[True, False]])


def test_lambda_config_holds_names_never_code():
    layer = layers.Lambda(cube, output_shape=(4,), arguments={})
    cfg = json.loads(json.dumps(layer.get_config()))
    assert cfg['function'] == 'cube' and cfg['module'] == __name__
    assert 'code' not in json.dumps(cfg)
    with pytest.raises(SavingError, match=r"'cube'.*safe mode.*safe_mode=False.*custom_objects"):
        layers.Lambda.from_config(cfg)
    assert layers.Lambda.from_config(cfg, custom_objects={'cube': cube}).function is cube
    with safe_mode_scope(False):
        assert layers.Lambda.from_config(cfg).function is cube
    assert layers.Lambda.from_config(cfg, safe_mode=False).function is cube


def test_lambda_of_a_real_lambda_needs_custom_objects_even_unsafe():
    cfg = layers.Lambda(lambda t: t + 1).get_config()
    assert cfg['function_type'] == 'lambda'
    with pytest.raises(SavingError, match='no importable name'):
        layers.Lambda.from_config(cfg, safe_mode=False)


def test_lambda_of_a_kcore_function_loads_in_safe_mode():
    cfg = json.loads(json.dumps(layers.Lambda(K.square).get_config()))
    restored = layers.Lambda.from_config(cfg)
    np.testing.assert_allclose(restored(np.array([[3.0]])).numpy(), [[9.0]])


def test_lambda_refuses_keras_bytecode():
    cfg = {'name': 'l', 'function': ['4wEAAAAAAAAA', None, None], 'function_type': 'lambda', 'module': '__main__',
           'output_shape': None, 'output_shape_type': 'raw', 'arguments': {}}
    with pytest.raises(SavingError, match='bytecode'):
        layers.Lambda.from_config(cfg, safe_mode=False)


def test_lambda_passes_the_layer_checks():
    with safe_mode_scope(False):  # the rebuilt layers import cube from this module
        out = layer_test(layers.Lambda, {'function': cube}, input_shape=(2, 3))
    assert out.shape == (2, 3)


# -- ActivityRegularization ----------------------------------------------------------------
def test_activity_regularization_adds_its_loss():
    x = _x(4, 3)
    layer = layers.ActivityRegularization(l1=0.1, l2=0.2)
    out = layer(x)
    np.testing.assert_array_equal(out.numpy(), x)
    (loss,) = layer.losses
    np.testing.assert_allclose(float(loss), (0.1 * np.abs(x).sum() + 0.2 * (x ** 2).sum()) / 4, rtol=1e-5)
    assert 'activity_regularizer' not in layer.get_config()


# -- activation layers ----------------------------------------------------------------------
ACTIVATION_REFERENCES = [
    (layers.ReLU, {}, lambda x: np.maximum(x, 0)),
    (layers.ReLU, {'max_value': 0.5, 'negative_slope': 0.1, 'threshold': 0.2},
     lambda x: np.where(x >= 0.2, np.minimum(x, 0.5), 0.1 * (x - 0.2))),
    (layers.LeakyReLU, {}, lambda x: np.where(x > 0, x, 0.3 * x)),
    (layers.LeakyReLU, {'alpha': 0.1}, lambda x: np.where(x > 0, x, 0.1 * x)),
    (layers.ELU, {'alpha': 0.7}, lambda x: np.where(x > 0, x, 0.7 * (np.exp(x) - 1))),
    (layers.ThresholdedReLU, {'theta': 0.3}, lambda x: np.where(x > 0.3, x, 0)),
    (layers.Softmax, {}, lambda x: np.exp(x) / np.exp(x).sum(-1, keepdims=True)),
    (layers.Softmax, {'axis': 1}, lambda x: np.exp(x) / np.exp(x).sum(1, keepdims=True)),
]


@pytest.mark.parametrize('cls,kwargs,reference', ACTIVATION_REFERENCES)
@given(seed=kst.SEEDS)
def test_activation_layers_match_numpy(cls, kwargs, reference, seed):
    x = kst.random_array((3, 4, 5), low=-2, high=2, seed=seed)
    np.testing.assert_allclose(cls(**kwargs)(x).numpy(), reference(x.astype(np.float64)), rtol=1e-5, atol=1e-6)


def test_prelu_learns_one_slope_per_shared_group():
    layer = layers.PReLU(alpha_initializer='ones', shared_axes=[1])
    x = _x(2, 3, 4)
    layer(x)
    assert layer.alpha.shape == (1, 4)
    layer.set_weights([np.full((1, 4), 0.25, 'float32')])
    np.testing.assert_allclose(layer(x).numpy(), np.where(x < 0, 0.25 * x, x))
    with pytest.raises(ValueError, match='shared_axes'):
        layers.PReLU(shared_axes=[3])(x)


def test_softmax_mask_gives_masked_entries_no_probability():
    x = _x(2, 4)
    mask = np.array([[True, True, False, True], [False, True, True, True]])
    out = layers.Softmax()(x, mask=mask).numpy()
    np.testing.assert_allclose(out[~mask], 0, atol=1e-7)
    np.testing.assert_allclose(out.sum(-1), 1, rtol=1e-6)


def test_negative_arguments_are_refused():
    with pytest.raises(ValueError, match="negative_slope must be >= 0"):
        layers.LeakyReLU(negative_slope=-1)
    with pytest.raises(ValueError, match='theta'):
        layers.ThresholdedReLU(theta=-0.5)


# -- noise layers ----------------------------------------------------------------------------
@pytest.mark.parametrize('layer', [layers.GaussianNoise(0.5), layers.GaussianDropout(0.4),
                                   layers.AlphaDropout(0.3), layers.Dropout(0.5)])
def test_noise_layers_are_the_identity_at_inference(layer):
    x = _x(3, 4)
    np.testing.assert_array_equal(layer(x).numpy(), x)
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
    assert not np.array_equal(layer(x, training=True).numpy(), x)


def test_noise_statistics_in_training():
    x = np.ones((200, 500), 'float32')
    g = layers.GaussianNoise(0.5, seed=1)(x, training=True).numpy() - 1
    assert abs(g.mean()) < 0.01 and abs(g.std() - 0.5) < 0.01
    d = layers.GaussianDropout(0.2, seed=2)(x, training=True).numpy()
    assert abs(d.mean() - 1) < 0.01 and abs(d.std() - np.sqrt(0.2 / 0.8)) < 0.01


def test_alpha_dropout_keeps_selu_statistics():
    x = K.eval(K.selu(np.random.default_rng(3).standard_normal((400, 500)).astype('float32')))
    out = layers.AlphaDropout(0.2, seed=3)(x, training=True).numpy()
    assert abs(out.mean() - x.mean()) < 0.02 and abs(out.std() - x.std()) < 0.02


def test_seeded_noise_is_reproducible():
    x = _x(3, 4)
    a = layers.GaussianNoise(1.0, seed=7)(x, training=True).numpy()
    b = layers.GaussianNoise(1.0, seed=7)(x, training=True).numpy()
    np.testing.assert_array_equal(a, b)


@given(rate=st.floats(0.05, 0.9), seed=kst.SEEDS)
def test_gaussian_dropout_gradient_uses_the_drawn_noise(rate, seed):
    layer = layers.GaussianDropout(rate, seed=seed, dtype='float64')
    x = kst.random_array((2, 3), 'float64', seed=seed)
    t = K.variable(x, dtype='float64')
    out = layer(t, training=True)
    (g,) = K.gradients(K.sum(out), [t])
    np.testing.assert_allclose(g.numpy(), out.numpy() / x)


def test_rate_out_of_range_names_the_layer():
    with pytest.raises(ValueError, match=r"'gd'.*rate must be a number in \[0, 1\]"):
        layers.GaussianDropout(1.5, name='gd')


def test_dense_gradient_on_noncontiguous_3d_inputs():
    layer = layers.Dense(3, dtype='float64')
    x = np.random.default_rng(4).standard_normal((2, 5, 4))
    layer.build(x.shape)
    check_gradients(layer, [x], wrt=layer.trainable_weights, noncontiguous=True)


def test_keras2_engine_module_paths():
    from kcore.engine.base_layer import Layer
    from kcore.engine.input_layer import Input
    from kcore.engine.sequential import Sequential
    from kcore.engine.training import Model
    assert (Layer, Input, Model, Sequential) == (layers.Layer, kcore.Input, kcore.Model, kcore.Sequential)


def test_lambda_without_output_shape_answers_compute_output_shape_directly():
    """Keras 2: ``Lambda(f).compute_output_shape(shape)`` works without output_shape (Keras's
    layer_test asks before building); symbolic calls keep the dtype the function gives."""
    from kcore import backend as K
    layer = kcore.layers.Lambda(lambda x: K.mean(x, axis=-1))
    assert layer.compute_output_shape((3, 2, 4)) == (3, 2)
    assert layer.compute_output_shape((None, 2, 4)) == (None, 2)
    joined = kcore.layers.Lambda(lambda xs: K.concatenate(xs))
    assert joined.compute_output_shape([(None, 2), (None, 3)]) == (None, 5)
    assert np.dtype(kcore.layers.Lambda(lambda x: K.argmax(x))(kcore.layers.Input((4,))).dtype).kind == 'i'
