"""Optimizers (``kcore.optimizers.Adam``, or ``'adam'`` in compile)."""
from kcore import _legacy_paths
from kcore import plugins as _plugins
from kcore.training import schedules  # noqa: F401
from kcore.training.optimizers import Optimizer, get  # noqa: F401
from kcore.serialization import serialize as _s
from kcore.serialization import deserialize as _d


def serialize(optimizer):
    """An optimizer as a ``{'class_name', 'config'}`` dict.

    Args:
        optimizer: An ``Optimizer`` instance.

    Returns:
        A JSON-able dict.
    """
    return _s(optimizer, 'optimizers')


def deserialize(config, custom_objects=None):
    """The optimizer a ``serialize`` result (or a name such as ``'adam'``) describes.

    Args:
        config: An optimizer name or a ``{'class_name', 'config'}`` dict.
        custom_objects: ``{name: class}`` for optimizers kcore does not register.

    Returns:
        An ``Optimizer`` instance.

    Raises:
        ValueError: ``config`` is neither a name nor such a dict.
        UnknownNameError: It names an optimizer nothing registers (a KeyError).
    """
    return _d(config, 'optimizers', custom_objects)


# names Keras 2's keras.optimizers imported, resolved on first use
__getattr__ = _plugins.module_getattr('optimizers', {n: _legacy_paths.COMMON[n] for n in (
    'K', 'serialize_keras_object', 'deserialize_keras_object')})
