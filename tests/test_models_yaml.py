"""``model.to_yaml`` / ``kcore.models.model_from_yaml`` (Keras 2; optional PyYAML): round trips,
safe reading (no Python tags, no aliases, bounded size) and the error without PyYAML."""
import sys

import numpy as np
import pytest

import kcore
from kcore import layers
from kcore.engine import saving as engine_saving
from kcore.models import model_from_yaml

yaml = pytest.importorskip('yaml')


def _functional():
    a, b = kcore.Input((3,), name='a'), kcore.Input((2,), name='b')
    x = layers.concatenate([layers.Dense(4, activation='relu', name='d1')(a), b])
    return kcore.Model([a, b], layers.Dense(1, name='out')(x))


def test_round_trip_rebuilds_the_architecture():
    for model in (kcore.Sequential([layers.Dense(5, input_shape=(3,), activation='tanh'), layers.Dense(2)]),
                  _functional()):
        text = model.to_yaml(default_flow_style=False)
        assert 'class_name' in text and isinstance(yaml.safe_load(text), dict)
        clone = model_from_yaml(text)
        assert type(clone) is type(model)
        assert [type(layer).__name__ for layer in clone.layers] == [type(layer).__name__ for layer in model.layers]
        assert clone.to_json() == model.to_json()
        clone.set_weights(model.get_weights())
        inputs = [np.ones((2, s[-1]), 'float32') for s in model.input_shape] \
            if isinstance(model.input_shape, list) else np.ones((2, 3), 'float32')
        np.testing.assert_allclose(clone.predict(inputs), model.predict(inputs), rtol=1e-6)
    assert engine_saving.model_from_yaml is model_from_yaml


def test_python_tags_aliases_and_junk_are_refused():
    with pytest.raises(ValueError, match='not valid YAML'):
        model_from_yaml("!!python/object/apply:os.system ['echo pwned']")
    bomb = 'a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\nclass_name: Sequential\n'
    with pytest.raises(ValueError, match='alias'):
        model_from_yaml(bomb)
    with pytest.raises(ValueError, match="'class_name'"):
        model_from_yaml('- just\n- a list\n')
    with pytest.raises(ValueError, match='at most'):
        model_from_yaml('class_name: Sequential\n' + '#' * (33 * 2 ** 20))


def test_without_pyyaml_the_error_names_the_package(monkeypatch):
    monkeypatch.setitem(sys.modules, 'yaml', None)  # import yaml now raises ImportError
    model = kcore.Sequential([layers.Dense(1, input_shape=(2,))])
    with pytest.raises(ImportError, match='pip install pyyaml'):
        model.to_yaml()
    with pytest.raises(ImportError, match='model_from_yaml needs PyYAML'):
        model_from_yaml('class_name: Sequential')
