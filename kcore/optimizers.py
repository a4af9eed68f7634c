"""Optimizers (``kcore.optimizers.Adam``, or ``'adam'`` in compile)."""
from kcore import plugins as _plugins
from kcore.training import schedules  # noqa: F401
from kcore.training.optimizers import Optimizer, get  # noqa: F401
from kcore.serialization import serialize as _s
from kcore.serialization import deserialize as _d


def serialize(optimizer):
    return _s(optimizer, 'optimizers')


def deserialize(config, custom_objects=None):
    return _d(config, 'optimizers', custom_objects)


__getattr__ = _plugins.module_getattr('optimizers')
