"""Keras 2.3's optimizer defaults and rules (issue 19), ported from the behaviour Keras 2.3's
own optimizer tests check: every optimizer, with its defaults, trains a small classifier;
epsilon=None is K.epsilon(); the defaults are Keras 2.3's."""
import numpy as np
import pytest

import kcore
from kcore import backend as K
from kcore.autodiff.tensor import Variable
from kcore.training import optimizers as O

DEFAULT_LR = {'SGD': 0.01, 'RMSprop': 0.001, 'Adagrad': 0.01, 'Adadelta': 1.0, 'Adam': 0.001, 'Adamax': 0.002,
              'Nadam': 0.002}


@pytest.mark.parametrize('name, lr', sorted(DEFAULT_LR.items()))
def test_keras_2_3_default_learning_rates(name, lr):
    opt = getattr(kcore.optimizers, name)()
    assert opt.learning_rate == pytest.approx(lr)
    assert kcore.optimizers.get(name.lower()).get_config()['learning_rate'] == pytest.approx(lr)


@pytest.mark.parametrize('name', ['RMSprop', 'Adagrad', 'Adadelta', 'Adam', 'Adamax', 'Nadam'])
def test_epsilon_none_means_k_epsilon(name):
    old = K.epsilon()
    try:
        K.set_epsilon(1e-4)
        assert getattr(O, name)().epsilon == pytest.approx(1e-4)
        assert getattr(O, name)(epsilon=None).get_config()['epsilon'] == pytest.approx(1e-4)
    finally:
        K.set_epsilon(old)
    assert getattr(O, name)().epsilon == pytest.approx(old)


def test_adagrad_accumulators_start_at_zero_and_epsilon_sits_outside_the_root():
    var = Variable(np.array([1.0, 2.0], 'float64'))
    opt = O.Adagrad(epsilon=0.5)
    opt.apply_gradients([(np.array([3.0, -4.0]), var)])
    # acc = g**2, so the step is lr * g / (|g| + eps)
    np.testing.assert_allclose(var.numpy(), [1.0 - 0.01 * 3 / 3.5, 2.0 + 0.01 * 4 / 4.5])
    assert opt.get_config()['initial_accumulator_value'] == 0.0


def test_rmsprop_epsilon_sits_outside_the_root():
    var = Variable(np.array([1.0], 'float64'))
    O.RMSprop(learning_rate=0.1, rho=0.0, epsilon=1.0).apply_gradients([(np.array([2.0]), var)])
    np.testing.assert_allclose(var.numpy(), [1.0 - 0.1 * 2 / (2 + 1.0)])


def test_adadelta_epsilon_sits_inside_the_root():
    var = Variable(np.array([1.0], 'float64'))
    O.Adadelta(rho=0.0, epsilon=1.0).apply_gradients([(np.array([2.0]), var)])
    np.testing.assert_allclose(var.numpy(), [1.0 - 1.0 * 2 * np.sqrt(0 + 1.0) / np.sqrt(4 + 1.0)])


def test_keras_2_nadam_config_keeps_schedule_decay():
    keras2 = {'name': 'Nadam', 'learning_rate': 0.002, 'beta_1': 0.9, 'beta_2': 0.999, 'epsilon': 1e-07,
              'schedule_decay': 0.004}
    assert O.Nadam.from_config(keras2).schedule_decay == pytest.approx(0.004)
    assert O.Adam.from_config(dict(keras2, name='Adam')).beta_1 == 0.9


def _data():
    rng = np.random.default_rng(1337)
    x = rng.standard_normal((200, 8)).astype('float32')
    y = kcore.utils.to_categorical((x[:, :4].sum(1) > x[:, 4:].sum(1)).astype('int64'), 2)
    return x, y


@pytest.mark.parametrize('name', sorted(DEFAULT_LR))
def test_each_optimizer_with_its_defaults_trains_a_classifier(name):
    """Keras 2.3's optimizer test: a small MLP reaches high accuracy with the default settings."""
    kcore.utils.set_random_seed(0)
    x, y = _data()
    model = kcore.Sequential([kcore.layers.Dense(16, activation='relu', input_shape=(8,)),
                              kcore.layers.Dense(2, activation='softmax')])
    model.compile(getattr(kcore.optimizers, name)(), 'categorical_crossentropy', metrics=['accuracy'])
    epochs = 30 if name in ('SGD', 'RMSprop', 'Adam', 'Adamax', 'Nadam') else 12
    model.fit(x, y, epochs=epochs, batch_size=16, verbose=0)
    assert model.evaluate(x, y, verbose=0)[1] >= 0.85


def test_deserialize_matches_builtin_names_case_insensitively_as_keras():
    config = kcore.optimizers.serialize(kcore.optimizers.Adam(learning_rate=0.01))
    assert config['class_name'] == 'Adam'
    opt = kcore.optimizers.deserialize(config)
    assert isinstance(opt, kcore.optimizers.Adam) and opt.learning_rate == pytest.approx(0.01)
    assert config['class_name'] == 'adam'  # Keras 2.3 lower-cases the dict it was given
    assert isinstance(kcore.optimizers.deserialize({'class_name': 'RMSPROP', 'config': {}}), kcore.optimizers.RMSprop)
