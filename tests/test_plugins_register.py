"""In-process registration: ``kcore.plugins.register``/``unregister``/``registered``."""
import types

import pytest

import kcore
from kcore import plugins
from kcore.errors import DuplicateNameError, PluginLoadError, UnknownNameError
from kcore.plugins import hookimpl
from kcore.plugins.manager import manager

from helpers.dists import fresh_plugins  # noqa: F401  (fixture)


def _define(name, base, module='notebook_cell', **body):
    """A class as a notebook cell would define it (same module and qualname on a re-run)."""
    cls = type(name, (base,), dict(body, __module__=module))
    cls.__qualname__ = name
    return cls


@pytest.mark.parametrize('base, kind', [
    (kcore.layers.Layer, 'layers'),
    ('kcore.training.losses:Loss', 'losses'),
    ('kcore.training.metrics:Metric', 'metrics'),
    ('kcore.training.optimizers:Optimizer', 'optimizers'),
    ('kcore.training.schedules:LearningRateSchedule', 'schedules'),
    ('kcore.training.callbacks:Callback', 'callbacks'),
    ('kcore.initializers:Initializer', 'initializers'),
    ('kcore.regularizers:Regularizer', 'regularizers'),
    ('kcore.constraints:Constraint', 'constraints'),
])
def test_class_kind_is_inferred_from_its_base(fresh_plugins, base, kind):
    if isinstance(base, str):
        import importlib
        module, name = base.split(':')
        base = getattr(importlib.import_module(module), name)
    cls = _define('Inferred' + kind.title(), base)
    with plugins.registered(cls):
        assert plugins.get(kind, cls.__name__) is cls
        others = [k for k in manager.registries if k != kind]
        assert all(cls.__name__ not in manager.registries[k] for k in others)
    with pytest.raises(UnknownNameError):
        plugins.get(kind, cls.__name__)


def test_backend_instance_is_inferred(fresh_plugins):
    from kcore.backend.device import Backend

    class Spare(Backend):
        name = 'spare'

    spare = Spare()
    with plugins.registered(spare, name='spare'):
        assert plugins.get('backends', 'spare') is spare


def test_functions_need_a_kind(fresh_plugins):
    def my_loss(y_true, y_pred):
        return (y_true - y_pred) ** 2

    with pytest.raises(TypeError, match="needs kind=.*'losses'"):
        plugins.register(my_loss)
    with pytest.raises(TypeError, match='derives from none of kcore'):
        plugins.register(type('Plain', (), {}))
    with pytest.raises(ValueError, match='Unknown registry kind'):
        plugins.register(my_loss, kind='loss')
    with plugins.registered(my_loss, kind='losses', aliases=('myl',)):
        assert plugins.get('losses', 'my_loss') is my_loss
        assert plugins.get('losses', 'myl') is my_loss
        assert 'my_loss' not in plugins.registry('metrics')
    assert 'myl' not in plugins.registry('losses')


def test_decorator_forms(fresh_plugins):
    @plugins.register
    class Decorated(kcore.layers.Layer):
        pass

    @plugins.register(name='Renamed', aliases='renamed_alias')
    class Original(kcore.layers.Layer):
        pass

    @plugins.register(kind='activations')
    def twice(x):
        return 2 * x

    try:
        assert kcore.layers.Decorated is Decorated
        assert plugins.get('layers', 'Renamed') is Original
        assert plugins.get('layers', 'renamed_alias') is Original
        assert 'Original' not in plugins.registry('layers')
        assert plugins.get('activations', 'twice') is twice
        assert kcore.activations.get('twice') is twice
        assert plugins.registry('layers').name_of(Original) == 'Renamed'
        assert {'Decorated', 'Renamed', 'renamed_alias'} <= set(
            next(p for p in plugins.plugins() if p['name'] == '<in-process>')['registered']['layers'])
    finally:
        plugins.unregister(Decorated)
        plugins.unregister(Original)
        plugins.unregister(twice, kind='activations')
    assert 'renamed_alias' not in plugins.registry('layers')
    assert 'twice' not in plugins.registry('activations')
    record = next(p for p in plugins.plugins() if p['name'] == '<in-process>')
    assert record['registered'] == {}


def test_notebook_redefinition_replaces_the_class(fresh_plugins):
    first = _define('CellLayer', kcore.layers.Layer)
    second = _define('CellLayer', kcore.layers.Layer)
    plugins.register(first)
    plugins.register(second)  # the cell ran again: the new definition wins, no error
    try:
        assert plugins.get('layers', 'CellLayer') is second
    finally:
        plugins.unregister(second)


