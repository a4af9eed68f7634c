"""Plugin discovery and loading: entry points in the group ``kcore``, via pluggy.

Loading is lazy (the first registry look-up triggers it), idempotent, and
isolated per plugin: a plugin that fails to import, declares an unknown hook
or raises in a hook is recorded in ``plugin_table()`` with its distribution
and entry point, a warning is issued, and everything else keeps working.

Environment:
  KCORE_DISABLE_PLUGINS=a,b         skip these plugins (entry point or distribution names)
  KCORE_DISABLE_PLUGIN_AUTOLOAD=1   read no entry points; register plugins by hand
  KCORE_TRACE_PLUGINS=1             print each hook call and registration to stderr
"""
import os
import sys
import threading
import warnings

import pluggy

from kcore.errors import PluginLoadError
from kcore.plugins import hookspecs
from kcore.plugins.registry import Registry

BUILTINS_MODULE = 'kcore._builtins.plugin'


class PluginRecord:
    """What ``kcore plugins`` shows for one plugin."""

    def __init__(self, name, distribution=None, version=None, entry_point=None, module=None):
        self.name = name
        self.distribution = distribution
        self.version = version
        self.entry_point = entry_point
        self.module = module
        self.error = None
        self.registered = {}  # kind -> [names]

    def as_dict(self):
        return {'name': self.name, 'distribution': self.distribution, 'version': self.version,
                'entry_point': self.entry_point, 'error': self.error,
                'registered': {k: sorted(v) for k, v in self.registered.items() if v}}


