"""Plugin discovery and loading: entry points in the group ``kcore``, via pluggy.

Loading is lazy (the first registry look-up triggers it), idempotent, and
isolated per plugin: a plugin that fails to import, declares an unknown hook
or raises in a hook is rolled back, recorded in ``plugin_table()`` with its
distribution and entry point, reported by one ``PluginLoadWarning``, and
everything else keeps working.  A look-up that misses rescans the entry points
when ``sys.path`` changed, so a plugin installed after the first look-up is
found without a restart.

Environment (read when plugins load):
  KCORE_DISABLE_PLUGINS=a,b         skip these plugins (entry point or distribution names);
                                    kcore's built-ins cannot be disabled
  KCORE_DISABLE_PLUGIN_AUTOLOAD=1   read no entry points; register plugins by hand
  KCORE_TRACE_PLUGINS=1             print each plugin (with its import time), hook call and
                                    registration to stderr

For tests: ``manager.isolated()`` gives a fresh, unloaded manager for a block and
restores the previous state after it; ``manager.reset()`` forgets everything.
"""
import contextlib
import difflib
import importlib
import os
import sys
import threading
import time
import warnings

import pluggy

from kcore.errors import PluginLoadError, PluginLoadWarning
from kcore.plugins import hookspecs, known, trust
from kcore.plugins.known import normalize as _normalize
from kcore.plugins.registry import Registry

BUILTINS_MODULE = 'kcore._builtins.plugin'
#: a plugin import at least this long is called slow by KCORE_TRACE_PLUGINS
SLOW_IMPORT_SECONDS = 1.0
BUILTINS_KEY = 'builtins'
IN_PROCESS_KEY = '<in-process>'


class PluginRecord:
    """What ``kcore plugins`` shows for one plugin."""

    def __init__(self, key, name, distribution=None, version=None, entry_point=None, module=None):
        self.key = key                    # unique: the pluggy name and Entry.plugin
        self.name = name                  # the entry point name ('conv')
        self.distribution = distribution  # 'kcore-conv', None in-process
        self.version = version
        self.entry_point = entry_point    # 'conv=kcore_conv.plugin'
        self.module = module
        self.status = 'loaded'            # or 'failed', 'disabled'
        self.error = None
        self.registered = {}              # kind -> [names, aliases included]
        self.overrides = []               # what it takes over from kcore (see ``trust``)
        self.import_seconds = None

    @property
    def label(self):
        """'kcore-conv 0.1.0': how registries name this plugin's distribution."""
        if self.distribution is None:
            return None
        return ('%s %s' % (self.distribution, self.version or '')).strip()

    def as_dict(self):
        return {'name': self.name, 'distribution': self.distribution, 'version': self.version,
                'entry_point': self.entry_point, 'status': self.status, 'error': self.error,
                'registered': {k: sorted(v) for k, v in self.registered.items() if v},
                'overrides': list(self.overrides), 'import_seconds': self.import_seconds}


