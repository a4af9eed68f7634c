"""Optimizers (``kcore.optimizers.Adam``, or ``'adam'`` in compile)."""
from kcore import _legacy_paths
from kcore import plugins as _plugins
from kcore.training import schedules  # noqa: F401
from kcore.training.optimizers import Optimizer, clip_norm, get  # noqa: F401
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


#: the optimizers Keras 2.3's ``deserialize`` matches case-insensitively
_KERAS_BUILTINS = ('sgd', 'rmsprop', 'adagrad', 'adadelta', 'adam', 'adamax', 'nadam')


def deserialize(config, custom_objects=None):
    """The optimizer a ``serialize`` result (or a name such as ``'adam'``) describes.

    As Keras 2.3, a built-in optimizer's ``class_name`` is matched case-insensitively and
    lower-cased in the given dict itself (Keras's tests compare against the mutated dict).

    Args:
        config: An optimizer name or a ``{'class_name', 'config'}`` dict.
        custom_objects: ``{name: class}`` for optimizers kcore does not register.

    Returns:
        An ``Optimizer`` instance.

    Raises:
        ValueError: ``config`` is neither a name nor such a dict.
        UnknownNameError: It names an optimizer nothing registers (a KeyError).
    """
    if isinstance(config, dict) and isinstance(config.get('class_name'), str) \
            and config['class_name'].lower() in _KERAS_BUILTINS:
        config['class_name'] = config['class_name'].lower()
    return _d(config, 'optimizers', custom_objects)


# names Keras 2's keras.optimizers imported, resolved on first use
__getattr__ = _plugins.module_getattr('optimizers', {n: _legacy_paths.COMMON[n] for n in (
    'K', 'serialize_keras_object', 'deserialize_keras_object')})
