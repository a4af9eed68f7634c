"""The public API carries type hints that resolve (``typing.get_type_hints``), and the
packages ship ``py.typed`` so type checkers read them."""
import inspect
import os
import typing

import pytest

import kcore
from kcore import backend as K
from kcore.layers import Layer
from kcore.models import Model
from kcore.plugins import hookspecs
from kcore.training.trainer import Trainer

PUBLIC_METHODS = {
    Layer: ['__init__', '__call__', 'build', 'call', 'compute_output_shape', 'compute_mask', 'add_weight',
            'get_config', 'from_config', 'get_weights', 'set_weights', 'count_params', 'add_loss'],
    Model: ['get_layer', 'summary', 'save', 'save_weights', 'load_weights', 'to_json', 'get_config',
            'from_config', 'call', 'build'],
    Trainer: ['compile', 'fit', 'evaluate', 'predict', 'train_on_batch', 'test_on_batch', 'predict_on_batch',
              'train_step', 'test_step', 'predict_step'],
}
PROPERTIES = {Layer: ['weights', 'trainable_weights', 'non_trainable_weights', 'input_shape', 'output_shape'],
              Model: ['layers'], Trainer: ['metrics_names']}


def _hints(fn):
    return typing.get_type_hints(fn, globalns=vars(inspect.getmodule(fn)))


@pytest.mark.parametrize('cls', list(PUBLIC_METHODS), ids=lambda c: c.__name__)
def test_layer_model_and_trainer_methods_are_annotated(cls):
    for name in PUBLIC_METHODS[cls]:
        fn = inspect.unwrap(getattr(cls, name))
        fn = getattr(fn, '__func__', fn)
        hints = _hints(fn)
        assert 'return' in hints, '%s.%s has no return annotation' % (cls.__name__, name)
        params = [p for p in inspect.signature(fn).parameters if p not in ('self', 'cls')]
        missing = [p for p in params if p not in hints]
        assert not missing, '%s.%s: parameters without a hint: %s' % (cls.__name__, name, missing)
    for name in PROPERTIES[cls]:
        assert 'return' in _hints(getattr(cls, name).fget), '%s.%s' % (cls.__name__, name)


def test_every_hook_takes_a_register_callback_and_returns_none():
    for name, fn in vars(hookspecs).items():
        if inspect.isfunction(fn) and hasattr(fn, hookspecs.PROJECT + '_spec'):
            hints = _hints(fn)
            assert hints.get('return') is type(None), name
            assert 'register' in hints, name


def test_the_backend_functions_defined_in_python_are_annotated():
    from kcore.models import graph_function
    from kcore.runtime import ops, state
    checked = 0
    for module in (ops, state, graph_function):
        for name in sorted(set(vars(module)) & set(K.__all__)):
            fn = getattr(module, name)
            if inspect.isfunction(fn) and fn.__module__ == module.__name__ and fn.__code__.co_name == name:
                hints = _hints(fn)
                assert 'return' in hints, 'K.%s' % name
                params = [p for p in inspect.signature(fn).parameters]
                assert all(p in hints for p in params), 'K.%s' % name
                checked += 1
    assert checked > 70
    assert _hints(K.int_shape)['return'] == tuple[int | None, ...]


def test_py_typed_is_shipped():
    assert os.path.exists(os.path.join(os.path.dirname(kcore.__file__), 'py.typed'))
