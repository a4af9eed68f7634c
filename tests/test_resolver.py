"""One resolver (``kcore.serialization.resolve``) behind every ``get()`` and ``compile``:
an unknown name gives the same message wherever it is looked up."""
import numpy as np
import pytest

import kcore
from kcore import activations, constraints, initializers, losses, metrics, optimizers, plugins, regularizers
from kcore.errors import UnknownNameError
from kcore.serialization import resolve
from kcore.testing import isolated
from kcore.training import schedules


def _model():
    return kcore.Sequential([kcore.layers.Dense(2, input_shape=(3,))])


LOOKUPS = [
    ('losses', 'categorical_crossentropie', 'categorical_crossentropy',
     lambda n: _model().compile('adam', loss=n)),
    ('optimizers', 'adamm', 'adam', lambda n: _model().compile(n, loss='mse')),
    ('metrics', 'acuracy', 'accuracy', lambda n: _model().compile('adam', loss='mse', metrics=[n])),
    ('losses', 'categorical_crossentropie', 'categorical_crossentropy', losses.get),
    ('optimizers', 'adamm', 'adam', optimizers.get),
    ('layers', 'Dens', 'Dense', lambda n: kcore.layers.deserialize({'class_name': n, 'config': {}})),
    ('metrics', 'acuracy', 'accuracy', metrics.get),
    ('activations', 'rleu', 'relu', activations.get),
    ('initializers', 'glorot_unifrom', 'glorot_uniform', initializers.get),
    ('regularizers', 'l22', 'l2', regularizers.get),
    ('constraints', 'max_nrom', 'max_norm', constraints.get),
    ('schedules', 'ExponentialDecai', 'ExponentialDecay', schedules.get),
]


@pytest.mark.parametrize('kind, name, close, lookup', LOOKUPS)
def test_an_unknown_name_gives_the_registry_message_everywhere(kind, name, close, lookup):
    with pytest.raises(UnknownNameError) as reference:
        plugins.registry(kind).get(name)
    with pytest.raises(UnknownNameError) as raised:
        lookup(name)
    assert str(raised.value) == str(reference.value)
    assert 'Did you mean: ' in str(raised.value) and repr(close) in str(raised.value)
    assert 'kcore.plugins.register' in str(raised.value)


def test_a_name_a_plugin_provides_gives_the_pip_install_line(monkeypatch):
    with isolated():
        monkeypatch.setenv('KCORE_DISABLE_PLUGINS', 'losses')
        for lookup in (losses.get, lambda n: _model().compile('adam', loss=n),
                       lambda n: losses.deserialize({'class_name': n, 'config': {}})):
            with pytest.raises(UnknownNameError, match='Huber.*pip install kcore-losses'):
                lookup('Huber')


@pytest.mark.parametrize('kind, identifier, expected', [
    ('optimizers', 'adam', 'Adam'), ('optimizers', optimizers.SGD, 'SGD'),
    ('losses', 'CategoricalCrossentropy', 'CategoricalCrossentropy'),
    ('metrics', {'class_name': 'Accuracy', 'config': {'name': 'acc2'}}, 'Accuracy'),
    ('initializers', 'glorot_uniform', 'GlorotUniform'), ('regularizers', 'l2', 'L2'),
    ('constraints', 'max_norm', 'MaxNorm'),
])
def test_names_configs_and_classes_become_instances(kind, identifier, expected):
    obj = resolve(kind, identifier)
    assert type(obj).__name__ == expected
    assert resolve(kind, obj) is obj  # an instance is returned as it is


def test_functions_and_none():
    assert resolve('losses', 'mse') is losses.mean_squared_error
    assert resolve('activations', np.tanh) is np.tanh
    assert resolve('losses', None) is None
    assert activations.get(None) is activations.linear


@pytest.mark.parametrize('kind, identifier', [('optimizers', 3), ('optimizers', lambda: None),
                                              ('losses', 3.5), ('schedules', 1)])
def test_what_is_not_an_object_of_the_kind_is_a_clear_error(kind, identifier):
    with pytest.raises(ValueError, match='Could not interpret .* identifier. Expected .* Received: '):
        resolve(kind, identifier)


def test_custom_objects_come_first():
    def my_loss(y_true, y_pred):
        return y_pred
    assert resolve('losses', 'my_loss', custom_objects={'my_loss': my_loss}) is my_loss
