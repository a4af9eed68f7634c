"""Plugins cannot silently take over kcore: type checks, visible overrides, provider checks on load.

* ``check_type``: a registration must be what its kind is (a layer a ``Layer``
  subclass, a loss a callable, a backend a ``Backend``...), so ``42`` or
  ``None`` never becomes a layer.
* ``overrides``: a distribution other than kcore's own ones that replaces a
  name kcore registered (``register(MyDense, name='Dense', replace=True)``) or
  overrides a built-in kernel for a built-in backend (``dense@numpy``) is
  recorded on its plugin (shown by ``kcore plugins``) and reported by one
  ``PluginOverrideWarning`` per distribution and process.
* ``check_providers``: a model file records the distribution behind every
  registered name it uses; ``load_model`` compares it with what provides the
  name now (see its docstring for why a difference refuses rather than warns).
"""
import inspect
import threading
import warnings

from kcore.errors import SavingError

#: kcore's own distributions: what they register is kcore's, never a takeover
FIRST_PARTY = frozenset(['kcore', 'kcore-conv', 'kcore-losses', 'kcore-rnn', 'kcore-gpu', 'kcore-applications',
                         'kcore-mpi'])
#: class each kind's classes must derive from (module, name); functions are allowed where callables are
_BASES = {
    'layers': ('kcore.layers.base', 'Layer'),
    'optimizers': ('kcore.training.optimizer_base', 'Optimizer'),
    'callbacks': ('kcore.training.callback_engine', 'Callback'),
    'backends': ('kcore.runtime.device', 'Backend'),
}
_CALLABLE_KINDS = frozenset(['kernels', 'ops', 'activations', 'initializers', 'regularizers', 'constraints',
                             'losses', 'metrics', 'schedules'])


class PluginOverrideWarning(UserWarning):
    """A third-party distribution replaced a name or a kernel that kcore itself provides."""


def _base(kind):
    import importlib
    module, name = _BASES[kind]
    return getattr(importlib.import_module(module), name)


def check_type(kind, obj, name, source):
    """Raise ``TypeError`` unless ``obj`` may be registered as a ``kind`` (named ``name`` by ``source``)."""
    if kind == 'backends':
        ok = isinstance(obj, _base(kind))
        expected = 'an instance of kcore.backend.Backend'
    elif kind in _BASES:
        ok = inspect.isclass(obj) and issubclass(obj, _base(kind))
        expected = 'a subclass of %s.%s' % _BASES[kind]
    elif kind in _CALLABLE_KINDS:
        ok = callable(obj) and not isinstance(obj, (bool, int, float, str, bytes))
        expected = 'a class or a function (something callable)'
    else:
        return
    if not ok:
        raise TypeError('Cannot register %r as a %s (by %s): expected %s. Received: %r of type %s.'
                        % (name, kind.rstrip('s'), source, expected, obj, type(obj).__name__))


def is_first_party(distribution):
    """True for a label like 'kcore-conv 0.1.0' of one of kcore's own distributions."""
    return bool(distribution) and _dist_name(distribution) in FIRST_PARTY


def _dist_name(label):
    return label.split(' ')[0].strip().lower().replace('_', '-') if label else None


def overrides(registries, kind, names, distribution, replace):
    """``[(name, what it takes over)]`` for a third-party registration of ``names`` of ``kind``
    (``registries``: kind -> ``Registry``)."""
    registry = registries[kind]
    if not distribution or is_first_party(distribution):
        return []
    found = []
    for n in names:
        old = registry._entries.get(n)
        if replace and old is not None and is_first_party(old.distribution):
            found.append((n, 'replaces %s %r registered by %s' % (kind.rstrip('s'), n, old.distribution)))
        elif kind == 'kernels' and '@' in n:
            op, backend = n.split('@', 1)
            if _builtin_backend(registries, backend) and op in registry._entries and is_first_party(
                    registry._entries[op].distribution):
                found.append((n, 'overrides the built-in kernel %r on the %r backend' % (op, backend)))
    return found


def _builtin_backend(registries, name):
    entry = registries['backends']._entries.get(name)
    return entry is not None and is_first_party(entry.distribution)


_warned = set()
_lock = threading.Lock()


def warn_overrides(records):
    """One ``PluginOverrideWarning`` per distribution and process, listing what it took over."""
    for record in records:
        if not record.overrides:
            continue
        with _lock:
            if record.label in _warned:
                continue
            _warned.add(record.label)
        warnings.warn(PluginOverrideWarning(
            'The plugin %s (distribution %s) takes over parts of kcore: %s. Models using these names now run '
            'its code. If you did not expect this, uninstall it or disable it with KCORE_DISABLE_PLUGINS=%s; '
            '`kcore plugins` lists every override.' % (record.name, record.label, '; '.join(record.overrides),
                                                      record.name)), stacklevel=3)


def check_providers(recorded, filepath, trust_plugins, registries):
    """Refuse a file whose names are now provided by another distribution than the one it records.

    ``recorded`` maps registered name -> distribution label as saved.  A name
    now registered in-process (by the user's own code) is the user's choice
    and passes.  ``trust_plugins`` is True (trust every installed plugin) or
    distribution names to trust.  ``registries``: kind -> ``Registry``.
    """
    if trust_plugins is True:
        return
    trusted = {_dist_name(t) for t in (trust_plugins or ())}
    for name, saved in sorted(recorded.items()):
        entries = [r._entries[name] for r in registries.values() if name in r._entries]
        if not entries:
            continue  # an unknown name fails later with its install hint
        current = {_dist_name(e.distribution) for e in entries}
        if _dist_name(saved) in current or None in current or current & trusted:
            continue
        now = sorted(current)[0]
        raise SavingError(
            'Refusing to load %r: it was saved with %r provided by %r, but here %r is provided by %r. The model '
            'would run that distribution\'s code instead of the code it was saved with. If you trust %s, pass '
            'load_model(..., trust_plugins=[%r]) (or trust_plugins=True for every installed plugin); otherwise '
            'uninstall or disable it (KCORE_DISABLE_PLUGINS).' % (filepath, name, saved, name, now, now, now))
