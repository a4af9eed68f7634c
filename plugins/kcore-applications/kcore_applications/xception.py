"""``kcore.applications.xception``: Xception (Chollet, 2016) with Keras's layer names and
ImageNet weights."""
from kcore import backend as K
from kcore import layers
from kcore.models import Model

from kcore_applications import base, imagenet_utils, weights as _weights
from kcore_applications.imagenet_utils import decode_predictions, obtain_input_shape  # noqa: F401

_URL = 'https://github.com/fchollet/deep-learning-models/releases/download/v0.4/'
_HASHES = ('0a58e3b7378bc2990ea3b43d5981f1f6', 'b0042744bf5b25fce3cb969f33bebb97')


def _sepconv_bn(x, filters, name):
    x = layers.SeparableConv2D(filters, (3, 3), padding='same', use_bias=False, name=name)(x)
    return layers.BatchNormalization(axis=base.channel_axis(), name=name + '_bn')(x)


def _strided_block(x, filters, block, relu_first=True):
    """Two separable convolutions and a strided max pooling, beside a strided 1x1 shortcut."""
    axis = base.channel_axis()
    residual = layers.Conv2D(filters[1], (1, 1), strides=(2, 2), padding='same', use_bias=False)(x)
    residual = layers.BatchNormalization(axis=axis)(residual)
    prefix = 'block%d_sepconv' % block
    if relu_first:
        x = layers.Activation('relu', name=prefix + '1_act')(x)
    x = _sepconv_bn(x, filters[0], prefix + '1')
    x = layers.Activation('relu', name=prefix + '2_act')(x)
    x = _sepconv_bn(x, filters[1], prefix + '2')
    x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding='same', name='block%d_pool' % block)(x)
    return layers.add([x, residual])


def Xception(include_top=True, weights='imagenet', input_tensor=None, input_shape=None, pooling=None,
             classes=1000, **kwargs):
    """Xception (22,910,480 parameters with its classifier); 299x299x3 inputs by default
    (at least 71x71), preprocessed by ``preprocess_input`` (tf mode)."""
    base.no_kwargs('Xception', kwargs)
    _weights.check(weights, include_top, classes)
    input_shape = obtain_input_shape(input_shape, default_size=299, min_size=71,
                                     data_format=K.image_data_format(), require_flatten=include_top,
                                     weights=weights)
    img_input, inputs = base.image_input(input_tensor, input_shape)
    axis = base.channel_axis()
    x = layers.Conv2D(32, (3, 3), strides=(2, 2), use_bias=False, name='block1_conv1')(img_input)
    x = layers.BatchNormalization(axis=axis, name='block1_conv1_bn')(x)
    x = layers.Activation('relu', name='block1_conv1_act')(x)
    x = layers.Conv2D(64, (3, 3), use_bias=False, name='block1_conv2')(x)
    x = layers.BatchNormalization(axis=axis, name='block1_conv2_bn')(x)
    x = layers.Activation('relu', name='block1_conv2_act')(x)
    x = _strided_block(x, (128, 128), 2, relu_first=False)
    x = _strided_block(x, (256, 256), 3)
    x = _strided_block(x, (728, 728), 4)
    for block in range(5, 13):
        residual = x
        for i in (1, 2, 3):
            x = layers.Activation('relu', name='block%d_sepconv%d_act' % (block, i))(x)
            x = _sepconv_bn(x, 728, 'block%d_sepconv%d' % (block, i))
        x = layers.add([x, residual])
    x = _strided_block(x, (728, 1024), 13)
    for i, filters in ((1, 1536), (2, 2048)):
        x = _sepconv_bn(x, filters, 'block14_sepconv%d' % i)
        x = layers.Activation('relu', name='block14_sepconv%d_act' % i)(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name='avg_pool')(x)
        x = layers.Dense(classes, activation='softmax', name='predictions')(x)
    else:
        x = base.global_pool(x, pooling)
    model = Model(inputs, x, name='xception')
    fname = 'xception_weights_tf_dim_ordering_tf_kernels%s.h5' % ('' if include_top else '_notop')
    return _weights.load(model, weights, (fname, _URL + fname, _HASHES[0 if include_top else 1]))


def preprocess_input(x, data_format=None, **kwargs):
    """``imagenet_utils.preprocess_input`` in tf mode (to -1..1)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode='tf', **kwargs)


__all__ = ['Xception', 'preprocess_input', 'decode_predictions']
