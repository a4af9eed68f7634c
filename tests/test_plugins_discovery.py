"""Plugin discovery through real entry points of throwaway distributions."""
import subprocess
import sys
import textwrap

import pytest

import kcore
from kcore import plugins
from kcore.errors import DuplicateNameError, PluginLoadWarning, UnknownNameError
from kcore.plugins.manager import manager
from kcore.testing import isolated

from helpers.dists import layer_plugin, plugin_site  # noqa: F401  (fixture)


def _record(name):
    matches = [p for p in plugins.plugins() if p['name'] == name]
    assert len(matches) == 1, plugins.plugins()
    return matches[0]


def test_discovery_and_provenance(plugin_site):
    plugin_site.add('kcore-throwaway', {'kt_disc': layer_plugin('DiscLayer', 'disc_layer')},
                    entry_points={'throwaway': 'kt_disc'}, version='2.3.4')
    cls = plugins.get('layers', 'DiscLayer')
    module = sys.modules['kt_disc']
    assert cls is module.DiscLayer
    assert kcore.layers.DiscLayer is cls
    assert plugins.get('layers', 'disc_layer') is cls
    record = _record('throwaway')
    assert record.pop('import_seconds') >= 0
    assert record == {'name': 'throwaway', 'distribution': 'kcore-throwaway', 'version': '2.3.4',
                      'entry_point': 'throwaway=kt_disc', 'status': 'loaded', 'error': None,
                      'registered': {'layers': ['DiscLayer', 'disc_layer']}, 'overrides': []}
    entry = plugins.registry('layers').entry('DiscLayer')
    assert entry.distribution == 'kcore-throwaway 2.3.4'
    assert 'kcore-throwaway 2.3.4' in entry.source
    # the built-ins are listed like any plugin, first
    assert plugins.plugins()[0]['name'] == 'builtins'
    assert plugins.plugins()[0]['distribution'] == 'kcore'


def test_loading_is_idempotent(plugin_site):
    plugin_site.add('kcore-once', {'kt_once': layer_plugin('OnceLayer')})
    plugins.get('layers', 'OnceLayer')
    manager.load()
    plugins.load()
    plugins.plugins()
    assert manager.rescan() is False  # nothing new on sys.path
    assert sys.modules['kt_once'].LOADS == [1]


LAZY_SCRIPT = textwrap.dedent('''
    import sys
    import kcore
    loaded = sorted(m for m in sys.modules if m in ('kt_lazy', 'kcore_conv.plugin', 'kcore_rnn.plugin',
                                                   'kcore_losses.plugin', 'kcore_gpu.plugin'))
    assert not loaded, 'import kcore loaded plugin modules: %s' % loaded
    assert not kcore.plugins.manager.manager._loaded
    kcore.layers.LazyLayer
    assert 'kt_lazy' in sys.modules
    print('ok')
''')


