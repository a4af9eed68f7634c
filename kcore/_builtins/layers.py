"""The built-in layers, with the example each one gives the generic layer test.

``example``: dict(s) read by ``kcore.testing.layer_test`` through the conformance
test: ``kwargs`` (or ``factory``, a function returning the layer, for layers
whose arguments are other layers) and ``input_shape`` (batch axis included; a
list of shapes for layers with several inputs), optionally ``input_dtype``,
``input_range`` (``(low, high)`` of the random data) and ``call_kwargs``
(e.g. ``{'training': True}``).  ``{'skip': reason}`` exempts a layer that
cannot be called on data.
"""
from kcore.layers.activation_layers import ELU, PReLU, ReLU, LeakyReLU, Softmax, ThresholdedReLU
from kcore.layers.core import ActivityRegularization, Activation, Dense, Dropout, Flatten
from kcore.layers.embeddings import Embedding
from kcore.layers.input_layer import Input, InputLayer
from kcore.layers.lambda_layer import Lambda
from kcore.layers.locally_connected import LocallyConnected1D, LocallyConnected2D
from kcore.layers.masking import Masking
from kcore.layers.merge import Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract
from kcore.layers.noise import AlphaDropout, GaussianDropout, GaussianNoise
from kcore.layers.batch_norm_kernels import EXAMPLES as _BATCH_NORM_EXAMPLES, KERNELS as _BATCH_NORM_KERNELS
from kcore.layers.normalization import EXAMPLES as _NORMALIZATION_EXAMPLES, KERNELS as _NORMALIZATION_KERNELS
from kcore.layers.normalization import BatchNormalization, LayerNormalization
from kcore.layers.op_layer import OpLayer
from kcore.layers.reshaping import Permute, RepeatVector, Reshape
from kcore.layers.spatial_dropout import SpatialDropout1D, SpatialDropout2D, SpatialDropout3D
from kcore.legacy.layers import Highway, MaxoutDense
from kcore.models.functional import Functional
from kcore.models.sequential import Sequential
from kcore.runtime import ops

#: kernels defined next to the layers that use them (registered by the built-in plugin)
LAYER_KERNELS = dict(_NORMALIZATION_KERNELS, **_BATCH_NORM_KERNELS)
LAYER_EXAMPLES = dict(_NORMALIZATION_EXAMPLES, **_BATCH_NORM_EXAMPLES)


def _sequential_example():
    return Sequential([Dense(3, activation='tanh'), Dense(2)])


def _functional_example():
    a = Input(shape=(4,))
    h = Dense(3, activation='tanh')(a)
    return Functional(a, Concatenate()([Dense(2)(h), h]))


def _lambda_example():
    return Lambda(ops.square)


def _models():
    return [
        (Sequential, (), [{'factory': _sequential_example, 'input_shape': (2, 4)}]),
        (Functional, ('Model',), [{'factory': _functional_example, 'input_shape': (2, 4)}]),
    ]


_SHAPE_3D = (2, 3, 4)
_TWO = [(2, 3), (2, 3)]
_THREE = [(2, 3), (2, 3), (2, 3)]
_BATCHNORM = {'axis': 1, 'momentum': 0.9, 'center': False, 'epsilon': 1e-2}

