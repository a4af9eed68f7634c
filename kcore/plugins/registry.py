"""Name registries, one per kind (layers, losses, optimizers, ...).

A registry maps names to objects and remembers, for every name, which plugin
and which distribution registered it.  Look-ups trigger plugin discovery the
first time (the ``loader``'s ``ensure_loaded``), and a miss rescans for
plugins installed since (``loader.rescan``).  Unknown names raise
``UnknownNameError`` with close matches and, when a first-party plugin provides
the name, what to install or enable.

Two distributions claiming one name is not fatal at registration: the name is
parked as a conflict and fails on look-up, naming both; every other name keeps
working.  An in-process registration (a notebook, a test) that collides fails
at once, since its author is right there to rename it.
"""
import difflib
import threading

from kcore.errors import DuplicateNameError, UnknownNameError


class Entry:
    """One registered name: the object and where it came from."""

    __slots__ = ('name', 'obj', 'plugin', 'distribution', 'meta', 'alias_of')

    def __init__(self, name, obj, plugin, distribution, meta, alias_of=None):
        self.name = name
        self.obj = obj
        self.plugin = plugin              # the registering plugin's key
        self.distribution = distribution  # 'kcore-conv 0.1.0', or None in-process
        self.meta = meta
        self.alias_of = alias_of

    @property
    def source(self):
        """'kcore-conv 0.1.0 (plugin conv)' style description for error messages."""
        if self.distribution:
            return '%s (plugin %s)' % (self.distribution, self.plugin)
        return 'in-process registration (%s)' % self.plugin


