"""kcore.testing.layer_test and kcore.testing.strategies: they pass good layers and
catch each kind of broken one."""
import numpy as np
import pytest
from hypothesis import given

from kcore import backend as K
from kcore import layers
from kcore.autodiff import Tensor, apply
from kcore.plugins import register, unregister
from kcore.testing import layer_test
from kcore.testing import strategies as kst
from kcore.testing.layer_test import DEFAULT_CHECKS, check_output


class Scale(layers.Layer):
    """A correct little layer: ``x * w`` with one weight per feature."""

    def __init__(self, init=1.0, **kwargs):
        super().__init__(**kwargs)
        self.init = init

    def build(self, input_shape):
        self.w = self.add_weight('w', (input_shape[-1],), initializer='random_uniform')

    def call(self, x):
        return x * self.w * self.init

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        cfg = super().get_config()
        cfg['init'] = self.init
        return cfg


def test_a_correct_layer_passes_and_its_output_is_returned():
    data = np.arange(6, dtype='float32').reshape(2, 3)
    out = layer_test(Scale, {'init': 2.0}, input_data=data)
    assert out.shape == (2, 3) and out.dtype == np.float32


def test_expected_output_and_shape_are_checked():
    layer_test(layers.Activation, {'activation': 'relu'}, input_data=np.array([[-1.0, 2.0]], 'float32'),
               expected_output=np.array([[0.0, 2.0]]), expected_output_shape=(None, 2))
    with pytest.raises(AssertionError, match='expected_output'):
        layer_test(layers.Activation, {'activation': 'relu'}, input_data=np.array([[-1.0, 2.0]], 'float32'),
                   expected_output=np.array([[1.0, 2.0]]))
    with pytest.raises(AssertionError, match=r'output shape\(s\)'):
        layer_test(layers.Activation, {'activation': 'relu'}, input_shape=(2, 3), expected_output_shape=(None, 4))


def test_wrong_compute_output_shape_is_caught():
    class Liar(Scale):
        def compute_output_shape(self, input_shape):
            return input_shape[:-1] + (7,)
    with pytest.raises(AssertionError, match='compute_output_shape says'):
        layer_test(Liar, {}, input_shape=(2, 3))


def test_incomplete_config_is_caught():
    class Forgetful(Scale):
        def get_config(self):
            cfg = layers.Layer.get_config(self)
            return cfg  # forgets init
    with pytest.raises(AssertionError, match='rebuilt from its config'):
        layer_test(Forgetful, {'init': 3.0}, input_shape=(2, 3))


def test_non_json_config_is_caught():
    class Opaque(Scale):
        def get_config(self):
            cfg = super().get_config()
            cfg['init'] = object()
            return cfg
    with pytest.raises(AssertionError, match='not JSON-serializable'):
        layer_test(Opaque, {}, input_shape=(2, 3))


def test_silent_float64_upcast_is_caught():
    class Upcast(Scale):
        def call(self, x):
            return K.cast(x, 'float64') * 2.0
    with pytest.raises(AssertionError, match='no silent up-casts'):
        layer_test(Upcast, {}, input_shape=(2, 3))


def test_wrong_gradient_is_caught():
    def bad_square(x):
        return x * x, lambda g, needs: (g * x,)  # should be 2 * g * x
    register(bad_square, kind='kernels', name='bad_square_for_test')
    try:
        class BadGrad(Scale):
            def call(self, x):
                return apply('bad_square_for_test', x) * self.w
        with pytest.raises(AssertionError, match='gradient mismatch'):
            layer_test(BadGrad, {}, input_shape=(2, 3))
    finally:
        unregister(bad_square, kind='kernels')


def test_downcast_inside_a_float64_layer_is_caught():
    class Downcast(Scale):
        def call(self, x):
            return K.cast(x * self.w, 'float32')
    with pytest.raises(AssertionError, match='casts down'):
        layer_test(Downcast, {}, input_shape=(2, 3))


def test_checks_are_pluggable():
    seen = []

    def my_check(case):
        seen.append((type(case.layer).__name__, case.output.shape))
    layer_test(Scale, {}, input_shape=(4, 2), checks=DEFAULT_CHECKS + [my_check])
    assert seen == [('Scale', (4, 2))]
    layer_test(Scale, {}, input_shape=(4, 2), checks=[check_output])


def test_multiple_inputs_factories_and_call_kwargs():
    out = layer_test(layers.Concatenate, {}, input_shape=[(2, 3), (2, 1)])
    assert out.shape == (2, 4)
    out = layer_test(factory=lambda: layers.BatchNormalization(), input_shape=(5, 3),
                     call_kwargs={'training': True})
    np.testing.assert_allclose(out.mean(0), 0, atol=1e-5)
    ids = layer_test(layers.Embedding, {'input_dim': 4, 'output_dim': 2}, input_shape=(3, 2), input_dtype='int32',
                     input_range=(0, 4))
    assert ids.shape == (3, 2, 2)
    with pytest.raises(TypeError, match='input_shape'):
        layer_test(Scale, {})


@given(shape=kst.shapes(min_rank=2, max_rank=3, min_side=2, max_side=3), data=kst.arrays((2, 3), 'float64', 5, 6))
def test_strategies_respect_their_bounds(shape, data):
    assert 2 <= len(shape) <= 3 and all(2 <= d <= 3 for d in shape)
    assert data.shape == (2, 3) and data.dtype == np.float64 and data.min() >= 5 and data.max() < 6


@given(case=kst.layer_inputs({'kwargs': {'input_dim': 5, 'output_dim': 2}, 'input_shape': [(2, 3), (2, 4)],
                              'input_dtype': 'int32', 'input_range': (0, 5)}))
def test_layer_inputs_vary_the_batch_and_keep_dtype_and_range(case):
    a, b = case['input_data']
    assert a.shape == (case['batch_size'], 3) and b.shape == (case['batch_size'], 4)
    assert a.dtype == np.int32 and a.min() >= 0 and a.max() < 5
    assert case['kwargs'] == {'input_dim': 5, 'output_dim': 2}


def test_random_array_kinds():
    assert kst.random_array((3,), 'bool').dtype == bool
    assert Tensor(kst.random_array((2,), 'float32')).dtype == np.float32
