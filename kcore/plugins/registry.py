"""Name registries, one per kind (layers, losses, optimizers, ...).

A registry maps names to objects and remembers, for every name, which plugin
and which distribution registered it.  Look-ups trigger plugin discovery the
first time (see ``manager.ensure_loaded``).  Unknown names raise
``UnknownNameError`` with close matches and, when a first-party plugin that is
not installed provides the name, the ``pip install`` line.
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
        self.plugin = plugin
        self.distribution = distribution
        self.meta = meta
        self.alias_of = alias_of

    @property
    def source(self):
        """'kcore-conv 0.1.0' style description for error messages."""
        return self.distribution or ('in-process registration (%s)' % self.plugin)


class Registry:
    """Names of one kind.  ``get(name)`` is the only call on the hot path."""

    def __init__(self, kind, loader=None, on_change=None):
        self.kind = kind
        self._on_change = on_change  # called after names are added or removed
        self._entries = {}
        self._conflicts = {}   # name -> list of Entry that all claimed it
        self._loader = loader  # callable run before the first look-up
        self._lock = threading.RLock()

    # -- registration -------------------------------------------------------
    def add(self, obj, name=None, aliases=(), plugin='__main__', distribution=None,
            replace=False, **meta):
        name = name or getattr(obj, '__name__', None)
        if not isinstance(name, str) or not name:
            raise TypeError('Cannot register %r in %s: it has no __name__; pass name=...'
                            % (obj, self.kind))
        names = [name] + [a for a in aliases if a != name]
        with self._lock:
            for i, n in enumerate(names):
                entry = Entry(n, obj, plugin, distribution, meta, alias_of=name if i else None)
                old = self._entries.get(n)
                if old is not None and old.obj is not obj and not replace:
                    if old.plugin == plugin and _same_definition(old.obj, obj):
                        pass  # the same class defined again (a notebook cell re-run)
                    elif old.distribution is None and distribution is None:
                        raise DuplicateNameError(
                            '%s name %r is already registered by %s (%r). Unregister it first '
                            '(kcore.plugins.unregister) or pass replace=True.'
                            % (self.kind, n, old.source, old.obj))
                    else:
                        # neither wins: the name fails on look-up, naming both
                        self._conflicts.setdefault(n, [old]).append(entry)
                        self._entries.pop(n, None)
                        continue
                if n in self._conflicts:
                    self._conflicts[n].append(entry)
                    continue
                self._entries[n] = entry
        if self._on_change is not None:
            self._on_change()
        return obj

    def remove(self, name_or_obj):
        """Remove a name (and its aliases), or every name of an object."""
        with self._lock:
            doomed = [n for n, e in self._entries.items()
                      if n == name_or_obj or e.obj is name_or_obj or e.alias_of == name_or_obj]
            for n in doomed:
                del self._entries[n]
                self._conflicts.pop(n, None)
        if doomed and self._on_change is not None:
            self._on_change()
        return doomed

    # -- look-up ------------------------------------------------------------
    def get(self, name):
        try:
            return self._entries[name].obj
        except (KeyError, TypeError):
            pass
        return self._slow_get(name).obj

    def entry(self, name):
        return self._slow_get(name)

    def _slow_get(self, name):
        if not isinstance(name, str):
            raise TypeError('Expected a %s name (a string). Received: %r.' % (singular(self.kind), name))
        if self._loader is not None:
            self._loader()
        if name in self._conflicts:
            claims = self._conflicts[name]
            raise DuplicateNameError(
                '%s name %r is registered by more than one plugin: %s. Uninstall one of them, '
                'or disable one with KCORE_DISABLE_PLUGINS=<plugin>.'
                % (self.kind, name, ' and '.join(sorted({e.source for e in claims}))))
        entry = self._entries.get(name)
        if entry is not None:
            return entry
        matches = [n for n in self._entries if n.lower() == name.lower()]
        if len(matches) == 1:
            return self._entries[matches[0]]
        if self._loader is not None and getattr(self._loader, 'rescan', None):
            if self._loader.rescan():  # a plugin installed after the first look-up
                return self._slow_get(name)
        raise UnknownNameError(self._unknown_message(name))

    def _unknown_message(self, name):
        from kcore.plugins import known
        msg = 'Unknown %s: %r.' % (singular(self.kind), name)
        provider = known.provider(self.kind, name)
        if provider:
            msg += (' It is provided by the plugin %s, which is not installed. '
                    'Install it with: pip install %s' % (provider, provider))
            return msg
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
            self._loader()
        return name in self._entries

    def names(self):
        if self._loader is not None:
            self._loader()
        return sorted(self._entries)

    def entries(self):
        if self._loader is not None:
            self._loader()
        return list(self._entries.values())

    def name_of(self, obj):
        """The canonical (non-alias) name an object is registered under, or None."""
        if self._loader is not None:
            self._loader()
        for e in self._entries.values():
            if e.obj is obj and e.alias_of is None:
                return e.name
        return None

    def __repr__(self):
        return '<Registry %s: %d names>' % (self.kind, len(self._entries))


def singular(kind):
    """'layers' -> 'layer', 'losses' -> 'loss' (for messages)."""
    return kind[:-2] if kind.endswith('sses') else kind[:-1] if kind.endswith('s') else kind


def _same_definition(a, b):
    return (getattr(a, '__module__', None) == getattr(b, '__module__', 1)
            and getattr(a, '__qualname__', None) == getattr(b, '__qualname__', 2))