class PluginManager:
    """Loads plugins (built-ins first, then entry points), keeps one registry per kind and records each plugin's outcome."""
    def __init__(self):
        self.registries = {kind: Registry(kind, loader=self) for kind in hookspecs.KINDS.values()}
        self._lock = threading.RLock()
        self._fresh_state()

    def _fresh_state(self):
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.records = {}          # key -> PluginRecord, in load order
        self._loaded = False
        self._loading = False
        self._seen = set()         # entry points looked at (loaded, failed or disabled)
        self._path_signature = None

    # -- loading ------------------------------------------------------------
    @property
    def loading(self):
        """True while plugins are being loaded (their hooks may import modules)."""
        return self._loading

    def ensure_loaded(self):
        if not self._loaded:
            self.load()

    def load(self):
        """Register the built-ins and every entry point not looked at yet (idempotent)."""
        if self._loaded:
            return
        failed = []
        with self._lock:
            if self._loaded or self._loading:  # another thread did it, or a hook looked a name up
                return
            self._loading = True
            try:
                if BUILTINS_KEY not in self.records:
                    self._load_builtins()
                if not _env_flag('KCORE_DISABLE_PLUGIN_AUTOLOAD'):
                    failed = self._scan()
                self._loaded = True
            finally:
                self._loading = False
        _warn(failed)  # after the state is consistent: -W error must not leave it half-loaded
        trust.warn_overrides(list(self.records.values()))

    def rescan(self):
        """Load entry points installed since the last scan; True if a plugin was added.

        Cheap when nothing changed: it compares the folders on ``sys.path`` (their
        mtimes and link counts) with the last scan before reading any metadata.
        """
        if not self._loaded or _env_flag('KCORE_DISABLE_PLUGIN_AUTOLOAD'):
            return False
        if _path_signature() == self._path_signature:
            return False
        importlib.invalidate_caches()  # the finders' and importlib.metadata's directory caches
        with self._lock:
            before = sum(r.status == 'loaded' for r in self.records.values())
            failed = self._scan()
            added = sum(r.status == 'loaded' for r in self.records.values()) > before
        _warn(failed)
        trust.warn_overrides(list(self.records.values()))
        return added

    def _load_builtins(self):
        module = importlib.import_module(BUILTINS_MODULE)
        record = PluginRecord(BUILTINS_KEY, 'builtins', 'kcore', _own_version(),
                              'builtins=%s' % BUILTINS_MODULE, module)
        error = self._add_plugin(record)
        if error:  # kcore itself is broken: nothing would work, say so now
            raise PluginLoadError('kcore\'s built-in plugin failed: %s' % error)

    def _scan(self):
        """Look at every entry point of the group once; returns the records that failed."""
        from importlib.metadata import entry_points
        self._path_signature = _path_signature()
        disabled = {_normalize(s) for s in os.environ.get('KCORE_DISABLE_PLUGINS', '').split(',') if s.strip()}
        trace = _env_flag('KCORE_TRACE_PLUGINS')
        failed = []
        for ep in sorted(entry_points(group=hookspecs.PROJECT), key=lambda e: (e.name, e.value)):
            if ep.value == BUILTINS_MODULE:  # kcore's own entry point: registered directly
                continue
            dist = getattr(ep, 'dist', None)
            dist_name = dist.metadata['Name'] if dist is not None else None
            key = '%s:%s' % (dist_name, ep.name) if dist_name else '%s=%s' % (ep.name, ep.value)
            if key in self._seen:
                continue
            self._seen.add(key)
            record = PluginRecord(key, ep.name, dist_name, dist.version if dist is not None else None,
                                  '%s=%s' % (ep.name, ep.value))
            self.records[key] = record
            if _normalize(ep.name) in disabled or (dist_name and _normalize(dist_name) in disabled):
                record.status = 'disabled'
                if trace:
                    print('kcore: plugin %s (%s) disabled by KCORE_DISABLE_PLUGINS' % (ep.name, record.label),
                          file=sys.stderr)
                continue
            if trace:
                print('kcore: loading plugin %s (%s) from %s' % (ep.name, record.label or '?', ep.value),
                      file=sys.stderr)
            start = time.perf_counter()
            try:
                record.module = ep.load()
            except Exception as e:  # noqa: BLE001 - a broken plugin must not take kcore down
                self._fail(record, 'import failed: %s: %s' % (type(e).__name__, e), failed)
                continue
            finally:
                record.import_seconds = round(time.perf_counter() - start, 3)
                if trace:
                    print('kcore: plugin %s (%s) imported in %.2f s%s'
                          % (ep.name, record.label or '?', record.import_seconds,
                             ' -- slow: this delays the first name look-up of every process'
                             if record.import_seconds >= SLOW_IMPORT_SECONDS else ''), file=sys.stderr)
            error = self._add_plugin(record)
            if error:
                self._fail(record, error, failed)
        return failed

    def _add_plugin(self, record):
        """Register the plugin's hooks and run them; on any error undo it all and return the message."""
        self.records[record.key] = record
        try:
            self.pm.register(record.module, name=record.key)
            self.pm.check_pending()
        except Exception as e:  # unknown hook name, bad signature, registered twice
            if self.pm.get_plugin(record.key) is record.module:
                self.pm.unregister(name=record.key)
            return 'invalid hooks: %s%s' % (e, _misspelling_hint(record.module))
        trace = _env_flag('KCORE_TRACE_PLUGINS')
        for hook_name, kind in hookspecs.KINDS.items():
            for impl in getattr(self.pm.hook, hook_name).get_hookimpls():
                if impl.plugin_name != record.key:
                    continue
                if trace:
                    print('kcore: %s.%s()' % (record.name, hook_name), file=sys.stderr)
                try:
                    impl.function(register=self._registrar(kind, record, trace))
                except Exception as e:  # noqa: BLE001
                    self._rollback(record)
                    return '%s raised %s: %s' % (hook_name, type(e).__name__, e)
        return None

    def _registrar(self, kind, record, trace):
        registry = self.registries[kind]

        def register(obj, name=None, aliases=(), backend=None, **meta):
            name = _registration_name(kind, obj, name, backend)
            _check_supports(kind, name, backend, meta)
            trust.check_type(kind, obj, name or getattr(obj, '__name__', None), record.label or record.key)
            wanted = [name or getattr(obj, '__name__', None)] + ([aliases] if isinstance(aliases, str)
                                                                 else list(aliases))
            taken = trust.overrides(self.registries, kind, wanted, record.label, meta.get('replace', False))
            names = registry.add(obj, name=name, aliases=aliases, plugin=record.key,
                                 distribution=record.label, **meta)
            record.registered.setdefault(kind, []).extend(names)
            record.overrides.extend(why for _, why in taken)
            if trace:
                print('kcore:   %s %s' % (kind, ', '.join(names)), file=sys.stderr)
            return obj
        return register

    def _rollback(self, record):
        for registry in self.registries.values():
            registry.remove_plugin(record.key)
        record.registered = {}
        record.overrides = []
        if self.pm.get_plugin(record.key) is not None:
            self.pm.unregister(name=record.key)

    def _fail(self, record, message, failed):
        record.status = 'failed'
        record.error = message
        record.module = None
        failed.append(record)

    # -- in-process registration ----------------------------------------------
    def register_plugin(self, module, name=None):
        """Register a module (or object) of hook implementations by hand.

        Registering the same module again is a no-op; a reloaded module (same
        name, new object) replaces the old one.  Raises ``PluginLoadError`` if its
        hooks are invalid or raise, leaving nothing of it registered.
        """
        self.load()
        key = name or getattr(module, '__name__', None) or '%s@%x' % (type(module).__name__, id(module))
        with self._lock:
            old = self.records.get(key)
            if old is not None:
                if old.module is module:
                    return old
                self.unregister_plugin(old.module)
            record = PluginRecord(key, key, module=module)
            error = self._add_plugin(record)
            if error:
                del self.records[key]
                raise PluginLoadError('Cannot register plugin %r: %s' % (key, error))
        return record

    def unregister_plugin(self, module):
        """Undo ``register_plugin``: remove the module's hooks and every name it registered."""
        with self._lock:
            for key, record in list(self.records.items()):
                if record.module is module and key != BUILTINS_KEY:
                    self._rollback(record)
                    del self.records[key]

    def register_object(self, obj, kind, name=None, aliases=(), replace=False, backend=None, **meta):
        """File one object in one registry, in-process; returns the names it got."""
        self.load()
        name = _registration_name(kind, obj, name, backend)
        _check_supports(kind, name, backend, meta)
        trust.check_type(kind, obj, name or getattr(obj, '__name__', None), 'in-process registration')
        with self._lock:
            record = self.records.get(IN_PROCESS_KEY)
            if record is None:
                record = self.records[IN_PROCESS_KEY] = PluginRecord(IN_PROCESS_KEY, IN_PROCESS_KEY)
            names = self.registries[kind].add(obj, name=name, aliases=aliases, plugin=IN_PROCESS_KEY,
                                              distribution=None, replace=replace, **meta)
            listed = record.registered.setdefault(kind, [])
            listed.extend(n for n in names if n not in listed)
        return names

    def unregister_object(self, obj, kind=None):
        kinds = [kind] if kind else list(self.registries)
        removed = []
        with self._lock:
            for k in kinds:
                gone = self.registries[k].remove(obj)
                removed.extend(gone)
                record = self.records.get(IN_PROCESS_KEY)
                if record is not None and gone:
                    record.registered[k] = [n for n in record.registered.get(k, ()) if n not in gone]
        return removed

    # -- reporting ------------------------------------------------------------------
    def plugin_table(self):
        """One dict per plugin (see ``PluginRecord.as_dict``), built-ins first."""
        self.load()
        return [r.as_dict() for r in self.records.values()]

    def hint(self, kind, name):
        """For an unknown name that a first-party package provides: what to install or enable."""
        return known.install_hint(kind, name, self.records.values(),
                                  autoload_disabled=_env_flag('KCORE_DISABLE_PLUGIN_AUTOLOAD'))

    # -- test support -----------------------------------------------------------------
    def reset(self):
        """Forget every plugin and name: the state right after ``import kcore`` (for tests)."""
        with self._lock:
            for registry in self.registries.values():
                registry.clear()
            self._fresh_state()

    @contextlib.contextmanager
    def isolated(self):
        """A fresh, unloaded plugin state inside the block, the previous one after it.

        Discovery then runs again on the first look-up inside the block.  Tests use
        ``kcore.testing.isolated()``, which also restores the active device backend.
        """
        with self._lock:
            saved = (self.__dict__.copy(), {k: r.snapshot() for k, r in self.registries.items()})
            self.reset()
        try:
            yield self
        finally:
            with self._lock:
                state, registries = saved
                self.__dict__.update(state)
                for kind, snap in registries.items():
                    self.registries[kind].restore(snap)


