"""Losses.  Built-in ones are here; any registered loss (plugins included)
resolves by attribute: ``kcore.losses.Hinge`` once kcore-losses is installed."""
from kcore import _legacy_paths
from kcore import plugins as _plugins
from kcore.training.losses import (BinaryCrossentropy, CategoricalCrossentropy, Loss,  # noqa: F401
                                   LossFunctionWrapper, MeanSquaredError, SparseCategoricalCrossentropy,
                                   binary_crossentropy, categorical_crossentropy, get, mean_squared_error,
                                   mse, reduce_weighted, sparse_categorical_crossentropy, is_categorical_crossentropy)
from kcore.serialization import serialize as _s
from kcore.serialization import deserialize as _d


def serialize(loss):
    """A loss as a name or a ``{'class_name', 'config'}`` dict, for a config or a file.

    Args:
        loss: A loss function or ``Loss`` instance.

    Returns:
        A string for a function, a dict for an instance.
    """
    return _s(loss, 'losses')


def deserialize(config, custom_objects=None):
    """The loss a ``serialize`` result describes.

    Args:
        config: A loss name or a ``{'class_name', 'config'}`` dict.
        custom_objects: ``{name: function or class}`` for losses kcore does not register.

    Returns:
        A loss function (for a name) or a ``Loss`` instance (for a dict).

    Raises:
        ValueError: ``config`` is neither a name nor such a dict.
        UnknownNameError: It names a loss nothing registers (a KeyError).
    """
    return _d(config, 'losses', custom_objects)


# names Keras 2's keras.losses imported (``from keras.losses import K``), resolved on first use
__getattr__ = _plugins.module_getattr('losses', {n: _legacy_paths.COMMON[n] for n in (
    'K', 'serialize_keras_object', 'deserialize_keras_object', 'losses_utils')})
