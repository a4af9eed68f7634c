"""The layer checks that put a layer in a model (HDF5 save/load, training), the
registry helpers, and the pieces of the kit that need no hypothesis."""
import subprocess
import sys

import numpy as np
import pytest

from kcore import backend as K
from kcore import layers
from kcore.errors import UnknownNameError
from kcore.models import Sequential
from kcore.plugins import registered
from kcore.testing import layer_test, registered_by, registered_examples, registered_names
from kcore.testing.layer_test import DEFAULT_CHECKS, check_config, check_output, check_save_load, check_training
from kcore.testing.training_steps import assert_lowered, train_steps


class Scale(layers.Layer):
    """A correct little layer: ``x * w`` with one weight per feature."""

    def build(self, input_shape):
        self.w = self.add_weight('w', (input_shape[-1],), initializer='random_uniform')

    def call(self, x):
        return x * self.w

    def compute_output_shape(self, input_shape):
        return input_shape


def test_the_default_checks_include_saving_and_training():
    assert check_save_load in DEFAULT_CHECKS and check_training in DEFAULT_CHECKS
    assert DEFAULT_CHECKS.index(check_save_load) > DEFAULT_CHECKS.index(check_output)


def test_state_that_is_not_a_weight_is_caught_by_the_save_load_check():
    class Shifted(Scale):
        """Carries a shift through get/set_weights, but never makes it a weight: HDF5 loses it."""

        def build(self, input_shape):
            super().build(input_shape)
            self.shift = np.random.uniform(0.5, 1.0, size=input_shape[-1:]).astype('float32')

        def call(self, x):
            return x * self.w + self.shift

        def get_weights(self):
            return super().get_weights() + [self.shift]

        def set_weights(self, weights):
            super().set_weights(weights[:-1])
            self.shift = np.asarray(weights[-1])
    layer_test(Shifted, {}, input_shape=(2, 3), checks=[check_output, check_config])  # blind to it
    with pytest.raises(AssertionError, match='saved to HDF5 and loaded back'):
        layer_test(Shifted, {}, input_shape=(2, 3))


def test_unregistered_classes_nested_in_a_layer_need_custom_objects():
    def factory():
        return Sequential([Scale()])
    with pytest.raises(UnknownNameError, match='custom_objects'):
        layer_test(factory=factory, input_shape=(2, 3))
    out = layer_test(factory=factory, input_shape=(2, 3), custom_objects={'Scale': Scale})
    assert out.shape == (2, 3)


def test_a_registered_layer_loads_without_custom_objects():
    with registered(Scale):
        seen = []

        def spy(case):
            seen.append(case.loading_objects())
            check_save_load(case)
        layer_test(Scale, {}, input_shape=(2, 3), checks=[check_output, spy])
    assert seen == [{}]


def test_weights_that_do_not_learn_are_caught_by_the_training_check():
    class Frozen(Scale):
        def call(self, x):
            return x * K.stop_gradient(self.w)
    with pytest.raises(AssertionError, match='did not lower the loss'):
        layer_test(Frozen, {}, input_shape=(4, 3), checks=[check_output, check_training])


def test_weightless_layers_skip_training_and_trainable_ones_learn():
    layer_test(layers.Activation, {'activation': 'tanh'}, input_shape=(2, 3), checks=[check_output, check_training])
    layer_test(Scale, {}, input_shape=(4, 3), checks=[check_output, check_training])


def test_a_layer_with_dropout_inside_trains_deterministically():
    class NoisyScale(Scale):
        def call(self, x, training=None):
            return K.dropout(x * self.w, 0.5) if training else x * self.w
    layer_test(NoisyScale, {}, input_shape=(4, 3))


def test_train_steps_repeat_and_give_the_random_state_back():
    def model():
        m = Sequential([layers.Dense(2, kernel_initializer='ones', input_shape=(3,)), layers.Dropout(0.5)])
        m.compile(optimizer='sgd', loss='mse')
        return m
    x, y = np.ones((4, 3), 'float32'), np.zeros((4, 2), 'float32')
    np.random.seed(7)
    before = np.random.get_state()[1].copy()
    first, second = train_steps(model(), x, y, 3, seed=1), train_steps(model(), x, y, 3, seed=1)
    assert first == second and len(first) == 4
    assert (np.random.get_state()[1] == before).all()
    assert_lowered([2.0, 1.0], 'ok', '')
    for bad in ([1.0, 1.0], [1.0, 2.0], [1.0, float('nan')]):
        with pytest.raises(AssertionError, match='did not lower'):
            assert_lowered(bad, 'x', 'fix it')


def test_registered_names_drop_aliases_and_filter_by_distribution():
    names = registered_names('layers')
    assert 'Dense' in names and 'Convolution2D' not in names
    assert names == sorted(names)
    assert registered_names('layers', distribution='kcore') == registered_names('layers', distribution='KCORE')
    assert 'Dense' in registered_names('layers', distribution='kcore')
    assert not registered_names('layers', distribution='no-such-distribution')
    cls, examples = registered_examples('layers', 'Dense')
    assert cls is layers.Dense and all('input_shape' in e for e in examples)
    assert registered_by('layers', 'Dense').startswith('kcore ')
    with registered(Scale):
        assert registered_examples('layers', 'Scale') == (Scale, [])
        assert 'in-process' in registered_by('layers', 'Scale')


def test_the_kit_imports_without_hypothesis():
    code = ('import sys; sys.modules["hypothesis"] = None\n'
            'import kcore.testing as t\n'
            'from kcore.layers import Dense\n'
            'print(t.layer_test(Dense, {"units": 2}, input_shape=(2, 3)).shape)\n'
            'try:\n    import kcore.testing.strategies\nexcept ImportError:\n    print("strategies need hypothesis")\n')
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split('\n')[:2] == ['(2, 2)', 'strategies need hypothesis']
