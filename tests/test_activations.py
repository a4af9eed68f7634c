"""Activation functions: values against NumPy (Keras's definitions), gradients, names."""
import math

import numpy as np
import pytest
from hypothesis import given

from kcore import activations, layers
from kcore.autodiff import Tensor
from kcore.errors import UnknownNameError
from kcore.testing import check_gradients
from kcore.testing import strategies as kst

_erf = np.vectorize(math.erf)
SELU_A, SELU_S = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


REFERENCES = {
    'relu': lambda x: np.maximum(x, 0),
    'sigmoid': _sigmoid,
    'hard_sigmoid': lambda x: np.clip(0.2 * x + 0.5, 0, 1),
    'tanh': np.tanh,
    'softmax': lambda x: np.exp(x) / np.exp(x).sum(-1, keepdims=True),
    'softplus': lambda x: np.log1p(np.exp(x)),
    'softsign': lambda x: x / (1 + np.abs(x)),
    'elu': lambda x: np.where(x > 0, x, np.expm1(x)),
    'selu': lambda x: SELU_S * np.where(x > 0, x, SELU_A * np.expm1(x)),
    'gelu': lambda x: 0.5 * x * (1 + _erf(x / np.sqrt(2))),
    'swish': lambda x: x * _sigmoid(x),
    'silu': lambda x: x * _sigmoid(x),
    'linear': lambda x: x,
    'exponential': np.exp,
    'leaky_relu': lambda x: np.where(x > 0, x, 0.2 * x),
    'relu6': lambda x: np.clip(x, 0, 6),
    'log_softmax': lambda x: x - np.log(np.exp(x).sum(-1, keepdims=True)),
}


@pytest.mark.parametrize('name', sorted(REFERENCES))
@given(x=kst.arrays(kst.shapes(min_rank=1, max_rank=3), 'float64', -4, 4))
def test_activation_matches_its_definition(name, x):
    fn = activations.get(name)
    np.testing.assert_allclose(fn(Tensor(x)).numpy(), REFERENCES[name](x), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize('name', sorted(set(REFERENCES) - {'relu', 'relu6', 'hard_sigmoid', 'leaky_relu'}))
@given(x=kst.arrays(kst.shapes(min_rank=1, max_rank=3), 'float64', -3, 3))
def test_smooth_activation_gradients(name, x):
    check_gradients(activations.get(name), [x])


@pytest.mark.parametrize('name', ['relu', 'relu6', 'hard_sigmoid', 'leaky_relu'])
def test_piecewise_activation_gradients_away_from_kinks(name):
    x = np.array([[-3.1, -0.7, 0.4, 1.3], [2.2, -1.9, 0.9, 7.5]])
    check_gradients(activations.get(name), [x], elementwise=True)


def test_float32_in_float32_out():
    x = np.linspace(-2, 2, 12, dtype='float32').reshape(3, 4)
    for name in REFERENCES:
        assert activations.get(name)(x).dtype == np.float32, name


def test_softmax_axis_and_relu_options():
    x = Tensor(np.random.default_rng(0).normal(size=(2, 3, 4)))
    np.testing.assert_allclose(activations.softmax(x, axis=1).numpy().sum(1), np.ones((2, 4)), rtol=1e-6)
    np.testing.assert_allclose(activations.relu(x, alpha=0.1, max_value=1.0, threshold=0.5).numpy(),
                               np.where(x.data >= 0.5, np.minimum(x.data, 1.0), 0.1 * (x.data - 0.5)), atol=1e-12)
    a = x.data
    np.testing.assert_allclose(activations.gelu(x, approximate=True).numpy(),
                               0.5 * a * (1 + np.tanh(np.sqrt(2 / np.pi) * (a + 0.044715 * a ** 3))), rtol=1e-6)


def test_get_and_serialize():
    assert activations.get(None) is activations.linear
    assert activations.get('relu') is activations.relu
    assert activations.get({'class_name': 'function', 'config': 'tanh'}) is activations.tanh
    assert activations.serialize(activations.get('swish')) in ('swish', 'silu')
    assert activations.serialize(activations.elu) == 'elu'
    fn = lambda x: x  # noqa: E731
    assert activations.get(fn) is fn
    with pytest.raises(UnknownNameError, match="'relu'"):
        activations.get('reluu')
    with pytest.raises(ValueError, match='Could not interpret'):
        activations.get(42)


def test_an_activation_layer_works_as_an_activation_argument():
    dense = layers.Dense(2, activation=layers.LeakyReLU(0.1))
    cfg = dense.get_config()
    assert cfg['activation']['class_name'] == 'LeakyReLU'
    rebuilt = layers.Dense.from_config(cfg)
    x = np.array([[1.0, -2.0]], 'float32')
    rebuilt(x)
    rebuilt.set_weights([np.eye(2, dtype='float32'), np.zeros(2, 'float32')])
    np.testing.assert_allclose(rebuilt(x).numpy(), [[1.0, -0.2]], rtol=1e-6)
