"""Keras 2's module path ``keras.layers.convolutional``: Convolution, convolution, up-sampling, padding and cropping layers (kcore-conv).

Every registered layer resolves here through the layer registry, as on
``kcore.layers``, so a plugin's classes appear under the path Keras used for
them without kcore naming them; a first-party plugin that is missing gives an
``ImportError`` with its ``pip install`` line.
"""
from kcore import _legacy_paths
from kcore import plugins as _plugins

_NAMES = {n: _legacy_paths.COMMON[n] for n in (
    'K', 'activations', 'initializers', 'regularizers', 'constraints', 'Layer', 'InputSpec', 'conv_utils',
    'transpose_shape')}
# Keras 1's dilated convolutions lived here too: factories of the registered Conv1D/Conv2D
_NAMES.update({name: 'kcore.legacy.layers' for name in
               ('AtrousConvolution1D', 'AtrousConvolution2D', 'AtrousConv1D', 'AtrousConv2D')})
__getattr__ = _plugins.module_getattr('layers', _NAMES)

__dir__ = _plugins.module_dir('layers', globals())
