"""Keras 2's function forms and lower-case aliases of initializers, constraints and
regularizers, and the names Keras 2's keras.models re-exported (issue 19)."""
import numpy as np
import pytest

import kcore
from kcore import constraints, initializers, regularizers


@pytest.mark.parametrize('name, scale, mode, distribution', [
    ('lecun_uniform', 1.0, 'fan_in', 'uniform'), ('lecun_normal', 1.0, 'fan_in', 'truncated_normal'),
    ('glorot_uniform', 1.0, 'fan_avg', 'uniform'), ('glorot_normal', 1.0, 'fan_avg', 'truncated_normal'),
    ('he_uniform', 2.0, 'fan_in', 'uniform'), ('he_normal', 2.0, 'fan_in', 'truncated_normal')])
def test_initializer_functions_are_variance_scaling(name, scale, mode, distribution):
    init = getattr(initializers, name)(seed=7)
    assert isinstance(init, initializers.VarianceScaling)
    assert init.get_config() == {'scale': scale, 'mode': mode, 'distribution': distribution, 'seed': 7}
    a, b = np.asarray(init((200, 100))), np.asarray(getattr(initializers, name)(seed=7)((200, 100)))
    np.testing.assert_array_equal(a, b)  # the seed is honoured
    fan = {'fan_in': 200, 'fan_avg': 150}[mode]
    assert a.std() == pytest.approx(np.sqrt(scale / fan), rel=0.1)
    layer = kcore.layers.Dense(3, kernel_initializer=getattr(initializers, name)(seed=1))
    assert layer(np.ones((2, 4), 'float32')).shape == (2, 3)


def test_lower_case_aliases():
    assert initializers.zeros is initializers.zero is initializers.Zeros
    assert initializers.random_uniform is initializers.uniform is initializers.RandomUniform
    assert initializers.normal is initializers.RandomNormal and initializers.orthogonal is initializers.Orthogonal
    assert constraints.max_norm is constraints.maxnorm is constraints.MaxNorm
    assert constraints.non_neg is constraints.NonNeg and constraints.unit_norm is constraints.UnitNorm
    assert np.all(np.asarray(constraints.non_neg()(kcore.backend.variable(np.array([-1.0, 2.0])))) >= 0)


@pytest.mark.parametrize('module, obj', [(constraints, constraints.max_norm(2.0)),
                                         (regularizers, regularizers.l1_l2(0.1, 0.2)),
                                         (initializers, initializers.he_uniform(seed=3))])
def test_serialize_and_deserialize_round_trip(module, obj):
    config = module.serialize(obj)
    again = module.deserialize(config)
    assert type(again) is type(obj) and again.get_config() == obj.get_config()
    assert module.deserialize_keras_object is kcore.utils.generic_utils.deserialize_keras_object


def test_keras_models_re_exports():
    from kcore.models import Input, InputLayer, K, has_arg, to_list
    assert Input is kcore.Input and InputLayer is kcore.layers.InputLayer and K is kcore.backend
    assert has_arg(lambda x, y=1: x, 'y') and to_list(3) == [3]
