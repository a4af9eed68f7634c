"""Plugins cannot silently take over kcore (issue 15, attack 5 and the small plugin items)."""
import subprocess
import sys
import warnings

import numpy as np
import pytest

import kcore
from helpers.dists import fresh_plugins, plugin_site  # noqa: F401  (fixtures)
from kcore import plugins
from kcore.errors import PluginLoadWarning, SavingError
from kcore.layers import Dense
from kcore.models import Sequential, load_model
from kcore.plugins import trust
from kcore.plugins.trust import PluginOverrideWarning

TAKEOVER = '''
from kcore.plugins import hookimpl
from kcore.layers import Dense


class MyDense(Dense):
    def call(self, inputs):
        return super().call(inputs) * 0


@hookimpl
def register_layers(register):
    register(MyDense, name='Dense', replace=True)
'''

KERNEL = '''
from kcore.plugins import hookimpl


def fast_dense(*args, **kwargs):
    raise RuntimeError('evil kernel ran')


@hookimpl
def register_kernels(register):
    register(fast_dense, name='dense', backend='numpy')
'''

NON_CLASS = '''
from kcore.plugins import hookimpl


@hookimpl
def register_layers(register):
    register({value}, name='Broken')
'''


def _load_plugins():
    from kcore.plugins.manager import manager
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        plugins.load()
        manager.rescan()  # distributions added after the first look-up
    return [w for w in caught if issubclass(w.category, PluginOverrideWarning)]


@pytest.fixture(autouse=True)
def _forget_warned():
    saved = set(trust._warned)
    trust._warned.clear()
    yield
    trust._warned.clear()
    trust._warned.update(saved)


def test_replacing_a_built_in_layer_warns_once_naming_the_distribution(plugin_site):
    plugin_site.add('evil-dense', {'kt_evil_dense': TAKEOVER}, version='6.6.6')
    caught = _load_plugins()
    assert len(caught) == 1
    message = str(caught[0].message)
    assert 'evil-dense 6.6.6' in message and "replaces layer 'Dense'" in message
    assert _load_plugins() == []  # a later load or rescan does not warn again
    table = {p['name']: p for p in plugins.plugins()}
    assert any("replaces layer 'Dense' registered by kcore" in o for o in table['kt_evil_dense']['overrides'])


def test_kcore_plugins_shows_the_override(plugin_site):
    plugin_site.add('evil-dense', {'kt_evil_dense': TAKEOVER}, version='6.6.6')
    done = subprocess.run([sys.executable, '-m', 'kcore.cli', 'plugins'], capture_output=True, text=True,
                          env=plugin_site.env(), timeout=120)
    assert "OVERRIDE: replaces layer 'Dense' registered by kcore" in done.stdout, done.stdout + done.stderr
    assert 'evil-dense' in done.stderr  # the warning, once


def test_overriding_a_built_in_kernel_on_the_built_in_backend_warns(plugin_site):
    plugin_site.add('evil-kernel', {'kt_evil_kernel': KERNEL}, version='1.0')
    caught = _load_plugins()
    assert len(caught) == 1
    assert "overrides the built-in kernel 'dense' on the 'numpy' backend" in str(caught[0].message)
    assert 'evil-kernel 1.0' in str(caught[0].message)


def test_a_file_saved_with_kcores_dense_refuses_a_replaced_dense(tmp_path, plugin_site):
    model = Sequential([Dense(2, input_shape=(3,))])
    model.save(tmp_path / 'm.h5')  # records Dense as provided by kcore
    plugin_site.add('evil-dense', {'kt_evil_dense': TAKEOVER}, version='6.6.6')
    _load_plugins()
    with pytest.raises(SavingError) as info:
        load_model(tmp_path / 'm.h5')
    message = str(info.value)
    assert "'Dense' provided by 'kcore" in message and "'evil-dense'" in message
    assert "trust_plugins=['evil-dense']" in message
    loaded = load_model(tmp_path / 'm.h5', trust_plugins=['evil-dense'])
    assert type(loaded.layers[0]).__name__ == 'MyDense'
    assert load_model(tmp_path / 'm.h5', trust_plugins=True) is not None


def test_in_process_replacement_by_the_user_is_not_refused(tmp_path, fresh_plugins):
    model = Sequential([Dense(2, input_shape=(3,))])
    model.save(tmp_path / 'm.h5')

    class MyDense(Dense):
        pass
    with plugins.registered(MyDense, name='Dense', replace=True):
        loaded = load_model(tmp_path / 'm.h5')
    assert type(loaded.layers[0]) is MyDense


@pytest.mark.parametrize('value', ['42', 'None', 'print', 'object'])
def test_a_plugin_registering_a_non_layer_is_refused(plugin_site, value):
    plugin_site.add('broken-reg', {'kt_broken_reg': NON_CLASS.format(value=value)})
    with pytest.warns(PluginLoadWarning, match='expected a subclass of kcore.layers.base.Layer'):
        plugins.load()
    assert 'Broken' not in plugins.registry('layers')


@pytest.mark.parametrize('kind, value', [('layers', 42), ('layers', 'Dense'), ('layers', int),
                                         ('losses', 42), ('backends', object()), ('optimizers', len)])
def test_in_process_registrations_are_type_checked(fresh_plugins, kind, value):
    with pytest.raises(TypeError, match='Cannot register'):
        plugins.register(value, kind=kind, name='Broken')


def test_a_slow_plugin_import_is_reported_with_its_time(plugin_site):
    plugin_site.add('slow-plugin', {'kt_slow': 'import time\ntime.sleep(1.2)\n' + NON_CLASS.format(
        value='__import__("kcore").layers.Dense')})
    done = subprocess.run([sys.executable, '-c', 'import kcore; kcore.plugins.load()'], capture_output=True,
                          text=True, env=plugin_site.env(KCORE_TRACE_PLUGINS='1'), timeout=120)
    line = [l for l in done.stderr.splitlines() if 'kt_slow' in l and 'imported in' in l]
    assert line and 'slow' in line[0], done.stderr
    seconds = float(line[0].split('imported in ')[1].split(' s')[0])
    assert seconds >= 1.2


def test_first_party_plugins_take_nothing_over():
    assert all(not p['overrides'] for p in plugins.plugins())
    x = np.ones((1, 3), 'float32')
    assert Sequential([Dense(2, input_shape=(3,))]).predict(x).shape == (1, 2)
    assert kcore.plugins.registry('layers').entry('Dense').distribution.startswith('kcore')
