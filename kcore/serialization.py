"""Objects to JSON-able configs and back, through the registries only.

``serialize(obj)`` gives ``{'class_name': <registered name>, 'config': {...}}``
(plus the distribution that registered the name), or a plain name for
registered functions.  ``deserialize(config, kind)`` resolves names through
``custom_objects`` and then the registry of ``kind``; nothing in a config can
name a module to import or code to run.
"""
import inspect

import numpy as np

from kcore.errors import UnknownNameError
from kcore.plugins import registry
from kcore.plugins.registry import singular
from kcore.plugins import _BASES
from kcore.plugins import known


def _kind_of(obj):
    import importlib
    cls = obj if inspect.isclass(obj) else type(obj)
    for kind, module, name in _BASES:
        if issubclass(cls, getattr(importlib.import_module(module), name)):
            return kind
    return None


def registered_name(obj, kind=None):
    """The name ``obj`` (a class, instance or function) is registered under, or None."""
    target = obj if inspect.isclass(obj) or inspect.isfunction(obj) else type(obj)
    kinds = [kind] if kind else [k for k in ('layers', 'losses', 'metrics', 'optimizers', 'activations',
                                             'initializers', 'regularizers', 'constraints', 'schedules',
                                             'callbacks')]
    for k in kinds:
        name = registry(k).name_of(target)
        if name is not None:
            return name
    return None


def serialize(obj, kind=None):
    """A JSON-able description of ``obj`` that ``deserialize`` turns back into it."""
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    if inspect.isfunction(obj) or inspect.isbuiltin(obj):
        return registered_name(obj, kind) or obj.__name__
    kind = kind or _kind_of(obj)
    name = registered_name(obj, kind) or type(obj).__name__
    out = {'class_name': name, 'config': obj.get_config()}
    if kind is not None:
        try:
            entry = registry(kind).entry(name)
            if entry.distribution:
                out['registered_by'] = entry.distribution.strip()
        except (UnknownNameError, TypeError):
            pass
    return out


def _lookup(name, kind, custom_objects):
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    try:
        return registry(kind).get(name)
    except UnknownNameError as e:
        if kind == 'layers' or kind == 'losses' or kind == 'metrics' or kind == 'optimizers':
            if known.provider(kind, name) is None:
                raise UnknownNameError(
                    'Unknown %s %r. kcore could not find it in its registries, so it cannot rebuild it. '
                    'Either register the class once before loading (kcore.plugins.register(%s), or '
                    'publish it in a plugin), or pass custom_objects={%r: %s}.'
                    % (singular(kind), name, name, name, name)) from None
        raise e from None


def deserialize(config, kind, custom_objects=None):
    """Turn a name or ``{'class_name', 'config'}`` back into an object of ``kind``.

    A name returns the registered object itself (a class or a function); a dict
    returns an instance built by the class's ``from_config``.
    """
    if isinstance(config, str):
        return _lookup(config, kind, custom_objects)
    if not isinstance(config, dict) or 'class_name' not in config:
        raise ValueError('Cannot deserialize %s from %r: expected a name or a dict with "class_name" '
                         'and "config".' % (kind, config))
    name = config['class_name']
    if not isinstance(name, str):
        raise ValueError('Bad %s config: class_name must be a string. Received: %r.' % (kind, name))
    inner = config.get('config', {})
    if inner is None:
        inner = {}
    if name == 'function' and kind in ('losses', 'metrics', 'activations'):  # Keras 3 function refs
        return _lookup(inner, kind, custom_objects)
    cls = _lookup(name, kind, custom_objects)
    if not inspect.isclass(cls):
        return cls
    if not isinstance(inner, dict):
        raise ValueError('Bad config for %s %r: expected a dict. Received: %r.' % (kind, name, inner))
    params = inspect.signature(cls.from_config).parameters
    if 'custom_objects' in params:
        return cls.from_config(dict(inner), custom_objects=custom_objects)
    return cls.from_config(dict(inner))


def json_default(obj):
    """JSON for the NumPy values that configs pick up (sizes, dtypes, small arrays)."""
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.dtype):
        return obj.name
    if isinstance(obj, (set, frozenset)):
        return sorted(obj)
    raise TypeError('%r (of type %s) cannot be stored in a config' % (obj, type(obj).__name__))