def test_name_clashes_in_process(fresh_plugins):
    mine = _define('Dense', kcore.layers.Layer, module='my_project.layers')
    with pytest.raises(DuplicateNameError) as info:
        plugins.register(mine)
    message = str(info.value)
    assert "'Dense' is already registered by kcore" in message and 'replace=True' in message
    assert plugins.get('layers', 'Dense') is not mine
    a = _define('Clash', kcore.layers.Layer, module='module_a')
    b = _define('Clash', kcore.layers.Layer, module='module_b')
    with plugins.registered(a):
        with pytest.raises(DuplicateNameError, match="in-process registration"):
            plugins.register(b)
        # an alias clash fails the whole registration, leaving nothing behind
        c = _define('Fresh', kcore.layers.Layer, module='module_c')
        with pytest.raises(DuplicateNameError):
            plugins.register(c, aliases=('Clash',))
        assert 'Fresh' not in plugins.registry('layers')
        plugins.register(b, replace=True)
        try:
            assert plugins.get('layers', 'Clash') is b
        finally:
            plugins.unregister(b)


def test_registered_always_unregisters(fresh_plugins):
    cls = _define('Temporary', kcore.layers.Layer)
    with pytest.raises(RuntimeError):
        with plugins.registered(cls):
            assert kcore.layers.Temporary is cls
            raise RuntimeError('the test body failed')
    with pytest.raises(AttributeError):
        kcore.layers.Temporary


def _hook_module(name, **hooks):
    module = types.ModuleType(name)
    for hook_name, fn in hooks.items():
        setattr(module, hook_name, hookimpl(fn))
    return module


def test_hook_module_in_process(fresh_plugins):
    cls = _define('HookedLayer', kcore.layers.Layer)

    def register_layers(register):
        register(cls, aliases=('hooked',))

    def register_activations(register):
        register(lambda x: x, name='hooked_identity')

    module = _hook_module('my_hooks', register_layers=register_layers,
                          register_activations=register_activations)
    with plugins.registered(module):
        assert plugins.get('layers', 'hooked') is cls
        assert plugins.get('activations', 'hooked_identity')(3) == 3
        record = next(p for p in plugins.plugins() if p['name'] == 'my_hooks')
        assert record['registered'] == {'layers': ['HookedLayer', 'hooked'], 'activations': ['hooked_identity']}
        plugins.register(module)  # idempotent
    for kind, name in [('layers', 'HookedLayer'), ('layers', 'hooked'), ('activations', 'hooked_identity')]:
        assert name not in plugins.registry(kind)
    assert 'my_hooks' not in [p['name'] for p in plugins.plugins()]


def test_reloaded_hook_module_replaces_the_old_one(fresh_plugins):
    old_cls = _define('Reloaded', kcore.layers.Layer)
    new_cls = _define('Reloaded', kcore.layers.Layer)
    old = _hook_module('reloaded_hooks', register_layers=lambda register: register(old_cls))
    new = _hook_module('reloaded_hooks', register_layers=lambda register: register(new_cls))
    plugins.register(old)
    plugins.register(new)
    try:
        assert plugins.get('layers', 'Reloaded') is new_cls
    finally:
        plugins.unregister(new)
    assert 'Reloaded' not in plugins.registry('layers')


def test_hook_object_with_methods(fresh_plugins):
    cls = _define('FromObject', kcore.layers.Layer)

    class Hooks:
        @hookimpl
        def register_layers(self, register):
            register(cls)

    hooks = Hooks()
    with plugins.registered(hooks):
        assert plugins.get('layers', 'FromObject') is cls
    assert 'FromObject' not in plugins.registry('layers')


def test_bad_hook_modules_fail_at_once_and_leave_nothing(fresh_plugins):
    with pytest.raises(TypeError, match='no @hookimpl functions'):
        plugins.register(types.ModuleType('empty'))
    misspelled = _hook_module('typo_hooks', register_layer=lambda register: None)
    with pytest.raises(PluginLoadError, match='register_layer -> register_layers'):
        plugins.register(misspelled)
    cls = _define('Partial', kcore.layers.Layer)

    def register_layers(register):
        register(cls)
        raise ValueError('half way')

    raising = _hook_module('raising_hooks', register_layers=register_layers)
    with pytest.raises(PluginLoadError, match='register_layers raised ValueError: half way'):
        plugins.register(raising)
    assert 'Partial' not in plugins.registry('layers')
    assert not {'typo_hooks', 'raising_hooks'} & {p['name'] for p in plugins.plugins()}
    assert isinstance(PluginLoadError('x'), ImportError)


def test_registered_layer_round_trips_through_load_model(fresh_plugins, tmp_path):
    import numpy as np

    class Doubler(kcore.layers.Layer):
        def call(self, inputs):
            return inputs * 2.0

    with plugins.registered(Doubler):
        model = kcore.Sequential([kcore.layers.Dense(2, input_shape=(3,)), Doubler()])
        x = np.ones((1, 3), 'float32')
        expected = model.predict(x, verbose=0)
        path = str(tmp_path / 'm.h5')
        model.save(path)
        loaded = kcore.models.load_model(path)  # no custom_objects needed
        np.testing.assert_allclose(loaded.predict(x, verbose=0), expected)
