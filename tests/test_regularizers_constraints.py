"""Regularizers and constraints: values, names, configs, and their effect in layers and training."""
import json

import numpy as np
import pytest
from hypothesis import given

from kcore import Sequential, constraints, layers, regularizers
from kcore.autodiff import Tensor
from kcore.saving.serialization import serialize
from kcore.testing import check_gradients
from kcore.testing import strategies as kst


@given(w=kst.arrays(kst.shapes(min_rank=1, max_rank=3), 'float64'))
def test_regularizer_values(w):
    t = Tensor(w)
    np.testing.assert_allclose(float(regularizers.get('l1')(t)), 0.01 * np.abs(w).sum(), rtol=1e-10)
    np.testing.assert_allclose(float(regularizers.get('l2')(t)), 0.01 * (w ** 2).sum(), rtol=1e-10)
    both = regularizers.l1_l2(l1=0.1, l2=0.2)(t)
    np.testing.assert_allclose(float(both), 0.1 * np.abs(w).sum() + 0.2 * (w ** 2).sum(), rtol=1e-10)
    assert float(regularizers.L1L2()(t)) == 0.0


def test_regularizer_gradients():
    w = np.random.default_rng(0).normal(size=(3, 4))
    check_gradients(lambda t: regularizers.l1_l2(0.3, 0.7)(t), [w])


@pytest.mark.parametrize('reg', [regularizers.L1(0.5), regularizers.L2(0.25), regularizers.L1L2(0.1, 0.2)])
def test_regularizer_config_round_trip(reg):
    again = regularizers.get(json.loads(json.dumps(serialize(reg))))
    assert type(again) is type(reg) and again.get_config() == reg.get_config()


def test_weight_regularizers_become_layer_losses():
    layer = layers.Dense(2, kernel_regularizer='l2', bias_regularizer=regularizers.l1(0.5),
                         bias_initializer='ones')
    layer.build((None, 3))
    kernel = layer.get_weights()[0]
    values = sorted(float(v) for v in layer.losses)
    np.testing.assert_allclose(values, sorted([0.01 * (kernel ** 2).sum(), 0.5 * 2.0]), rtol=1e-5)
    layer.trainable = False
    assert len(layer.trainable_weights) == 0


CONSTRAINT_REFERENCES = {
    'max_norm': lambda w: w * np.minimum(np.linalg.norm(w, axis=0), 2) / (1e-7 + np.linalg.norm(w, axis=0)),
    'non_neg': lambda w: np.maximum(w, 0),
    'unit_norm': lambda w: w / (1e-7 + np.linalg.norm(w, axis=0)),
    'min_max_norm': lambda w: w * np.clip(np.linalg.norm(w, axis=0), 0, 1) / (1e-7 + np.linalg.norm(w, axis=0)),
}


@pytest.mark.parametrize('name', sorted(CONSTRAINT_REFERENCES))
@given(w=kst.arrays(kst.shapes(min_rank=2, max_rank=2), 'float64', -3, 3))
def test_constraint_values(name, w):
    np.testing.assert_allclose(constraints.get(name)(Tensor(w)).numpy(), CONSTRAINT_REFERENCES[name](w),
                               rtol=1e-6, atol=1e-9)


def test_constraint_aliases_and_configs():
    assert isinstance(constraints.get('maxnorm'), constraints.MaxNorm)
    c = constraints.MinMaxNorm(min_value=0.5, max_value=2.0, rate=0.5, axis=1)
    again = constraints.get(json.loads(json.dumps(serialize(c))))
    assert again.get_config() == c.get_config()
    with pytest.raises(ValueError, match='Could not interpret'):
        constraints.get(3)


def test_constraint_is_applied_after_each_training_step():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 3)).astype('float32')
    y = -x.sum(1, keepdims=True)  # pushes the kernel negative
    model = Sequential([layers.Dense(1, input_shape=(3,), kernel_constraint='non_neg',
                                     bias_constraint=constraints.MaxNorm(0.1))])
    model.compile('sgd', 'mse')
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    kernel, bias = model.get_weights()
    assert (kernel >= 0).all() and np.abs(bias).max() <= 0.1 + 1e-6
