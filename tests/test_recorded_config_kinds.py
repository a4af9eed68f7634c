"""Configs for free beyond layers: optimizers, losses, metrics, initializers, regularizers and
constraints record their constructor arguments, so a user's subclass with plain arguments
round-trips through get_config/from_config and model.save/load_model with no get_config."""
import numpy as np
import pytest

import kcore
from kcore import constraints, initializers, regularizers
from kcore.layers import Dense, Input
from kcore.losses import Loss
from kcore.metrics import Metric
from kcore.models import load_model
from kcore.optimizers import SGD, Optimizer
from kcore.testing import isolated


class ScaledNormal(initializers.Initializer):
    def __init__(self, scale=1.0, shift=(0.0,)):
        self.scale, self.shift = scale, shift

    def __call__(self, shape, dtype=None):
        return np.full(shape, self.scale + self.shift[0], dtype=dtype or 'float32')


class Power(regularizers.Regularizer):
    def __init__(self, factor=0.01, power=2):
        self.factor, self.power = factor, power

    def __call__(self, x):
        return self.factor * kcore.backend.sum(kcore.backend.abs(x) ** self.power)


class Clip(constraints.Constraint):
    def __init__(self, limit=1.0):
        self.limit = limit

    def __call__(self, w):
        return kcore.backend.clip(w, -self.limit, self.limit)


class ScaledMSE(Loss):
    def __init__(self, factor=1.0, reduction='sum_over_batch_size', name='scaled_mse'):
        super().__init__(reduction=reduction, name=name)
        self.factor = factor

    def call(self, y_true, y_pred):
        return self.factor * kcore.backend.mean((y_pred - y_true) ** 2, axis=-1)


class Threshold(Metric):
    def __init__(self, cutoff=0.5, name='threshold', dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.cutoff = cutoff
        self.hits = 0.0

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.hits += float(np.sum(np.asarray(kcore.backend.eval(y_pred)) > self.cutoff))

    def result(self):
        return self.hits

    def reset_state(self):
        self.hits = 0.0


class Damped(SGD):
    """A user's rule over SGD: its own argument is recorded, SGD's stay as SGD writes them."""

    def __init__(self, damping=0.5, **kwargs):
        super().__init__(**kwargs)
        self.damping = damping

    def update_step(self, g, w, lr, slots):
        super().update_step(g * self.damping, w, lr, slots)


@pytest.mark.parametrize('obj, expected', [
    (ScaledNormal(2.0, shift=[0.5]), {'scale': 2.0, 'shift': [0.5]}),
    (Power(power=1), {'power': 1}),
    (Clip(limit=3), {'limit': 3}),
    (ScaledMSE(factor=np.float32(4.0)), {'reduction': 'sum_over_batch_size', 'name': 'scaled_mse', 'factor': 4.0}),
    (Threshold(0.7, name='t'), {'name': 't', 'dtype': 'float32', 'cutoff': 0.7}),
])
def test_a_plain_subclass_config_round_trips(obj, expected):
    cfg = obj.get_config()
    assert cfg == expected
    again = type(obj).from_config(cfg)
    assert type(again) is type(obj) and again.get_config() == cfg


def test_an_optimizer_subclass_records_only_its_own_arguments():
    opt = Damped(damping=0.25, learning_rate=0.1, momentum=0.9)
    cfg = opt.get_config()
    assert cfg == dict(SGD(learning_rate=0.1, momentum=0.9).get_config(), damping=0.25)
    again = Damped.from_config(cfg)
    assert again.damping == 0.25 and again.momentum == 0.9 and again.get_config() == cfg


def test_a_hand_written_get_config_still_decides():
    class Fixed(ScaledNormal):
        def get_config(self):
            return {'scale': 9.0}

    assert Fixed(1.0).get_config() == {'scale': 9.0}


def test_an_argument_that_cannot_be_stored_is_a_clear_error():
    with pytest.raises(NotImplementedError, match=r"loss \(ScaledMSE\): get_config\(\) cannot record the "
                                                  r"constructor argument 'factor': a value of type object"):
        ScaledMSE(factor=object()).get_config()


def test_plain_subclasses_save_and_load_with_the_model(tmp_path):
    x = np.array([[1.0, 2.0], [0.5, -1.0]], dtype='float32')
    y = np.array([[1.0], [0.0]], dtype='float32')
    with isolated():
        for cls in (ScaledNormal, Power, Clip, ScaledMSE, Threshold, Damped):
            kcore.plugins.register(cls)
        model = kcore.Sequential([Input(shape=(2,)),
                                  Dense(1, kernel_initializer=ScaledNormal(0.1, shift=[0.2]),
                                        kernel_regularizer=Power(0.5, power=1), kernel_constraint=Clip(2.0))])
        model.compile(optimizer=Damped(damping=0.5, learning_rate=0.01), loss=ScaledMSE(factor=3.0),
                      metrics=[Threshold(cutoff=0.25)])
        model.fit(x, y, epochs=1, verbose=0)
        model.save(tmp_path / 'm.h5')
        loaded = load_model(tmp_path / 'm.h5')
    dense = loaded.layers[0]
    assert (dense.kernel_initializer.scale, dense.kernel_initializer.shift) == (0.1, [0.2])
    assert (dense.kernel_regularizer.factor, dense.kernel_regularizer.power) == (0.5, 1)
    assert dense.kernel_constraint.limit == 2.0
    assert isinstance(loaded.optimizer, Damped) and loaded.optimizer.damping == 0.5
    assert loaded.loss.factor == 3.0
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    np.testing.assert_allclose(loaded.evaluate(x, y, verbose=0), model.evaluate(x, y, verbose=0), rtol=1e-5)


def test_custom_objects_load_a_plain_subclass(tmp_path):
    model = kcore.Sequential([Input(shape=(2,)), Dense(1, kernel_initializer=ScaledNormal(0.3))])
    model.compile(optimizer=Damped(damping=0.1), loss=ScaledMSE(factor=2.0))
    model.save(tmp_path / 'm.h5')
    loaded = load_model(tmp_path / 'm.h5', custom_objects={'Damped': Damped, 'ScaledMSE': ScaledMSE,
                                                           'ScaledNormal': ScaledNormal})
    assert loaded.optimizer.damping == 0.1 and loaded.loss.factor == 2.0
    assert loaded.layers[0].kernel_initializer.scale == 0.3


def test_a_recording_object_still_pickles_and_keeps_its_config():
    import pickle
    for obj in (ScaledMSE(factor=2.0), Threshold(0.3), Damped(damping=0.2), ScaledNormal(0.4), Power(power=3)):
        again = pickle.loads(pickle.dumps(obj))
        assert type(again) is type(obj) and again.get_config() == obj.get_config()


def test_weight_options_keep_keras_order():
    from kcore.serialization import weight_options
    layer = Dense(2, kernel_initializer=ScaledNormal(0.5), bias_regularizer=Power(power=1))
    opts = weight_options(layer, 'kernel', 'bias')
    assert list(opts) == ['kernel_initializer', 'bias_initializer', 'kernel_regularizer', 'bias_regularizer',
                          'kernel_constraint', 'bias_constraint']
    assert opts['kernel_initializer']['config'] == {'scale': 0.5} and opts['bias_regularizer']['config'] == {'power': 1}
    assert opts['kernel_constraint'] is None
    assert {k: layer.get_config()[k] for k in opts} == opts