class Registry:
    """Names of one kind.  ``get(name)`` is the only call on the hot path."""

    def __init__(self, kind, loader=None, on_change=None):
        self.kind = kind
        self._listeners = [on_change] if on_change is not None else []  # called after names change
        self._entries = {}
        self._conflicts = {}   # name -> [Entry, ...] that all claimed it
        self._loader = loader  # has ensure_loaded(), rescan() and hint(kind, name)
        self._lock = threading.RLock()

    # -- registration -------------------------------------------------------
    def add(self, obj, name=None, aliases=(), plugin='__main__', distribution=None,
            replace=False, **meta):
        """File ``obj`` under ``name`` (default ``obj.__name__``) and ``aliases``; returns the names."""
        name = name or getattr(obj, '__name__', None)
        if not isinstance(name, str) or not name:
            raise TypeError('Cannot register %r in %s: it has no __name__. Pass name=....'
                            % (obj, self.kind))
        if isinstance(aliases, str):
            aliases = (aliases,)
        bad = [a for a in aliases if not isinstance(a, str) or not a]
        if bad:
            raise TypeError('Cannot register %r in %s: aliases must be non-empty strings. Received: %r.'
                            % (name, self.kind, bad))
        names = [name] + [a for a in dict.fromkeys(aliases) if a != name]
        entries = [Entry(n, obj, plugin, distribution, meta, alias_of=name if i else None)
                   for i, n in enumerate(names)]
        with self._lock:
            if distribution is None and not replace:
                for n in names:  # check all names first: fail without a half-registration
                    old = self._entries.get(n)
                    if old is not None and not self._may_replace(old, obj, plugin):
                        raise DuplicateNameError(
                            '%s name %r is already registered by %s (%r). Register yours under another '
                            'name (name=...), unregister the old one (kcore.plugins.unregister), or pass '
                            'replace=True.' % (self.kind, n, old.source, old.obj))
            for entry in entries:
                self._add_entry(entry, replace)
        self._notify()
        return names

    def subscribe(self, callback):
        """Call ``callback()`` after names are added or removed (the device layer keeps its
        kernel table this way, so the registries never import what sits above them)."""
        self._listeners.append(callback)

    def _notify(self):
        for callback in self._listeners:
            callback()

    def _may_replace(self, old, obj, plugin):
        # the same object, or the same class defined again by a re-run notebook cell
        return old.obj is obj or (old.plugin == plugin and _same_definition(old.obj, obj))

    def _add_entry(self, entry, replace):
        n = entry.name
        if n in self._conflicts:
            self._conflicts[n].append(entry)
            return
        old = self._entries.get(n)
        if old is None or replace or self._may_replace(old, entry.obj, entry.plugin):
            self._entries[n] = entry
            return
        # neither wins: the name fails on look-up, naming both
        self._conflicts[n] = [old, entry]
        del self._entries[n]

    def remove(self, name_or_obj):
        """Remove a name (and its aliases), or every name of an object; returns the names removed."""
        return self._remove(lambda e: (e.name == name_or_obj or e.obj is name_or_obj
                                       or e.alias_of == name_or_obj))

    def remove_plugin(self, plugin):
        """Remove every name the plugin with key ``plugin`` registered (conflict claims included)."""
        return self._remove(lambda e: e.plugin == plugin)

    def _remove(self, doomed_if):
        with self._lock:
            doomed = [n for n, e in self._entries.items() if doomed_if(e)]
            for n in doomed:
                del self._entries[n]
            for n, claims in list(self._conflicts.items()):
                kept = [e for e in claims if not doomed_if(e)]
                if len(kept) == len(claims):
                    continue
                doomed.append(n)
                del self._conflicts[n]
                for e in kept:  # one claim left: it stands; two or more: still a conflict
                    self._add_entry(e, replace=False)
        if doomed:
            self._notify()
        return doomed

    def clear(self):
        with self._lock:
            self._entries.clear()
            self._conflicts.clear()
        self._notify()

    def snapshot(self):
        with self._lock:
            return dict(self._entries), {n: list(c) for n, c in self._conflicts.items()}

    def restore(self, state):
        with self._lock:
            self._entries, self._conflicts = dict(state[0]), {n: list(c) for n, c in state[1].items()}
        self._notify()

    # -- look-up ------------------------------------------------------------
    def get(self, name):
        try:
            return self._entries[name].obj
        except (KeyError, TypeError):
            pass
        return self._slow_get(name).obj

    def entry(self, name):
        """The ``Entry`` for ``name``: the object with its provenance and meta."""
        try:
            return self._entries[name]
        except (KeyError, TypeError):
            return self._slow_get(name)

    def _slow_get(self, name, rescanned=False):
        if not isinstance(name, str):
            raise TypeError('Expected a %s name (a string). Received: %r.' % (singular(self.kind), name))
        if self._loader is not None:
            self._loader.ensure_loaded()
        if name in self._conflicts:
            claims = self._conflicts[name]
            raise DuplicateNameError(
                '%s name %r is registered by more than one plugin: %s. Uninstall one of them, or disable '
                'one with KCORE_DISABLE_PLUGINS=<plugin>.'
                % (self.kind, name, ' and '.join(sorted({e.source for e in claims}))))
        entry = self._entries.get(name)
        if entry is not None:
            return entry
        matches = [n for n in self._entries if n.lower() == name.lower()]
        if len(matches) == 1:
            return self._entries[matches[0]]
        if not rescanned and self._loader is not None and self._loader.rescan():
            return self._slow_get(name, rescanned=True)  # a plugin installed after the first look-up
        error = UnknownNameError(self._unknown_message(name))
        error.kind, error.name = self.kind, name
        raise error

    def _unknown_message(self, name):
        msg = 'Unknown %s: %r.' % (singular(self.kind), name)
        hint = self._loader.hint(self.kind, name) if self._loader is not None else None
        if hint:
            return msg + ' ' + hint
        close = difflib.get_close_matches(name, list(self._entries), n=5, cutoff=0.6)
        if not close:
            close = [n for n in self._entries if name.lower() in n.lower()][:5]
        if close:
            msg += ' Did you mean: %s?' % ', '.join(repr(c) for c in close)
        msg += (' If it is your own, register it with kcore.plugins.register(...) '
                'or pass it in custom_objects.')
        return msg

    def __contains__(self, name):
        if self._loader is not None:
            self._loader.ensure_loaded()
        return name in self._entries

    def names(self):
        if self._loader is not None:
            self._loader.ensure_loaded()
        return sorted(self._entries)

    def entries(self):
        if self._loader is not None:
            self._loader.ensure_loaded()
        return list(self._entries.values())

    def name_of(self, obj):
        """The canonical (non-alias) name an object is registered under, or None."""
        if self._loader is not None:
            self._loader.ensure_loaded()
        for e in self._entries.values():
            if e.obj is obj and e.alias_of is None:
                return e.name
        return None

    def __repr__(self):
        return '<Registry %s: %d names>' % (self.kind, len(self._entries))


def singular(kind):
    """'layers' -> 'layer', 'losses' -> 'loss', 'strategies' -> 'strategy' (for messages)."""
    if kind.endswith('ies'):
        return kind[:-3] + 'y'
    return kind[:-2] if kind.endswith('sses') else kind[:-1] if kind.endswith('s') else kind


def _same_definition(a, b):
    return (getattr(a, '__module__', None) == getattr(b, '__module__', 1)
            and getattr(a, '__qualname__', None) == getattr(b, '__qualname__', 2))
