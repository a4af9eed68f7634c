"""The extension contract on one page: every hook specified, documented and wired to a registry."""
import inspect

from kcore.plugins import hookspecs
from kcore.plugins.manager import manager


def _hookspecs():
    return {name: fn for name, fn in vars(hookspecs).items()
            if inspect.isfunction(fn) and hasattr(fn, hookspecs.PROJECT + '_spec')}


def test_every_hook_has_a_kind_and_a_registry():
    specs = _hookspecs()
    assert set(specs) == set(hookspecs.KINDS)
    assert set(manager.registries) == set(hookspecs.KINDS.values())
    assert len(set(hookspecs.KINDS.values())) == len(hookspecs.KINDS)


def test_every_hook_takes_register_and_says_what_it_returns():
    for name, fn in _hookspecs().items():
        assert list(inspect.signature(fn).parameters) == ['register'], name
        doc = inspect.getdoc(fn) or ''
        assert 'Register' in doc and 'Returns' in doc, '%s needs a docstring saying what it registers and returns' % name


def test_builtins_are_announced_by_kcore_own_entry_point():
    from pathlib import Path

    import pytest
    tomllib = pytest.importorskip('tomllib')  # Python 3.11+
    pyproject = tomllib.loads((Path(__file__).resolve().parents[1] / 'pyproject.toml').read_text())
    assert pyproject['project']['entry-points']['kcore'] == {'builtins': 'kcore._builtins.plugin'}
    from kcore.plugins import plugins
    builtins = plugins()[0]
    assert builtins['name'] == 'builtins' and builtins['entry_point'] == 'builtins=kcore._builtins.plugin'
    assert builtins['status'] == 'loaded' and 'Dense' in builtins['registered']['layers']
