"""What the registries hold, for conformance tests parametrized over them.

    @pytest.mark.parametrize('name', registered_names('layers', distribution='kcore-mylayer'))
    def test_my_layers_conform(name):
        cls, examples = registered_examples('layers', name)
        ...

kcore's own conformance tests (``tests/test_*_conformance.py``) run every
registered layer, loss and optimizer this way; a plugin can run its own.
"""
from kcore.plugins import registry
from kcore.plugins.known import normalize as _normalize  # pip's rule: case, '-', '_' and '.' do not matter


def registered_names(kind, distribution=None):
    """Canonical names of ``kind`` (aliases dropped, one per object), sorted.

    ``distribution`` (a pip project name, e.g. ``'kcore-mylayer'``) keeps only
    the names that distribution registered.
    """
    names, seen = [], set()
    for entry in registry(kind).entries():
        if entry.alias_of is not None or id(entry.obj) in seen:
            continue
        if distribution is not None:
            project = (entry.distribution or '').split(' ')[0]
            if _normalize(project) != _normalize(distribution):
                continue
        seen.add(id(entry.obj))
        names.append(entry.name)
    return sorted(names)


def registered_examples(kind, name):
    """``(obj, examples)`` for a registered name: the ``example=`` it was registered with, as a list.

    An empty list means it has none; ``[{'skip': reason}]`` marks an object the
    generic test cannot run.
    """
    entry = registry(kind).entry(name)
    example = entry.meta.get('example')
    if not example:
        return entry.obj, []
    return entry.obj, list(example) if isinstance(example, (list, tuple)) else [example]


def registered_by(kind, name):
    """Who registered ``name``: ``'kcore-conv 0.1.0 (plugin conv)'`` or an in-process note."""
    return registry(kind).entry(name).source


__all__ = ['registered_names', 'registered_examples', 'registered_by']