def _registration_name(kind, obj, name, backend):
    """Backends are filed under their ``name``; a kernel override for one backend as 'op@backend'."""
    if kind == 'backends':
        return name or obj.name
    if backend:
        if kind != 'kernels':
            raise TypeError('register(..., backend=%r) is for kernels only; this is a %s registration.'
                            % (backend, kind))
        return '%s@%s' % (name or obj.__name__, backend)
    return name


def _check_supports(kind, name, backend, meta):
    """``supports=`` (the predicate that lets an override decline inputs) belongs to kernel overrides."""
    if 'supports' not in meta:
        return
    supports = meta['supports']
    if kind != 'kernels' or not backend:
        raise TypeError('register(..., supports=...) is for kernel overrides only (register(fn, name=op, '
                        "backend='cuda', supports=predicate)); this is a %s registration of %r." % (kind, name))
    if supports is not None and not callable(supports):
        raise TypeError('register(%r, supports=...): expected a function of the kernel\'s arguments that '
                        'returns True when the override handles them. Received: %r.' % (name, supports))


def _warn(failed):
    for record in failed:
        warnings.warn(PluginLoadWarning(
            'kcore: plugin %r (distribution %s, entry point %s) was not loaded: %s. Everything else keeps '
            'working; fix or uninstall it, or set KCORE_DISABLE_PLUGINS=%s.'
            % (record.name, record.label or '?', record.entry_point, record.error, record.name)), stacklevel=4)


def _misspelling_hint(module):
    names = [n for n in dir(module) if n.startswith('register') and n not in hookspecs.KINDS]
    close = {n: difflib.get_close_matches(n, list(hookspecs.KINDS), n=1) for n in names}
    hints = ['%s -> %s?' % (n, c[0]) for n, c in close.items() if c]
    return ' (did you mean: %s)' % ', '.join(hints) if hints else ''


def _path_signature():
    """What changes when a distribution appears on ``sys.path``: the folders, their mtimes and link counts."""
    sig = []
    for p in sys.path:
        try:
            st = os.stat(p or '.')
        except OSError:
            continue
        sig.append((p, st.st_mtime_ns, st.st_nlink))
    return tuple(sig)


def _own_version():
    try:
        from importlib.metadata import version
        return version('kcore')
    except Exception:  # noqa: BLE001 - running from a bare checkout
        return None


def _env_flag(name):
    return os.environ.get(name, '').strip().lower() not in ('', '0', 'false', 'no')


manager = PluginManager()

__all__ = ['manager', 'PluginManager', 'PluginRecord', 'PluginLoadError', 'PluginLoadWarning']
