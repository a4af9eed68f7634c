"""Keras 2's ``keras.utils.generic_utils``: custom objects, (de)serialization and small helpers.

Deliberate difference: Keras's ``func_dump``/``func_load`` (marshalled Python
bytecode in a config) are not provided, since kcore never runs code read from a
file; a ``Lambda`` is saved by the name of a registered function instead.
"""
import inspect

from kcore.runtime.keras2_ops import transpose_shape  # noqa: F401  (Keras 2 kept it here too)
from kcore.serialization import CUSTOM_OBJECTS, registered_name
from kcore.utils.progbar import Progbar  # noqa: F401  (Keras imports it from here)


def get_custom_objects():
    """The global dict of custom objects (Keras 2): ``get_custom_objects()['swish'] = swish``
    makes ``'swish'`` resolve wherever names are deserialized (``load_model``, configs),
    before kcore's registries.  Registering with ``kcore.plugins.register`` is the kcore way."""
    return CUSTOM_OBJECTS


class CustomObjectScope:
    """``with CustomObjectScope({'MyLayer': MyLayer}):`` makes the names resolvable inside
    the block (``load_model``, ``model_from_json``, ...) and restores the previous global
    custom objects on exit, as Keras 2 does."""

    def __init__(self, *args):
        for i, arg in enumerate(args):
            if not isinstance(arg, dict):
                raise TypeError('CustomObjectScope: argument %d must be a dict of name -> object. '
                                'Received: %r.' % (i, arg))
        self.custom_objects = args
        self.backup = None

    def __enter__(self):
        self.backup = dict(CUSTOM_OBJECTS)
        for objects in self.custom_objects:
            CUSTOM_OBJECTS.update(objects)
        return self

    def __exit__(self, *exc):
        CUSTOM_OBJECTS.clear()
        CUSTOM_OBJECTS.update(self.backup)


def custom_object_scope(*args):
    """Make objects resolvable by name inside a ``with`` block (a ``CustomObjectScope``).

    ``with custom_object_scope({'MyLayer': MyLayer}): ...``.
    """
    return CustomObjectScope(*args)


def serialize_keras_object(instance):
    """``{'class_name': ..., 'config': ...}`` for an object with ``get_config``; the name of a
    function; None for None (Keras 2)."""
    if instance is None:
        return None
    if hasattr(instance, 'get_config'):
        return {'class_name': registered_name(instance) or type(instance).__name__,
                'config': instance.get_config()}
    if hasattr(instance, '__name__'):
        return instance.__name__
    raise ValueError('serialize_keras_object: cannot serialize %r. Expected an object with get_config() '
                     'or a named function.' % (instance,))


def deserialize_keras_object(identifier, module_objects=None, custom_objects=None,
                             printable_module_name='object'):
    """Keras 2's generic deserializer: a config dict or a name, looked up in
    ``custom_objects``, the global custom objects, then ``module_objects``.  Only names
    given in these dicts resolve; nothing in the identifier is imported or run."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        if 'class_name' not in identifier or 'config' not in identifier:
            raise ValueError('Improper config format for %s: %r. Expected a dict with "class_name" and '
                             '"config".' % (printable_module_name, identifier))
        cls = _find(identifier['class_name'], module_objects, custom_objects, printable_module_name)
        config = identifier['config']
        if hasattr(cls, 'from_config'):
            if has_arg(cls.from_config, 'custom_objects'):
                merged = dict(CUSTOM_OBJECTS, **(custom_objects or {}))
                return cls.from_config(config, custom_objects=merged)
            with CustomObjectScope(custom_objects or {}):
                return cls.from_config(config)
        with CustomObjectScope(custom_objects or {}):
            return cls(**config)
    if isinstance(identifier, str):
        return _find(identifier, module_objects, custom_objects, printable_module_name, kind='function')
    raise ValueError('Could not interpret serialized %s: %r. Expected a name or a config dict.'
                     % (printable_module_name, identifier))


def _find(name, module_objects, custom_objects, printable_module_name, kind='class'):
    for table in (custom_objects, CUSTOM_OBJECTS, module_objects):
        if table and name in table:
            return table[name]
    raise ValueError('Unknown %s: %s. Pass it in custom_objects={%r: ...}, use custom_object_scope, or '
                     'register it with kcore.plugins.register.' % (printable_module_name, name, name))


def getargspec(fn):
    """``inspect.getfullargspec`` (Keras 2 kept a Python 2 shim under this name)."""
    return inspect.getfullargspec(fn)


def has_arg(fn, name, accept_all=False):
    """Whether ``fn`` accepts a keyword argument ``name`` (or ``**kwargs``, with ``accept_all``)."""
    params = inspect.signature(fn).parameters
    if accept_all and any(p.kind == p.VAR_KEYWORD for p in params.values()):
        return True
    param = params.get(name)
    return param is not None and param.kind in (param.POSITIONAL_OR_KEYWORD, param.KEYWORD_ONLY)


def to_list(x, allow_tuple=False):
    """``x`` as a list: a list stays, a tuple is converted only with ``allow_tuple``."""
    if isinstance(x, list):
        return x
    if allow_tuple and isinstance(x, tuple):
        return list(x)
    return [x]


def unpack_singleton(x):
    """The only element of a one-element list or tuple; ``x`` otherwise."""
    if isinstance(x, (list, tuple)) and len(x) == 1:
        return x[0]
    return x


def object_list_uid(object_list):
    """A string made of the ``id`` of every object (Keras 2's cache key)."""
    return ', '.join(str(abs(id(x))) for x in to_list(object_list, allow_tuple=True))


def is_all_none(iterable_or_element):
    """Whether a value, or every item of a list or tuple, is None (Keras 2's helper)."""
    return all(x is None for x in to_list(iterable_or_element, allow_tuple=True))


def slice_arrays(arrays, start=None, stop=None):
    """Slice an array, or each array of a list, by ``[start:stop]`` or by a list of indices
    given as ``start``; None entries stay None."""
    if arrays is None:
        return [None]
    def take(a):
        if a is None:
            return None
        if hasattr(start, '__len__'):
            return a[start]
        return a[start:stop]
    if isinstance(arrays, list):
        return [take(a) for a in arrays]
    return take(arrays)


def check_for_unexpected_keys(name, input_dict, expected_values):
    """Raise ``ValueError`` when ``input_dict`` has keys outside ``expected_values`` (Keras 2's helper)."""
    unknown = set(input_dict) - set(expected_values)
    if unknown:
        raise ValueError('Unknown entries in {} dictionary: {}. Only expected the following keys: {}'
                         .format(name, sorted(unknown), list(expected_values)))


__all__ = ['CustomObjectScope', 'custom_object_scope', 'get_custom_objects', 'serialize_keras_object',
           'deserialize_keras_object', 'getargspec', 'has_arg', 'Progbar', 'to_list', 'unpack_singleton',
           'object_list_uid', 'is_all_none', 'slice_arrays', 'transpose_shape', 'check_for_unexpected_keys']
