"""Walking nested structures (lists, tuples, dicts) of tensors.

Layers and models take and return such structures (``Concatenate()([a, b])``,
multi-output models, dict inputs); these helpers flatten them to lists and
rebuild them, in a fixed order (dicts by sorted key, as Keras does).
"""


def flatten(structure):
    """The leaves of ``structure`` in order; a leaf is anything but list/tuple/dict."""
    if isinstance(structure, (list, tuple)):
        out = []
        for s in structure:
            out.extend(flatten(s))
        return out
    if isinstance(structure, dict):
        out = []
        for k in sorted(structure):
            out.extend(flatten(structure[k]))
        return out
    return [structure]


def map_structure(fn, structure):
    """The same structure with ``fn`` applied to every leaf."""
    if isinstance(structure, list):
        return [map_structure(fn, s) for s in structure]
    if isinstance(structure, tuple):
        return tuple(map_structure(fn, s) for s in structure)
    if isinstance(structure, dict):
        return {k: map_structure(fn, v) for k, v in structure.items()}
    return fn(structure)


def pack_like(structure, flat):
    """Rebuild ``structure`` with the leaves taken from ``flat`` in order."""
    it = iter(flat)

    def take(_):
        return next(it)
    return map_structure_sorted(take, structure)


def map_structure_sorted(fn, structure):
    """``map_structure`` visiting dict keys in sorted order (to match ``flatten``)."""
    if isinstance(structure, list):
        return [map_structure_sorted(fn, s) for s in structure]
    if isinstance(structure, tuple):
        return tuple(map_structure_sorted(fn, s) for s in structure)
    if isinstance(structure, dict):
        return {k: map_structure_sorted(fn, structure[k]) for k in sorted(structure)}
    return fn(structure)


def is_nested(x):
    """Whether ``x`` is a list, tuple or dict (a structure ``nest`` walks into)."""
    return isinstance(x, (list, tuple, dict))
