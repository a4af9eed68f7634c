"""The built-in layers, with the example each one gives the generic layer test.

``example``: dict(s) with ``kwargs`` and ``input_shape`` (batch axis included),
optionally ``input_dtype`` and ``input_range``; see ``kcore.testing``.
"""
from kcore.layers.core import Activation, Dense, Dropout, Flatten
from kcore.layers.input_layer import InputLayer

LAYERS = [
    (InputLayer, (), None),
    (Dense, (), [{'kwargs': {'units': 3}, 'input_shape': (2, 4)},
                 {'kwargs': {'units': 2, 'activation': 'tanh', 'use_bias': False}, 'input_shape': (2, 3, 4)}]),
    (Activation, (), [{'kwargs': {'activation': 'tanh'}, 'input_shape': (2, 5)}]),
    (Dropout, (), [{'kwargs': {'rate': 0.5}, 'input_shape': (2, 5)}]),
    (Flatten, (), [{'kwargs': {}, 'input_shape': (2, 3, 4)}]),
]
