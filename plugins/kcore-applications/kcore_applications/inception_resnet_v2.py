"""``kcore.applications.inception_resnet_v2``: InceptionResNetV2 (Szegedy et al., 2016)
with Keras's layer names and ImageNet weights.

The residual scaling ``x + up * scale`` is a registered ``CustomScaleLayer``
where Keras 2.3 has a ``Lambda`` (same name, no weights), so a saved model
loads without running code.
"""
from kcore import backend as K
from kcore import layers
from kcore.models import Model

from kcore_applications import base, imagenet_utils, weights as _weights
from kcore_applications.imagenet_utils import decode_predictions, obtain_input_shape  # noqa: F401
from kcore_applications.layers import CustomScaleLayer

BASE_WEIGHT_URL = 'https://github.com/fchollet/deep-learning-models/releases/download/v0.7/'
_HASHES = ('e693bd0210a403b3192acc6073ad2e96', 'd19885ff4a710c122648d3b5c3b684e4')


def conv2d_bn(x, filters, kernel_size, strides=1, padding='same', activation='relu', use_bias=False, name=None):
    """Convolution, then (without bias) BatchNormalization without scale, then ``activation``."""
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding=padding, use_bias=use_bias, name=name)(x)
    if not use_bias:
        x = layers.BatchNormalization(axis=base.channel_axis(), scale=False,
                                      name=None if name is None else name + '_bn')(x)
    if activation is not None:
        x = layers.Activation(activation, name=None if name is None else name + '_ac')(x)
    return x


def _chain(x, convs):
    for spec in convs:
        x = conv2d_bn(x, *spec[:2], **(spec[2] if len(spec) > 2 else {}))
    return x


#: block type -> branches, each a list of conv2d_bn(filters, kernel_size) calls
_BLOCKS = {
    'block35': [[(32, 1)], [(32, 1), (32, 3)], [(32, 1), (48, 3), (64, 3)]],
    'block17': [[(192, 1)], [(128, 1), (160, [1, 7]), (192, [7, 1])]],
    'block8': [[(192, 1)], [(192, 1), (224, [1, 3]), (256, [3, 1])]],
}


def inception_resnet_block(x, scale, block_type, block_idx, activation='relu'):
    """One residual Inception block: ``x + scale * conv(concat(branches(x)))``, then ``activation``."""
    if block_type not in _BLOCKS:
        raise ValueError('Unknown Inception-ResNet block type. Expects "block35", "block17" or "block8", but '
                         'got: %s' % (block_type,))
    branches = [_chain(x, b) for b in _BLOCKS[block_type]]
    name = '%s_%s' % (block_type, block_idx)
    axis = base.channel_axis()
    mixed = layers.Concatenate(axis=axis, name=name + '_mixed')(branches)
    up = conv2d_bn(mixed, K.int_shape(x)[axis], 1, activation=None, use_bias=True, name=name + '_conv')
    x = CustomScaleLayer(scale, name=name)([x, up])
    if activation is not None:
        x = layers.Activation(activation, name=name + '_ac')(x)
    return x


_VALID2 = {'strides': 2, 'padding': 'valid'}


def _reduction(x, branches, name):
    outs = [_chain(x, b) for b in branches]
    outs.append(layers.MaxPooling2D(3, strides=2, padding='valid')(x))
    return layers.Concatenate(axis=base.channel_axis(), name=name)(outs)


def InceptionResNetV2(include_top=True, weights='imagenet', input_tensor=None, input_shape=None, pooling=None,
                      classes=1000, **kwargs):
    """InceptionResNetV2 (55,873,736 parameters with its classifier); 299x299x3 inputs by
    default (at least 75x75), preprocessed by ``preprocess_input`` (tf mode)."""
    base.no_kwargs('InceptionResNetV2', kwargs)
    _weights.check(weights, include_top, classes)
    input_shape = obtain_input_shape(input_shape, default_size=299, min_size=75,
                                     data_format=K.image_data_format(), require_flatten=include_top,
                                     weights=weights)
    img_input, inputs = base.image_input(input_tensor, input_shape)
    x = _chain(img_input, [(32, 3, _VALID2), (32, 3, {'padding': 'valid'}), (64, 3)])
    x = layers.MaxPooling2D(3, strides=2)(x)
    x = _chain(x, [(80, 1, {'padding': 'valid'}), (192, 3, {'padding': 'valid'})])
    x = layers.MaxPooling2D(3, strides=2)(x)
    branches = [_chain(x, b) for b in ([(96, 1)], [(48, 1), (64, 5)], [(64, 1), (96, 3), (96, 3)])]
    branches.append(conv2d_bn(layers.AveragePooling2D(3, strides=1, padding='same')(x), 64, 1))
    x = layers.Concatenate(axis=base.channel_axis(), name='mixed_5b')(branches)
    for i in range(1, 11):
        x = inception_resnet_block(x, scale=0.17, block_type='block35', block_idx=i)
    x = _reduction(x, [[(384, 3, _VALID2)], [(256, 1), (256, 3), (384, 3, _VALID2)]], 'mixed_6a')
    for i in range(1, 21):
        x = inception_resnet_block(x, scale=0.1, block_type='block17', block_idx=i)
    x = _reduction(x, [[(256, 1), (384, 3, _VALID2)], [(256, 1), (288, 3, _VALID2)],
                       [(256, 1), (288, 3), (320, 3, _VALID2)]], 'mixed_7a')
    for i in range(1, 10):
        x = inception_resnet_block(x, scale=0.2, block_type='block8', block_idx=i)
    x = inception_resnet_block(x, scale=1.0, activation=None, block_type='block8', block_idx=10)
    x = conv2d_bn(x, 1536, 1, name='conv_7b')
    if include_top:
        x = layers.GlobalAveragePooling2D(name='avg_pool')(x)
        x = layers.Dense(classes, activation='softmax', name='predictions')(x)
    else:
        x = base.global_pool(x, pooling)
    model = Model(inputs, x, name='inception_resnet_v2')
    fname = 'inception_resnet_v2_weights_tf_dim_ordering_tf_kernels%s.h5' % ('' if include_top else '_notop')
    return _weights.load(model, weights, (fname, BASE_WEIGHT_URL + fname, _HASHES[0 if include_top else 1]))


def preprocess_input(x, data_format=None, **kwargs):
    """``imagenet_utils.preprocess_input`` in tf mode (to -1..1)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode='tf', **kwargs)


__all__ = ['InceptionResNetV2', 'preprocess_input', 'decode_predictions']