def test_import_kcore_loads_no_entry_point(plugin_site):
    plugin_site.add('kcore-lazy', {'kt_lazy': layer_plugin('LazyLayer')})
    proc = subprocess.run([sys.executable, '-c', LAZY_SCRIPT], env=plugin_site.env(),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == 'ok'


def test_conflicting_names_fail_on_look_up_naming_both(plugin_site):
    source = '''
        from kcore.plugins import hookimpl
        from kcore.layers import Layer

        class Shared(Layer):
            pass

        class Own{n}(Layer):
            pass

        @hookimpl
        def register_layers(register):
            register(Shared)
            register(Own{n})
    '''
    plugin_site.add('kcore-first', {'kt_first': source.format(n='First')}, version='1.1')
    plugin_site.add('kcore-second', {'kt_second': source.format(n='Second')}, version='2.2')
    with pytest.raises(DuplicateNameError) as info:
        plugins.get('layers', 'Shared')
    message = str(info.value)
    assert 'kcore-first 1.1' in message and 'kcore-second 2.2' in message
    assert 'KCORE_DISABLE_PLUGINS' in message
    assert isinstance(info.value, ValueError)
    assert plugins.get('layers', 'OwnFirst') is sys.modules['kt_first'].OwnFirst
    assert plugins.get('layers', 'OwnSecond') is sys.modules['kt_second'].OwnSecond
    assert plugins.get('layers', 'Dense') is kcore.layers.Dense
    # removing one claimant resolves the conflict in favour of the other
    manager.unregister_plugin(sys.modules['kt_second'])
    assert plugins.get('layers', 'Shared') is sys.modules['kt_first'].Shared


def test_disabling_one_of_two_conflicting_plugins_resolves_the_name(plugin_site, monkeypatch):
    plugin_site.add('kcore-left', {'kt_left': layer_plugin('Twin')})
    plugin_site.add('kcore-right', {'kt_right': layer_plugin('Twin')})
    monkeypatch.setenv('KCORE_DISABLE_PLUGINS', 'kt_right')
    assert plugins.get('layers', 'Twin') is sys.modules['kt_left'].Twin


BROKEN_IMPORT = '''
import kcore_module_that_does_not_exist
'''

RAISING_HOOK = '''
from kcore.plugins import hookimpl
from kcore.layers import Layer


class HalfRegistered(Layer):
    pass


@hookimpl
def register_layers(register):
    register(HalfRegistered)
    raise RuntimeError('boom in the hook')
'''

MISSPELLED_HOOK = '''
from kcore.plugins import hookimpl


@hookimpl
def register_layer(register):
    pass
'''

BAD_SIGNATURE = '''
from kcore.plugins import hookimpl


@hookimpl
def register_layers(reg, extra):
    pass
'''


def test_broken_plugins_are_reported_and_the_rest_keeps_working(plugin_site):
    plugin_site.add('kcore-broken-import', {'kt_broken_import': BROKEN_IMPORT})
    plugin_site.add('kcore-raising', {'kt_raising': RAISING_HOOK})
    plugin_site.add('kcore-misspelled', {'kt_misspelled': MISSPELLED_HOOK})
    plugin_site.add('kcore-bad-signature', {'kt_bad_signature': BAD_SIGNATURE})
    plugin_site.add('kcore-healthy', {'kt_healthy': layer_plugin('HealthyLayer')})
    with pytest.warns(PluginLoadWarning) as caught:
        assert plugins.get('layers', 'HealthyLayer') is sys.modules['kt_healthy'].HealthyLayer
    messages = [str(w.message) for w in caught]
    assert len(messages) == 4, messages
    expected = {'kcore-broken-import': ('kt_broken_import=kt_broken_import', 'import failed',
                                        'ModuleNotFoundError'),
                'kcore-raising': ('kt_raising=kt_raising', 'register_layers raised RuntimeError',
                                  'boom in the hook'),
                'kcore-misspelled': ('kt_misspelled=kt_misspelled', 'register_layer',
                                     'did you mean: register_layer -> register_layers?'),
                'kcore-bad-signature': ('kt_bad_signature=kt_bad_signature', 'invalid hooks', 'extra')}
    for dist, fragments in expected.items():
        message = next(m for m in messages if dist + ' 1.0' in m)
        for fragment in fragments:
            assert fragment in message, message
        record = _record(fragments[0].split('=')[0])
        assert record['status'] == 'failed' and record['distribution'] == dist
        assert record['registered'] == {}
        assert fragments[1] in record['error']
    # the hook that raised after registering a name left nothing behind
    with pytest.raises(UnknownNameError):
        plugins.get('layers', 'HalfRegistered')
    assert plugins.get('layers', 'Dense') is kcore.layers.Dense
    # reported once, not on every look-up
    plugins.get('layers', 'healthylayer')
    manager.load()


def test_a_failing_warning_filter_does_not_leave_plugins_half_loaded(plugin_site):
    plugin_site.add('kcore-broken', {'kt_broken': BROKEN_IMPORT})
    plugin_site.add('kcore-fine', {'kt_fine': layer_plugin('FineLayer')})
    with pytest.raises(PluginLoadWarning):  # filterwarnings=error, like python -W error
        plugins.get('layers', 'FineLayer')
    assert plugins.get('layers', 'FineLayer') is sys.modules['kt_fine'].FineLayer


@pytest.mark.parametrize('switch', ['kt_off', 'kcore-off', 'KCORE_OFF', 'other, kt_off'])
def test_disable_plugins(plugin_site, monkeypatch, switch):
    plugin_site.add('kcore-off', {'kt_off': layer_plugin('OffLayer')})
    plugin_site.add('kcore-on', {'kt_on': layer_plugin('OnLayer')})
    monkeypatch.setenv('KCORE_DISABLE_PLUGINS', switch)
    assert plugins.get('layers', 'OnLayer') is sys.modules['kt_on'].OnLayer
    with pytest.raises(UnknownNameError):
        plugins.get('layers', 'OffLayer')
    assert 'kt_off' not in sys.modules
    assert _record('kt_off')['status'] == 'disabled'
    assert plugins.get('layers', 'Dense') is kcore.layers.Dense  # built-ins cannot be disabled


def test_disable_autoload_then_register_by_hand(plugin_site, monkeypatch):
    plugin_site.add('kcore-manual', {'kt_manual': layer_plugin('ManualLayer')})
    monkeypatch.setenv('KCORE_DISABLE_PLUGIN_AUTOLOAD', '1')
    assert plugins.get('layers', 'Dense') is kcore.layers.Dense
    with pytest.raises(UnknownNameError):
        plugins.get('layers', 'ManualLayer')
    assert 'kt_manual' not in sys.modules
    assert [p['name'] for p in plugins.plugins()] == ['builtins']
    import kt_manual
    plugins.register(kt_manual)
    assert plugins.get('layers', 'ManualLayer') is kt_manual.ManualLayer
    record = _record('kt_manual')
    assert record['distribution'] is None and record['registered'] == {'layers': ['ManualLayer', 'manuallayer']}
    plugins.register(kt_manual)  # again: a no-op
    assert kt_manual.LOADS == [1]
    plugins.unregister(kt_manual)
    with pytest.raises(UnknownNameError):
        plugins.get('layers', 'ManualLayer')


def test_trace_plugins(plugin_site, monkeypatch, capsys):
    plugin_site.add('kcore-traced', {'kt_traced': layer_plugin('TracedLayer')})
    plugin_site.add('kcore-quiet', {'kt_quiet': layer_plugin('QuietLayer')})
    monkeypatch.setenv('KCORE_TRACE_PLUGINS', '1')
    monkeypatch.setenv('KCORE_DISABLE_PLUGINS', 'kt_quiet')
    plugins.load()
    err = capsys.readouterr().err
    assert 'kcore: loading plugin kt_traced (kcore-traced 1.0) from kt_traced' in err
    assert 'kcore: kt_traced.register_layers()' in err
    assert 'kcore:   layers TracedLayer, tracedlayer' in err
    assert 'kcore: plugin kt_quiet (kcore-quiet 1.0) disabled by KCORE_DISABLE_PLUGINS' in err
    assert 'kcore: builtins.register_layers()' in err


def test_no_trace_by_default(plugin_site, capsys):
    plugin_site.add('kcore-silent', {'kt_silent': layer_plugin('SilentLayer')})
    plugins.load()
    assert capsys.readouterr().err == ''


def test_plugin_installed_after_the_first_look_up_is_found(plugin_site):
    assert plugins.get('layers', 'Dense') is kcore.layers.Dense  # first look-up: discovery ran
    assert manager.rescan() is False
    plugin_site.add('kcore-late', {'kt_late': layer_plugin('LateLayer')})
    assert plugins.get('layers', 'LateLayer') is sys.modules['kt_late'].LateLayer
    assert _record('kt_late')['status'] == 'loaded'


def test_unknown_name_lists_close_matches(plugin_site):
    with pytest.raises(UnknownNameError) as info:
        plugins.get('layers', 'Dnese')
    assert "Unknown layer: 'Dnese'. Did you mean: 'Dense'" in str(info.value)
    assert 'kcore.plugins.register' in str(info.value)
    assert isinstance(info.value, KeyError)
    with pytest.raises(UnknownNameError, match="Unknown loss: 'mean_sqared_error'.*'mean_squared_error'"):
        plugins.get('losses', 'mean_sqared_error')
    with pytest.raises(AttributeError, match="Unknown layer: 'Dnese'"):
        kcore.layers.Dnese
    with pytest.raises(TypeError, match='Expected a layer name'):
        plugins.get('layers', 3)
    with pytest.raises(ValueError, match='Unknown registry kind'):
        plugins.registry('widgets')


def test_first_party_name_of_a_disabled_plugin_gives_the_install_line(plugin_site, monkeypatch):
    monkeypatch.setenv('KCORE_DISABLE_PLUGINS', 'kcore-conv')
    with pytest.raises(UnknownNameError) as info:
        plugins.get('layers', 'Conv2D')
    message = str(info.value)
    assert 'pip install kcore-conv' in message and 'disabled by KCORE_DISABLE_PLUGINS' in message
    # an ImportError (issue 19): `from kcore.layers import Conv2D` must show the pip line
    with pytest.raises(ImportError, match='pip install kcore-conv'):
        kcore.layers.Conv2D
    with pytest.raises(ImportError, match='pip install kcore-conv'):
        from kcore.layers.convolutional import Conv2D  # noqa: F401


def test_first_party_hint_says_what_is_wrong(plugin_site, monkeypatch):
    from kcore.plugins import known
    table = dict(known.FIRST_PARTY, **{'kcore-absent': {'layers': ['AbsentLayer']},
                                       'kcore-crashing': {'layers': ['CrashingLayer']},
                                       'kcore-partial': {'layers': ['MissingLayer']}})
    monkeypatch.setattr(known, 'FIRST_PARTY', table)
    plugin_site.add('kcore-crashing', {'kt_crashing': BROKEN_IMPORT})
    plugin_site.add('kcore-partial', {'kt_partial': layer_plugin('PartialLayer')}, version='0.3')
    with pytest.warns(PluginLoadWarning):
        plugins.load()
    for name, fragment in [('AbsentLayer', 'which is not installed. Install it with: pip install kcore-absent'),
                           ('CrashingLayer', 'failed to load: import failed'),
                           ('MissingLayer', 'the installed kcore-partial 0.3 does not register it. '
                                            'Upgrade it: pip install -U kcore-partial')]:
        with pytest.raises(UnknownNameError) as info:
            plugins.get('layers', name)
        assert fragment in str(info.value)


def test_first_party_hint_with_autoload_off(plugin_site, monkeypatch):
    monkeypatch.setenv('KCORE_DISABLE_PLUGIN_AUTOLOAD', '1')
    with pytest.raises(UnknownNameError, match='KCORE_DISABLE_PLUGIN_AUTOLOAD is set.*register'):
        plugins.get('layers', 'Conv2D')


def test_isolated_restores_the_previous_state(plugin_site):
    plugin_site.add('kcore-scoped', {'kt_scoped': layer_plugin('ScopedLayer')})
    assert plugins.get('layers', 'ScopedLayer')
    with isolated():
        assert not manager._loaded
        assert plugins.get('layers', 'ScopedLayer')  # discovered again inside
    assert plugins.get('layers', 'ScopedLayer') is sys.modules['kt_scoped'].ScopedLayer


def test_name_registered_twice_by_one_plugin(plugin_site):
    source = '''
        from kcore.plugins import hookimpl

        def one(x):
            return x

        def two(x):
            return x

        @hookimpl
        def register_activations(register):
            register(one, name='twice')
            register(two, name='twice')
    '''
    plugin_site.add('kcore-twice', {'kt_twice': source})
    with pytest.raises(DuplicateNameError, match="'twice'.*kcore-twice 1.0"):
        plugins.get('activations', 'twice')


# -- the kcore plugins command ---------------------------------------------------------------
def test_cli_text(plugin_site, capsys):
    from kcore.cli import main
    plugin_site.add('kcore-listed', {'kt_listed': layer_plugin('ListedLayer')}, version='0.9')
    assert main(['plugins']) == 0
    out = capsys.readouterr().out
    assert 'kt_listed  [kcore-listed 0.9]  entry point: kt_listed=kt_listed' in out
    assert '  layers:       ListedLayer, listedlayer' in out
    assert out.startswith('builtins  [kcore ')
    assert 'Dense' in out and 'adam' in out


def test_cli_json_reports_failures(plugin_site, capsys):
    import json
    from kcore.cli import main
    plugin_site.add('kcore-listed', {'kt_listed2': layer_plugin('ListedLayer2')})
    plugin_site.add('kcore-crash', {'kt_crash': BROKEN_IMPORT})
    with pytest.warns(PluginLoadWarning):
        code = main(['plugins', '--json'])
    assert code == 1
    table = json.loads(capsys.readouterr().out)
    by_name = {p['name']: p for p in table}
    assert by_name['kt_listed2']['registered'] == {'layers': ['ListedLayer2', 'listedlayer2']}
    assert by_name['kt_crash']['status'] == 'failed'
    assert 'ModuleNotFoundError' in by_name['kt_crash']['error']
    assert main(['plugins']) == 1
    assert 'ERROR: import failed' in capsys.readouterr().out


def test_cli_console_script(plugin_site):
    import json
    import os
    plugin_site.add('kcore-script', {'kt_script': layer_plugin('ScriptLayer')}, version='3.0')
    script = os.path.join(os.path.dirname(sys.executable), 'kcore')
    cmd = [script] if os.path.exists(script) else [sys.executable, '-m', 'kcore.cli']
    proc = subprocess.run(cmd + ['plugins', '--json'], env=plugin_site.env(KCORE_DISABLE_PLUGINS='kcore-rnn'),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    by_name = {p['name']: p for p in json.loads(proc.stdout)}
    assert by_name['kt_script']['version'] == '3.0'
    assert by_name['kt_script']['registered'] == {'layers': ['ScriptLayer', 'scriptlayer']}
    assert 'Dense' in by_name['builtins']['registered']['layers']
    if 'rnn' in by_name:
        assert by_name['rnn']['status'] == 'disabled'
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and 'plugins' in proc.stdout