class PluginManager:
    def __init__(self):
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        loader = self._make_loader()
        self.registries = {kind: Registry(kind, loader=loader)
                           for kind in hookspecs.KINDS.values()}
        self.registries['kernels']._on_change = _invalidate_kernel_table
        self.records = {}
        self._lock = threading.RLock()
        self._loaded = False
        self._loading = False
        self._seen_entry_points = set()

    def _make_loader(self):
        """The callable the registries run before a look-up: load once; on a miss, rescan."""
        def loader():
            if not self._loaded:
                self.load()
        loader.rescan = self.rescan
        return loader

    def load(self):
        """Register the built-ins and every entry point not loaded yet (idempotent)."""
        with self._lock:
            if self._loading:
                return
            self._loading = True
            try:
                if BUILTINS_MODULE not in self.records:
                    import importlib
                    module = importlib.import_module(BUILTINS_MODULE)
                    dist, version = _own_distribution()
                    self._add_plugin(PluginRecord('builtins', dist, version, BUILTINS_MODULE, module),
                                     key=BUILTINS_MODULE, fatal=True)
                if not _env_flag('KCORE_DISABLE_PLUGIN_AUTOLOAD'):
                    self._load_entry_points()
                self._loaded = True
            finally:
                self._loading = False

    def rescan(self):
        """Load entry points installed since the last scan; True if any was new."""
        if _env_flag('KCORE_DISABLE_PLUGIN_AUTOLOAD') or not self._loaded:
            return False
        before = len(self.records)
        with self._lock:
            self._load_entry_points()
        return len(self.records) > before

    def _load_entry_points(self):
        from importlib.metadata import entry_points
        disabled = {s.strip() for s in os.environ.get('KCORE_DISABLE_PLUGINS', '').split(',') if s.strip()}
        for ep in sorted(entry_points(group=hookspecs.PROJECT), key=lambda e: e.name):
            dist = getattr(ep, 'dist', None)
            dist_name = dist.metadata['Name'] if dist is not None else None
            version = dist.version if dist is not None else None
            key = '%s=%s' % (ep.name, ep.value)
            if key in self._seen_entry_points:
                continue
            self._seen_entry_points.add(key)
            if ep.value == BUILTINS_MODULE:  # kcore's own entry point: already registered
                continue
            if ep.name in disabled or (dist_name and dist_name in disabled):
                continue
            record = PluginRecord(ep.name, dist_name, version, key)
            try:
                record.module = ep.load()
            except Exception as e:  # noqa: BLE001 - a broken plugin must not take kcore down
                self._fail(record, 'import failed: %s: %s' % (type(e).__name__, e))
                continue
            self._add_plugin(record, key=ep.name)

    def _add_plugin(self, record, key, fatal=False):
        self.records[key] = record
        try:
            self.pm.register(record.module, name=key)
            self.pm.check_pending()
        except Exception as e:  # unknown hook name, bad signature
            if self.pm.is_registered(record.module):
                self.pm.unregister(record.module)
            if fatal:
                raise
            self._fail(record, 'invalid hooks: %s' % e)
            return
        self._run_hooks(record, key, fatal)

    def _run_hooks(self, record, key, fatal=False):
        trace = _env_flag('KCORE_TRACE_PLUGINS')
        for hook_name, kind in hookspecs.KINDS.items():
            for impl in getattr(self.pm.hook, hook_name).get_hookimpls():
                if impl.plugin_name != key:
                    continue
                if trace:
                    print('kcore: %s.%s()' % (record.name, hook_name), file=sys.stderr)
                try:
                    impl.function(register=self._registrar(kind, record, trace))
                except Exception as e:  # noqa: BLE001
                    if fatal:
                        raise
                    self._fail(record, '%s raised %s: %s' % (hook_name, type(e).__name__, e))
                    return

    def _registrar(self, kind, record, trace):
        registry = self.registries[kind]

        def register(obj, name=None, aliases=(), backend=None, **meta):
            if kind == 'backends':
                name = name or obj.name
            if kind == 'kernels' and backend:
                name = '%s@%s' % (name or obj.__name__, backend)
            registry.add(obj, name=name, aliases=aliases, plugin=record.name,
                         distribution=_dist_label(record), **meta)
            record.registered.setdefault(kind, []).append(
                name or getattr(obj, '__name__', repr(obj)))
            if trace:
                print('kcore:   %s %s' % (kind, name or getattr(obj, '__name__', obj)), file=sys.stderr)
            return obj
        return register

    def _fail(self, record, message):
        record.error = message
        self.records[record.entry_point or record.name] = record
        warnings.warn(PluginLoadWarning(
            'kcore: plugin %r (distribution %s, entry point %s) was not loaded: %s. '
            'Everything else keeps working; fix or uninstall it, or set '
            'KCORE_DISABLE_PLUGINS=%s.' % (record.name, record.distribution or '?',
                                            record.entry_point, message, record.name)))

    # -- in-process registration -------------------------------------------
    def register_plugin(self, module, name=None):
        """Register a module/object of hook implementations by hand."""
        self.load()
        key = name or getattr(module, '__name__', None) or repr(module)
        record = PluginRecord(key, None, None, None, module)
        self._add_plugin(record, key=key, fatal=True)
        return record

    def unregister_plugin(self, module):
        for key, record in list(self.records.items()):
            if record.module is module:
                for kind, names in record.registered.items():
                    for n in names:
                        self.registries[kind].remove(n)
                if self.pm.is_registered(module):
                    self.pm.unregister(module)
                del self.records[key]

    def plugin_table(self):
        self.load()
        return [r.as_dict() for r in self.records.values()]


class PluginLoadWarning(UserWarning):
    """A plugin could not be loaded; the message says which and why."""


def _dist_label(record):
    if record.distribution is None:
        return None
    return '%s %s' % (record.distribution, record.version or '')


def _own_distribution():
    try:
        from importlib.metadata import version
        return 'kcore', version('kcore')
    except Exception:  # running from a bare checkout
        return 'kcore', None


def _invalidate_kernel_table():
    from kcore.backend.device import ACTIVE
    ACTIVE.kernels.clear()  # refilled from the registry on the next miss


def _env_flag(name):
    return os.environ.get(name, '').strip().lower() not in ('', '0', 'false', 'no')


manager = PluginManager()

__all__ = ['manager', 'PluginManager', 'PluginLoadError', 'PluginLoadWarning']
