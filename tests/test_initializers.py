"""Initializers: by string and class, their distributions, seeds and configs."""
import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kcore import initializers, layers
from kcore.errors import UnknownNameError
from kcore.saving.serialization import deserialize, serialize

NAMES = ['zeros', 'ones', 'constant', 'random_normal', 'random_uniform', 'truncated_normal', 'glorot_uniform',
         'glorot_normal', 'he_uniform', 'he_normal', 'lecun_uniform', 'lecun_normal', 'orthogonal', 'identity',
         'variance_scaling', 'normal', 'uniform', 'zero', 'one']


@pytest.mark.parametrize('name', NAMES)
def test_every_name_resolves_and_makes_float32_arrays_of_the_shape(name):
    init = initializers.get(name)
    assert isinstance(init, initializers.Initializer)
    value = init((4, 4))
    assert value.shape == (4, 4) and value.dtype == np.float32
    assert init((3, 3), dtype='float64').dtype == np.float64
    again = initializers.get(json.loads(json.dumps(serialize(init))))
    assert type(again) is type(init) and again.get_config() == init.get_config()


def test_classes_instances_and_callables_are_accepted():
    assert isinstance(initializers.get(initializers.HeNormal), initializers.HeNormal)
    inst = initializers.Constant(2.5)
    assert initializers.get(inst) is inst
    fn = lambda shape, dtype=None: np.full(shape, 7.0, dtype)  # noqa: E731
    assert initializers.get(fn) is fn
    assert initializers.get(None) is None
    with pytest.raises(UnknownNameError, match="glorot_uniform"):
        initializers.get('glorot_uniformm')


def test_constant_zeros_ones_identity():
    np.testing.assert_array_equal(initializers.get('zeros')((2, 3)), np.zeros((2, 3)))
    np.testing.assert_array_equal(initializers.get('ones')((2,)), np.ones(2))
    np.testing.assert_array_equal(initializers.Constant(3.0)((2, 2)), np.full((2, 2), 3.0))
    np.testing.assert_array_equal(initializers.Identity(gain=2.0)((2, 3)), 2 * np.eye(2, 3))
    with pytest.raises(ValueError, match='2-D'):
        initializers.Identity()((2, 2, 2))


def _limit(scale, fan):
    return np.sqrt(3.0 * scale / fan)


@pytest.mark.parametrize('name,scale,mode', [('glorot_uniform', 1.0, 'avg'), ('he_uniform', 2.0, 'in'),
                                             ('lecun_uniform', 1.0, 'in')])
def test_uniform_variance_scaling_limits(name, scale, mode):
    shape = (200, 100)
    fan = {'avg': 150.0, 'in': 200.0}[mode]
    w = initializers.get(name)(shape)
    limit = _limit(scale, fan)
    assert np.abs(w).max() <= limit
    assert abs(w.std() - limit / np.sqrt(3)) < 0.05 * limit


@pytest.mark.parametrize('name,scale,fan', [('glorot_normal', 1.0, 150.0), ('he_normal', 2.0, 200.0),
                                            ('lecun_normal', 1.0, 200.0)])
def test_normal_variance_scaling_is_truncated_with_the_target_variance(name, scale, fan):
    w = initializers.get(name)((200, 100))
    std = np.sqrt(scale / fan)
    assert abs(w.std() - std) < 0.05 * std
    assert np.abs(w).max() <= 2 * std / 0.87962566103423978 + 1e-6


def test_convolution_fans():
    assert initializers.compute_fans((3, 3, 4, 8)) == (36, 72)
    assert initializers.compute_fans((5,)) == (5, 5)


def test_random_defaults_match_keras():
    u = initializers.get('uniform')((1000,))
    assert u.min() >= -0.05 and u.max() <= 0.05
    n = initializers.RandomNormal()((20000,))
    assert abs(n.std() - 0.05) < 0.002
    t = initializers.TruncatedNormal(stddev=1.0)((20000,))
    assert np.abs(t).max() <= 2.0


@given(rows=st.integers(1, 6), cols=st.integers(1, 6), gain=st.floats(0.5, 2.0))
def test_orthogonal_rows_or_columns_are_orthonormal(rows, cols, gain):
    w = initializers.Orthogonal(gain=gain, seed=1)((rows, cols)).astype(np.float64)
    gram = w.T @ w if rows >= cols else w @ w.T
    np.testing.assert_allclose(gram, gain ** 2 * np.eye(min(rows, cols)), atol=1e-5)


def test_seeded_initializers_repeat_and_unseeded_do_not():
    a = initializers.GlorotUniform(seed=3)((4, 4))
    b = initializers.GlorotUniform(seed=3)((4, 4))
    np.testing.assert_array_equal(a, b)
    c = initializers.GlorotUniform()
    assert not np.array_equal(c((4, 4)), c((4, 4)))


def test_variance_scaling_argument_errors():
    with pytest.raises(ValueError, match='scale must be positive'):
        initializers.VarianceScaling(scale=0)
    with pytest.raises(ValueError, match='mode'):
        initializers.VarianceScaling(mode='fan_sideways')
    assert initializers.VarianceScaling(distribution='normal').distribution == 'truncated_normal'


def test_layers_use_initializers_by_string_and_config():
    layer = layers.Dense(3, kernel_initializer='ones', bias_initializer={'class_name': 'Constant',
                                                                         'config': {'value': 2.0}})
    layer.build((None, 2))
    np.testing.assert_array_equal(layer.get_weights()[0], np.ones((2, 3)))
    np.testing.assert_array_equal(layer.get_weights()[1], np.full(3, 2.0))
    assert deserialize(serialize(layer.bias_initializer), 'initializers').value == 2.0
