"""The built-in layers, with the example each one gives the generic layer test.

``example``: dict(s) read by ``kcore.testing.layer_test`` through the conformance
test: ``kwargs`` and ``input_shape`` (batch axis included; a list of shapes for
layers with several inputs), optionally ``input_dtype`` and ``input_range``
(``(low, high)`` for the random data) and ``call_kwargs`` (e.g. ``{'training':
True}``).  ``{'skip': reason}`` exempts a layer that cannot be called on data.
"""
from kcore.layers.core import Activation, Dense, Dropout, Flatten
from kcore.layers.embeddings import Embedding
from kcore.layers.input_layer import InputLayer
from kcore.layers.masking import Masking

LAYERS = [
    (InputLayer, (), {'skip': 'InputLayer is not called on data; Input() is covered by the model tests'}),
    (Dense, (), [{'kwargs': {'units': 3}, 'input_shape': (2, 4)},
                 {'kwargs': {'units': 2, 'activation': 'tanh', 'use_bias': False}, 'input_shape': (2, 3, 4)}]),
    (Activation, (), [{'kwargs': {'activation': 'tanh'}, 'input_shape': (2, 5)}]),
    (Dropout, (), [{'kwargs': {'rate': 0.5}, 'input_shape': (2, 5)}]),
    (Flatten, (), [{'kwargs': {}, 'input_shape': (2, 3, 4)}]),
    (Embedding, (), [{'kwargs': {'input_dim': 7, 'output_dim': 3}, 'input_shape': (2, 5),
                      'input_dtype': 'int32', 'input_range': (0, 7)},
                     {'kwargs': {'input_dim': 7, 'output_dim': 2, 'mask_zero': True, 'input_length': 4},
                      'input_shape': (2, 4), 'input_dtype': 'int32', 'input_range': (0, 7)}]),
    (Masking, (), [{'kwargs': {'mask_value': 0.0}, 'input_shape': (2, 3, 4)}]),
]
