"""Objects to JSON-able configs and back, through the registries only.

``serialize(obj)`` gives ``{'class_name': <registered name>, 'config': {...}}``
(plus the distribution that registered the name), or a plain name for
registered functions.  ``deserialize(config, kind)`` resolves names through
``custom_objects`` and then the registry of ``kind``; nothing in a config can
name a module to import or code to run.  ``resolve(kind, identifier)`` is the one
look-up behind every ``get()`` (``kcore.losses.get``, ...) and ``compile``.
"""
import importlib
import inspect

import numpy as np

from kcore.errors import UnknownNameError
from kcore.plugins import _BASES, registry
from kcore.plugins.registry import singular

#: Keras 2's global custom objects (``get_custom_objects()``, ``CustomObjectScope``): name ->
#: object, consulted before the registries when a name is deserialized.  Only the user's own
#: code puts objects here; a file can name them but never add to them.
CUSTOM_OBJECTS = {}


def _kind_of(obj):
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
    """The registered object for ``name`` (``custom_objects`` first).  An unknown name raises
    the registry's ``UnknownNameError``: close matches, or the plugin to ``pip install``."""
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if name in CUSTOM_OBJECTS:  # Keras 2's get_custom_objects() / CustomObjectScope
        return CUSTOM_OBJECTS[name]
    return registry(kind).get(name)


def deserialize(config, kind, custom_objects=None):
    """Turn a name or ``{'class_name', 'config'}`` back into an object of ``kind``.

    A name returns the registered object itself (a class or a function); a dict
    returns an instance built by the class's ``from_config`` (``cls(**config)`` for a class
    without one, as Keras 2).
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
    # Keras 2: a class without from_config (a plain callable loss class) is built as cls(**config)
    build = getattr(cls, 'from_config', None) or (lambda config: cls(**config))
    if 'custom_objects' in inspect.signature(build).parameters:
        return build(dict(inner), custom_objects=custom_objects)
    if not custom_objects:
        return build(dict(inner))
    # Keras 2 rebuilds inside a CustomObjectScope, so that the objects a config nests (a
    # layer's initializer, ...) resolve through custom_objects too
    backup = dict(CUSTOM_OBJECTS)
    CUSTOM_OBJECTS.update(custom_objects)
    try:
        return build(dict(inner))
    finally:
        CUSTOM_OBJECTS.clear()
        CUSTOM_OBJECTS.update(backup)


def weight_options(layer, *weights):
    """The initializer/regularizer/constraint entries of ``layer``'s config for ``weights``
    (``'kernel', 'bias'``), serialized in Keras's order: every initializer, then every
    regularizer, then every constraint."""
    return {'%s_%s' % (weight, part): serialize(getattr(layer, '%s_%s' % (weight, part)))
            for part in ('initializer', 'regularizer', 'constraint') for weight in weights}


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


#: kinds whose plain functions (or other callables) are objects of the kind
_CALLABLE_KINDS = frozenset(['activations', 'losses', 'metrics', 'initializers', 'regularizers', 'constraints'])
#: what an identifier of each kind may be, for the error
_EXPECTED = {
    'activations': "a name ('relu') or a function",
    'initializers': "a name ('glorot_uniform'), a config dict, an Initializer or a function(shape, dtype)",
    'regularizers': "a name ('l2'), a config dict, a Regularizer or a function(weights)",
    'constraints': "a name ('max_norm'), a config dict, a Constraint or a function(weights)",
    'losses': "a name ('mse'), a config dict, a Loss or a function(y_true, y_pred)",
    'metrics': "a name ('accuracy'), a config dict, a Metric or a function(y_true, y_pred)",
    'optimizers': "a name ('adam', 'sgd', ...), a config dict or an Optimizer",
    'schedules': "a name ('ExponentialDecay'), a config dict or a LearningRateSchedule",
}


def _base_class(kind):
    for k, module, name in _BASES:
        if k == kind:
            return getattr(importlib.import_module(module), name)
    return None


def resolve(kind, identifier, custom_objects=None):
    """The object ``identifier`` stands for in the registry of ``kind``: the one resolver
    behind ``kcore.losses.get``, ``kcore.optimizers.get``, ... and ``compile``.

    ``None`` gives None; a name or a config dict resolves through ``custom_objects``
    and the registry (a registered class is instantiated with its defaults); a class of
    the kind is instantiated; an instance (or, where the kind allows, a function) is
    returned as it is.  An unknown name raises one ``UnknownNameError`` wherever it is
    looked up, with close matches or the plugin that provides it.
    """
    if identifier is None:
        return None
    obj = deserialize(identifier, kind, custom_objects) if isinstance(identifier, (str, dict)) else identifier
    base = _base_class(kind)
    if inspect.isclass(obj):
        if base is not None and issubclass(obj, base):
            return obj()
    elif (base is not None and isinstance(obj, base)) or (kind in _CALLABLE_KINDS and callable(obj)):
        return obj
    raise ValueError('Could not interpret %s identifier. Expected %s. Received: %r.'
                     % (singular(kind), _EXPECTED.get(kind, 'a registered name or a config dict'), identifier))
