"""Throwaway plugin distributions: what ``pip install`` leaves behind, minus the copying.

A ``Site`` is a folder on ``sys.path`` holding, per distribution,
``<name>-<version>.dist-info/{METADATA,entry_points.txt}`` and the plugin's
modules.  ``importlib.metadata`` finds them exactly as it finds installed
packages, so discovery is tested through real entry points.  The ``plugin_site``
fixture puts a ``Site`` on ``sys.path`` and runs the test against a fresh,
unloaded plugin manager; afterwards the folder, its modules and the previous
plugin state are gone and back again.
"""
import importlib
import os
import sys
import textwrap

import pytest

from kcore.plugins.manager import manager
from kcore.testing import isolated

PLUGIN_ENV = ('KCORE_DISABLE_PLUGINS', 'KCORE_DISABLE_PLUGIN_AUTOLOAD', 'KCORE_TRACE_PLUGINS')


class Site:
    """A folder of throwaway distributions."""

    def __init__(self, root):
        self.root = str(root)
        os.makedirs(self.root, exist_ok=True)
        self.modules = set()

    def add(self, name, modules, entry_points=None, version='1.0'):
        """Write distribution ``name`` with ``modules`` ({module name: source}) and
        ``entry_points`` ({entry point name: 'module'}; default: one entry point named
        after the first module); returns the folder."""
        if entry_points is None:
            first = next(iter(modules))
            entry_points = {first: first}
        for module, source in modules.items():
            with open(os.path.join(self.root, module + '.py'), 'w', encoding='utf-8') as f:
                f.write(textwrap.dedent(source))
            self.modules.add(module)
        info = os.path.join(self.root, '%s-%s.dist-info' % (name.replace('-', '_'), version))
        os.makedirs(info)
        with open(os.path.join(info, 'METADATA'), 'w', encoding='utf-8') as f:
            f.write('Metadata-Version: 2.1\nName: %s\nVersion: %s\n' % (name, version))
        with open(os.path.join(info, 'entry_points.txt'), 'w', encoding='utf-8') as f:
            f.write('[kcore]\n' + ''.join('%s = %s\n' % kv for kv in entry_points.items()))
        importlib.invalidate_caches()
        return info

    def env(self, **extra):
        """Environment for a subprocess that should see this site (and no plugin switches)."""
        env = {k: v for k, v in os.environ.items() if k not in PLUGIN_ENV}
        env['PYTHONPATH'] = os.pathsep.join([self.root] + [p for p in [os.environ.get('PYTHONPATH')] if p])
        env.update(extra)
        return env

    def forget_modules(self):
        for m in self.modules:
            sys.modules.pop(m, None)


@pytest.fixture
def plugin_site(tmp_path, monkeypatch):
    """A ``Site`` on ``sys.path`` and a fresh plugin manager for one test."""
    for var in PLUGIN_ENV:
        monkeypatch.delenv(var, raising=False)
    site = Site(tmp_path / 'site')
    sys.path.insert(0, site.root)
    importlib.invalidate_caches()
    try:
        with isolated():
            yield site
    finally:
        sys.path.remove(site.root)
        site.forget_modules()
        importlib.invalidate_caches()


@pytest.fixture
def fresh_plugins(monkeypatch):
    """A fresh plugin manager for one test (in-process registration tests)."""
    for var in PLUGIN_ENV:
        monkeypatch.delenv(var, raising=False)
    with isolated() as fresh:
        yield fresh


LAYER_PLUGIN = '''
from kcore.plugins import hookimpl
from kcore.layers import Layer

LOADS = []


class {cls}(Layer):
    def call(self, inputs):
        return inputs


@hookimpl
def register_layers(register):
    LOADS.append(1)
    register({cls}, aliases=({alias!r},))
'''


def layer_plugin(cls, alias=None):
    """Source of a plugin registering one identity layer ``cls`` (and ``alias``)."""
    return LAYER_PLUGIN.format(cls=cls, alias=alias or cls.lower())
