"""Configs for free: a layer that keeps ``Layer.get_config`` has its constructor arguments
recorded, so a custom layer with plain arguments saves and loads with no get_config."""
import numpy as np
import pytest

import kcore
from kcore import initializers
from kcore.errors import SavingError
from kcore.layers import Dense, Input, Layer
from kcore.models import load_model
from kcore.testing import isolated


class Affine(Layer):
    """A user's layer: plain arguments, a registered initializer, no get_config."""

    def __init__(self, scale=1.0, shift=(0.0,), activation=None, initializer='zeros', **kwargs):
        super().__init__(**kwargs)
        self.scale, self.shift = scale, shift
        self.activation = kcore.activations.get(activation)
        self.initializer = initializers.get(initializer)

    def build(self, input_shape):
        self.offset = self.add_weight('offset', shape=(input_shape[-1],), initializer=self.initializer)
        super().build(input_shape)

    def call(self, inputs):
        return self.activation(inputs * self.scale + self.offset + self.shift[0])


def test_the_constructor_arguments_are_the_config():
    layer = Affine(3.0, activation='relu', initializer=initializers.Constant(0.5), name='aff')
    cfg = layer.get_config()
    assert cfg.pop('initializer')['config'] == {'value': 0.5}
    assert cfg == {'scale': 3.0, 'activation': 'relu', 'name': 'aff', 'trainable': True, 'dtype': 'float32'}
    again = Affine.from_config(layer.get_config())
    assert isinstance(again.initializer, initializers.Constant)
    assert again.scale == 3.0 and again.initializer.value == 0.5 and again.name == 'aff'


def test_a_custom_layer_with_plain_arguments_saves_and_loads(tmp_path):
    with isolated():
        kcore.plugins.register(Affine)
        model = kcore.Sequential([Input(shape=(2,)), Affine(scale=-2.0, shift=[1.5], initializer='ones'),
                                  Dense(1)])
        x = np.array([[1.0, 2.0]], dtype='float32')
        model.save(tmp_path / 'm.h5')
        loaded = load_model(tmp_path / 'm.h5')
        assert loaded.layers[0].scale == -2.0 and loaded.layers[0].shift == [1.5]
        np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_an_argument_that_cannot_be_stored_is_a_clear_error(tmp_path):
    class Holder(Layer):
        def __init__(self, thing, **kwargs):
            super().__init__(**kwargs)
            self.thing = thing

    with pytest.raises(NotImplementedError, match=r"Layer 'holder\w*' \(Holder\): get_config\(\) cannot record "
                                                  r"the constructor argument 'thing': a value of type object"):
        Holder(object()).get_config()
    with isolated():
        kcore.plugins.register(Holder)
        model = kcore.Sequential([Input(shape=(2,)), Holder(object())])
        with pytest.raises(SavingError, match='cannot record the constructor argument'):
            model.save(tmp_path / 'm.h5')


def test_a_hand_written_get_config_still_decides():
    class Renamed(Affine):
        def get_config(self):
            return dict(super(Affine, self).get_config(), scale=self.scale * 10)

    assert Renamed(scale=2.0).get_config()['scale'] == 20.0
    assert 'initializer' not in Renamed(scale=2.0).get_config()


def test_a_subclass_records_its_own_outermost_call():
    class Doubled(Affine):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(scale=factor * 2, **kwargs)

    cfg = Doubled(factor=4.0, name='d').get_config()
    assert cfg['factor'] == 4.0 and 'scale' not in cfg
    assert Doubled.from_config(cfg).scale == 8.0
