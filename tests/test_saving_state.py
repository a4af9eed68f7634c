"""A file in safe mode may name only pure K functions, and a failed load changes nothing (issue 15, attack 4)."""
import random

import numpy as np
import pytest

import kcore
from helpers.saving_attacks import edit_h5, rewrite_config
from kcore import backend as K
from kcore.runtime import phase
from kcore.errors import SavingError
from kcore.layers import Activation
from kcore.models import Sequential, load_model, model_from_json

SETTERS = [('set_epsilon', [0.5]), ('set_floatx', ['float64']), ('set_image_data_format', ['channels_first']),
           ('set_learning_phase', [1]), ('print_tensor', []), ('random_uniform', [[2]]), ('dropout', [0.5]),
           ('zeros', [[10 ** 9]]), ('set_value', [0]), ('update', [0])]


def _process_state():
    return (K.epsilon(), K.floatx(), K.image_data_format(), phase.current(), phase._global['value'],
            random.getstate(), str(np.random.get_state()[1][:8]))


def _lambda(name, args):
    return {'class_name': 'Lambda', 'config': {'name': 'lam', 'function': name, 'module': 'kcore.backend',
                                                'function_type': 'function', 'output_shape_type': 'raw',
                                                'arguments': {'x%d' % i: a for i, a in enumerate(args)}}}


def _file_with(path, layer):
    Sequential([Activation('linear', input_shape=(3,), name='lam')]).save(path)
    with edit_h5(path) as f:
        import json
        config = json.loads(f.attrs['model_config'])
        config['config']['layers'] = [config['config']['layers'][0], layer] \
            if config['config']['layers'][0]['class_name'] == 'InputLayer' else [layer]
        if layer['class_name'] == 'Lambda' and 'batch_input_shape' not in layer['config']:
            layer['config']['batch_input_shape'] = [None, 3]
        rewrite_config(f, config)
    return path


@pytest.mark.parametrize('name, args', SETTERS, ids=[s[0] for s in SETTERS])
def test_a_lambda_naming_a_setter_is_refused_and_changes_nothing(tmp_path, capfd, name, args):
    path = _file_with(tmp_path / 'm.h5', _lambda(name, args))
    before = _process_state()
    with pytest.raises(SavingError, match='not a pure function'):
        load_model(path)
    assert _process_state() == before
    assert capfd.readouterr().out == ''
    config = {'class_name': 'Sequential', 'config': {'name': 's', 'layers': [_lambda(name, args)]}}
    config['config']['layers'][0]['config']['batch_input_shape'] = [None, 3]
    import json
    with pytest.raises(SavingError, match='not a pure function'):
        model_from_json(json.dumps(config))
    assert _process_state() == before


def test_a_pure_function_still_loads(tmp_path):
    path = _file_with(tmp_path / 'm.h5', _lambda('square', []))
    model = load_model(path)
    np.testing.assert_allclose(model.predict(np.full((1, 3), 2.0, 'float32')), 4.0)


def test_outside_safe_mode_the_named_function_is_used(tmp_path):
    path = _file_with(tmp_path / 'm.h5', _lambda('ones_like', []))
    assert load_model(path, safe_mode=False) is not None


def test_an_op_layer_cannot_name_a_setter(tmp_path):
    layer = {'class_name': 'OpLayer', 'config': {'name': 'op', 'function': 'set_epsilon', 'args': [0.5],
                                                  'kwargs': {}}}
    before = _process_state()
    with pytest.raises(kcore.errors.KcoreError):
        model_from_json('{"class_name": "Sequential", "config": {"name": "s", "layers": [%s]}}'
                        % __import__('json').dumps(layer))
    assert _process_state() == before


def test_every_setter_is_restored_when_a_load_fails_after_it_ran(tmp_path, monkeypatch):
    """Even if something did change a setting mid-load (a custom layer of the user's), failure restores it."""
    from kcore.saving import hdf5_format
    path = _file_with(tmp_path / 'm.h5', _lambda('square', []))
    real = hdf5_format.rebuild

    def meddling_rebuild(*a, **k):
        K.set_epsilon(0.5)
        K.set_floatx('float64')
        K.set_image_data_format('channels_first')
        K.set_learning_phase(1)
        kcore.utils.set_random_seed(1234)
        real(*a, **k)
        raise SavingError('failed after meddling')
    monkeypatch.setattr(hdf5_format, 'rebuild', meddling_rebuild)
    before = _process_state()
    with pytest.raises(SavingError, match='after meddling'):
        load_model(path)
    assert _process_state() == before
