"""Layers.  Every name resolves through the layer registry, so plugin layers
(``kcore.layers.Conv2D`` from kcore-conv, your own registered ``MyLayer``) are
reached exactly like the built-in ``Dense``."""
from kcore import plugins as _plugins
from kcore import serialization as _serialization
from kcore.layers.base import Layer
from kcore.layers.input_layer import Input, InputLayer
from kcore.layers.input_spec import InputSpec
from kcore.layers import op_layer as _op_layer  # noqa: F401  (installs x + y, x[0], ... on KerasTensors)
from kcore.serialization import deserialize as _deserialize
from kcore.serialization import serialize as _serialize

# functional forms of the merge layers: name -> module that defines them
_FUNCTIONS = {name: 'kcore.layers.merge' for name in
              ('add', 'subtract', 'multiply', 'average', 'maximum', 'minimum', 'concatenate', 'dot')}
# Keras 1's dilated convolutions: factories of the registered Conv1D/Conv2D
_FUNCTIONS.update({name: 'kcore.legacy.layers' for name in
                   ('AtrousConvolution1D', 'AtrousConvolution2D', 'AtrousConv1D', 'AtrousConv2D')})
_FUNCTIONS['deserialize_keras_object'] = 'kcore.utils.generic_utils'
# Keras 2's submodules, reachable as attributes without importing them first (``layers.wrappers.TimeDistributed``)
_FUNCTIONS.update({name: ('kcore.layers.' + name, None) for name in (
    'advanced_activations', 'convolutional', 'convolutional_recurrent', 'core', 'cudnn_recurrent', 'embeddings',
    'local', 'merge', 'noise', 'normalization', 'pooling', 'recurrent', 'wrappers')})
# Keras 2.0's abstract recurrent bases (subclassed by old custom layers, never registered)
_FUNCTIONS.update({name: 'kcore.legacy.recurrent' for name in ('Recurrent', 'ConvRecurrent2D')})


def serialize(layer):
    """``{'class_name': ..., 'config': ...}`` of a layer (Keras's ``keras.layers.serialize``)."""
    return _serialization.serialize(layer, 'layers')


def deserialize(config, custom_objects=None):
    """A layer from its ``serialize`` output, through the layer registry."""
    return _serialization.deserialize(config, 'layers', custom_objects)


__getattr__ = _plugins.module_getattr('layers', _FUNCTIONS)


def serialize(layer):
    """``{'class_name', 'config'}`` of a layer (Keras's ``layers.serialize``)."""
    return _serialize(layer, 'layers')


def deserialize(config, custom_objects=None):
    """A layer from ``{'class_name', 'config'}``, through the layer registry only."""
    return _deserialize(config, 'layers', custom_objects)


__dir__ = _plugins.module_dir('layers', globals(), _FUNCTIONS)


__all__ = ['Layer', 'Input', 'InputLayer', 'InputSpec', 'serialize', 'deserialize']
