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
    return _s(loss, 'losses')


def deserialize(config, custom_objects=None):
    return _d(config, 'losses', custom_objects)


# names Keras 2's keras.losses imported (``from keras.losses import K``), resolved on first use
__getattr__ = _plugins.module_getattr('losses', {n: _legacy_paths.COMMON[n] for n in (
    'K', 'serialize_keras_object', 'deserialize_keras_object', 'losses_utils')})
