"""Keras 2's module path ``keras.layers.convolutional_recurrent``: convolutional recurrent layers: ConvLSTM2D (kcore-rnn).

Every registered layer resolves here through the layer registry, as on
``kcore.layers``, so a plugin's classes appear under the path Keras used for
them without kcore naming them; a first-party plugin that is missing gives an
``ImportError`` with its ``pip install`` line.
"""
from kcore import _legacy_paths
from kcore import plugins as _plugins

__getattr__ = _plugins.module_getattr('layers', {n: _legacy_paths.COMMON[n] for n in (
    'K', 'activations', 'initializers', 'regularizers', 'constraints', 'InputSpec', 'Layer', 'conv_utils', 'has_arg', 'to_list', 'transpose_shape', 'Recurrent', 'ConvRecurrent2D')})

__dir__ = _plugins.module_dir('layers', globals())
