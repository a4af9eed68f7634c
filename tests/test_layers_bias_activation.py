"""Dense runs its product, bias add and activation as one ``dense`` kernel, and the conv layers
their bias add and activation as ``bias_activation`` (one launch for a device backend to fuse),
with the same numbers as before; softmax and sigmoid stay separate so that the losses still
find their logits."""
import types

import numpy as np
import pytest

import kcore
from kcore import plugins
from kcore.autodiff import fused
from kcore.backend import Backend
from kcore.plugins import hookimpl

from helpers.dists import fresh_plugins  # noqa: F401  (fixture)


class _Spy(Backend):
    name = 'bias_spy'


def _spy_plugin(calls):
    def spy(x, b, activation='linear', axis=-1):
        calls.append(activation)
        return fused.bias_activation(x, b, activation=activation, axis=axis)

    def dense_spy(x, w, b=None, activation='linear'):
        calls.append('dense ' + activation)
        return fused.dense(x, w, b, activation=activation)

    def register_backends(register):
        register(_Spy())

    def register_kernels(register):
        register(spy, name='bias_activation', backend='bias_spy')
        register(dense_spy, name='dense', backend='bias_spy')

    module = types.ModuleType('bias_spy_plugin')
    module.register_backends = hookimpl(register_backends)
    module.register_kernels = hookimpl(register_kernels)
    return module


REFERENCE = {'relu': lambda z: np.maximum(z, 0), 'tanh': np.tanh, 'softsign': lambda z: z / (1 + np.abs(z)),
             'elu': lambda z: np.where(z < 0, np.expm1(np.minimum(z, 0)), z),
             'softplus': lambda z: np.logaddexp(z, 0)}


@pytest.mark.parametrize('activation', sorted(REFERENCE))
def test_dense_runs_product_bias_and_activation_as_one_kernel(fresh_plugins, activation):
    calls = []
    x = np.random.default_rng(0).standard_normal((5, 4)).astype('float32')
    with plugins.registered(_spy_plugin(calls)):
        with kcore.device('bias_spy'):
            layer = kcore.layers.Dense(3, activation=activation, bias_initializer='random_normal')
            out = layer(kcore.backend.constant(x)).numpy()
    assert calls == ['dense ' + activation]
    w, b = layer.get_weights()
    np.testing.assert_allclose(out, REFERENCE[activation](x @ w + b), rtol=1e-5, atol=1e-6)
    assert out.dtype == np.float32


@pytest.mark.parametrize('activation, use_bias, expected', [
    ('softmax', True, ['dense linear']),   # the softmax runs apart: the loss reads its logits
    ('sigmoid', True, ['dense linear']),
    ('linear', True, ['dense linear']),
    ('relu', False, ['dense relu']),
    ('linear', False, []),                 # a bare matmul
])
def test_dense_keeps_the_logits_where_losses_need_them(fresh_plugins, activation, use_bias, expected):
    calls = []
    with plugins.registered(_spy_plugin(calls)):
        with kcore.device('bias_spy'):
            layer = kcore.layers.Dense(3, activation=activation, use_bias=use_bias)
            out = layer(kcore.backend.constant(np.ones((2, 4), dtype='float32')))
    assert calls == expected
    if activation in ('softmax', 'sigmoid'):
        assert kcore.backend.logits_of(out, activation) is not None


def test_dense_relu_gives_the_same_numbers_as_the_unfused_path():
    x = np.random.default_rng(1).standard_normal((6, 5)).astype('float32')
    layer = kcore.layers.Dense(4, activation='relu', bias_initializer='random_normal')
    fused = layer(kcore.backend.constant(x)).numpy()
    w, b = layer.get_weights()
    z = x @ w
    z += b
    np.testing.assert_array_equal(fused, np.maximum(z, 0))  # bit for bit: the same float32 operations


def test_an_unknown_activation_is_a_clear_error():
    with pytest.raises(ValueError, match=r"bias_activation: unknown activation 'gelu'\. Expected one of linear, "
                                         r'relu, sigmoid'):
        fused.bias_activation(np.ones((2, 3)), np.ones(3), activation='gelu')
    with pytest.raises(ValueError, match=r"dense: unknown activation 'gelu'"):
        fused.dense(np.ones((2, 3)), np.ones((3, 2)), activation='gelu')


@pytest.mark.parametrize('data_format', ['channels_last', 'channels_first'])
def test_conv_layers_run_bias_and_activation_as_one_kernel(fresh_plugins, data_format):
    pytest.importorskip('kcore_conv')
    calls = []
    x = np.random.default_rng(2).standard_normal((2, 5, 5, 3) if data_format == 'channels_last' else (2, 3, 5, 5))
    x = x.astype('float32')
    with plugins.registered(_spy_plugin(calls)):
        with kcore.device('bias_spy'):
            layer = kcore.layers.Conv2D(4, 3, activation='tanh', data_format=data_format,
                                        bias_initializer='random_normal')
            out = layer(kcore.backend.constant(x)).numpy()
            linear = kcore.layers.Conv2D(4, 3, data_format=data_format)
            linear.build(x.shape)
            linear.set_weights(layer.get_weights())
            reference = np.tanh(linear(kcore.backend.constant(x)).numpy())
            relu = kcore.layers.Conv2D(4, 3, activation='relu', data_format=data_format)
            relu(kcore.backend.constant(x))  # ReLU stays fused into the convolution kernel
    assert calls == ['tanh']
    np.testing.assert_allclose(out, reference, rtol=1e-5, atol=1e-6)
