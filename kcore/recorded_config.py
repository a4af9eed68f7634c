"""Configs for free: a class that records the arguments of its constructor call.

Keras 3's ``Operation`` keeps the arguments it was built with, so a subclass with plain
arguments needs no hand-written ``get_config``.  ``RecordsArguments`` does this for
``Layer``, ``Optimizer``, ``Loss``, ``Metric``, initializers, regularizers and
constraints: every ``__init__`` a subclass defines is wrapped to record the arguments of
the outermost constructor call, and ``_recorded_config`` gives them back as a config
(plain values, registered objects by their configs).
"""
import functools
import inspect

import numpy as np

from kcore.serialization import registered_name, serialize


def _recording(init):
    """``init`` wrapped to record the arguments of the outermost constructor call."""
    @functools.wraps(init)
    def __init__(self, *args, **kwargs):
        if '_init_arguments' not in self.__dict__:
            self.__dict__['_init_arguments'] = (args, kwargs)  # no function: the object stays picklable
        init(self, *args, **kwargs)
    __init__._records_arguments = True
    return __init__


def plain(value):
    """``value`` as it can stand in a config: plain data, or a registered object's config."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if isinstance(value, (list, tuple)):
        return type(value)(plain(v) for v in value)
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: plain(v) for k, v in value.items()}
    if registered_name(value) is None:
        raise TypeError('a value of type %s, neither plain data nor a registered object' % type(value).__name__)
    return serialize(value)  # a registered function's name, or a registered object's config


class RecordsArguments:
    """Mixin of the configurable base classes: subclasses' constructor calls are recorded."""

    #: arguments the base class's ``get_config`` carries itself, never recorded twice
    _unrecorded = frozenset()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get('__init__')
        if init is not None and not getattr(init, '_records_arguments', False):
            cls.__init__ = _recording(init)

    def _recorded_config(self, skip=frozenset()):
        """The constructor arguments as a config, less ``_unrecorded`` and ``skip``;
        ``TypeError`` names an argument that cannot be stored."""
        if '_init_arguments' not in self.__dict__:
            return {}
        args, kwargs = self._init_arguments
        signature = inspect.signature(type(self).__init__)  # the outermost call's, unwrapped
        skip = self._unrecorded | frozenset(skip)
        out = {}
        for i, (name, value) in enumerate(signature.bind(self, *args, **kwargs).arguments.items()):
            param = signature.parameters[name]
            if i == 0:
                continue  # self
            if param.kind is param.VAR_POSITIONAL:
                if value:
                    raise TypeError('*%s (positional arguments without names)' % name)
                continue
            items = value.items() if param.kind is param.VAR_KEYWORD else [(name, value)]
            for key, item in items:
                if key in skip:
                    continue
                try:
                    out[key] = plain(item)
                except TypeError as e:
                    raise TypeError('argument %r: %s' % (key, e)) from None
        return out

    def _config_from_arguments(self, base, what, skip=frozenset()):
        """The recorded config, when ``type(self)`` keeps ``base.get_config``; else ``{}``.
        An argument that cannot be stored is a ``NotImplementedError`` naming it."""
        if type(self).get_config is not base.get_config:
            return {}
        try:
            return self._recorded_config(skip)
        except TypeError as e:
            raise NotImplementedError(
                '%s (%s): get_config() cannot record the constructor %s. Expected plain values (numbers, '
                'strings, lists, dicts, None) or registered objects. Implement get_config() returning the '
                'arguments that rebuild the %s.' % (what, type(self).__name__, e, what)) from None