LAYERS = [
    (InputLayer, (), {'skip': 'InputLayer is not called on data; Input() is covered by the model tests'}),
    (Dense, (), [{'kwargs': {'units': 3}, 'input_shape': (2, 4)},
                 {'kwargs': {'units': 2, 'activation': 'tanh', 'use_bias': False}, 'input_shape': _SHAPE_3D}]),
    (Activation, (), [{'kwargs': {'activation': 'tanh'}, 'input_shape': (2, 5)}]),
    (Dropout, (), [{'kwargs': {'rate': 0.5}, 'input_shape': (2, 5)}]),
    (Flatten, (), [{'kwargs': {}, 'input_shape': _SHAPE_3D}]),
    (Reshape, (), [{'kwargs': {'target_shape': (4, 3)}, 'input_shape': _SHAPE_3D},
                   {'kwargs': {'target_shape': (-1, 2)}, 'input_shape': _SHAPE_3D}]),
    (Permute, (), [{'kwargs': {'dims': (2, 1)}, 'input_shape': _SHAPE_3D}]),
    (RepeatVector, (), [{'kwargs': {'n': 3}, 'input_shape': (2, 4)}]),
    (Lambda, (), [{'factory': _lambda_example, 'input_shape': _SHAPE_3D}]),
    (Masking, (), [{'kwargs': {'mask_value': 0.0}, 'input_shape': _SHAPE_3D}]),
    (ActivityRegularization, (), [{'kwargs': {'l1': 0.01, 'l2': 0.02}, 'input_shape': (2, 5)}]),
    (BatchNormalization, (), [{'kwargs': {}, 'input_shape': (2, 5)},
                              {'kwargs': {}, 'input_shape': (4, 5), 'call_kwargs': {'training': True}},
                              {'kwargs': _BATCHNORM, 'input_shape': _SHAPE_3D, 'call_kwargs': {'training': True}}]),
    (LayerNormalization, (), [{'kwargs': {}, 'input_shape': _SHAPE_3D},
                              {'kwargs': {'axis': [1, 2], 'center': False}, 'input_shape': _SHAPE_3D},
                              {'kwargs': {'rms_scaling': True}, 'input_shape': (2, 5)}]),
    (Embedding, (), [{'kwargs': {'input_dim': 7, 'output_dim': 3}, 'input_shape': (2, 5),
                      'input_dtype': 'int32', 'input_range': (0, 7)},
                     {'kwargs': {'input_dim': 7, 'output_dim': 2, 'mask_zero': True, 'input_length': 4},
                      'input_shape': (2, 4), 'input_dtype': 'int32', 'input_range': (0, 7)}]),
    (Add, (), [{'kwargs': {}, 'input_shape': _THREE}, {'kwargs': {}, 'input_shape': [(2, 3, 4), (2, 1, 4)]}]),
    (Subtract, (), [{'kwargs': {}, 'input_shape': _TWO}]),
    (Multiply, (), [{'kwargs': {}, 'input_shape': _THREE}]),
    (Average, (), [{'kwargs': {}, 'input_shape': _TWO}]),
    (Maximum, (), [{'kwargs': {}, 'input_shape': _THREE}]),
    (Minimum, (), [{'kwargs': {}, 'input_shape': _TWO}]),
    (Concatenate, (), [{'kwargs': {}, 'input_shape': [(2, 3), (2, 4)]},
                       {'kwargs': {'axis': 1}, 'input_shape': [(2, 3, 4), (2, 1, 4)]}]),
    (Dot, (), [{'kwargs': {'axes': 1}, 'input_shape': _TWO},
               {'kwargs': {'axes': (2, 1), 'normalize': True}, 'input_shape': [(2, 3, 4), (2, 4, 5)]}]),
    (GaussianNoise, (), [{'kwargs': {'stddev': 0.1}, 'input_shape': (2, 5)}]),
    (GaussianDropout, (), [{'kwargs': {'rate': 0.3}, 'input_shape': (2, 5)}]),
    (AlphaDropout, (), [{'kwargs': {'rate': 0.3}, 'input_shape': (2, 5)}]),
    (ReLU, (), [{'kwargs': {}, 'input_shape': (2, 5)},
                {'kwargs': {'max_value': 0.6, 'negative_slope': 0.1, 'threshold': 0.2}, 'input_shape': (2, 5)}]),
    (LeakyReLU, (), [{'kwargs': {'negative_slope': 0.2}, 'input_shape': (2, 5), 'input_range': (-1, 1)}]),
    (PReLU, (), [{'kwargs': {'alpha_initializer': 'random_uniform'}, 'input_shape': (2, 5), 'input_range': (-1, 1)},
                 {'kwargs': {'shared_axes': [1]}, 'input_shape': _SHAPE_3D, 'input_range': (-1, 1)}]),
    (ELU, (), [{'kwargs': {'alpha': 0.5}, 'input_shape': (2, 5), 'input_range': (-1, 1)}]),
    (ThresholdedReLU, (), [{'kwargs': {'theta': 0.5}, 'input_shape': (2, 5)}]),
    (Softmax, (), [{'kwargs': {}, 'input_shape': (2, 5)}, {'kwargs': {'axis': 1}, 'input_shape': _SHAPE_3D}]),
    (OpLayer, (), [{'kwargs': {'function': 'multiply', 'args': [{'__tensor__': 0}, {'__tensor__': 1}]},
                    'input_shape': _TWO},
                   {'kwargs': {'function': 'getitem',
                               'args': [{'__tensor__': 0}, {'__tuple__': [{'__slice__': [None, None, None]},
                                                                          {'__slice__': [1, None, None]}]}]},
                    'input_shape': [(2, 3)]}]),
    (SpatialDropout1D, (), [{'kwargs': {'rate': 0.5}, 'input_shape': (2, 4, 3)}]),
    (SpatialDropout2D, (), [{'kwargs': {'rate': 0.5}, 'input_shape': (2, 3, 4, 2)},
                            {'kwargs': {'rate': 0.4, 'data_format': 'channels_first'}, 'input_shape': (2, 3, 4, 2)}]),
    (SpatialDropout3D, (), [{'kwargs': {'rate': 0.5}, 'input_shape': (2, 2, 3, 2, 2)}]),
    (LocallyConnected1D, (), [{'kwargs': {'filters': 2, 'kernel_size': 3}, 'input_shape': (2, 6, 3)},
                              {'kwargs': {'filters': 3, 'kernel_size': 2, 'strides': 2, 'activation': 'tanh'},
                               'input_shape': (2, 7, 2)}]),
    (LocallyConnected2D, (), [{'kwargs': {'filters': 2, 'kernel_size': (2, 3)}, 'input_shape': (2, 4, 5, 2)},
                              {'kwargs': {'filters': 2, 'kernel_size': 2, 'strides': (2, 1),
                                          'data_format': 'channels_first', 'bias_initializer': 'random_uniform'},
                               'input_shape': (2, 3, 5, 4)}]),
    (Highway, (), [{'kwargs': {}, 'input_shape': (2, 4)},
                   {'kwargs': {'activation': 'tanh', 'bias': False}, 'input_shape': (2, 3)}]),
    (MaxoutDense, (), [{'kwargs': {'output_dim': 3}, 'input_shape': (2, 4)},
                       {'kwargs': {'output_dim': 2, 'nb_feature': 2, 'bias': False}, 'input_shape': (2, 5)}]),
]

LAYERS += _models()
