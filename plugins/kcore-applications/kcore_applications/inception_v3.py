"""``kcore.applications.inception_v3``: InceptionV3 (Szegedy et al., 2015) with Keras's
layer names and ImageNet weights."""
from kcore import backend as K
from kcore import layers
from kcore.models import Model

from kcore_applications import base, imagenet_utils, weights as _weights
from kcore_applications.imagenet_utils import decode_predictions, obtain_input_shape  # noqa: F401

_URL = 'https://github.com/fchollet/deep-learning-models/releases/download/v0.5/'
_HASHES = ('9a0d58056eeedaa3f26cb7ebd46da564', 'bcbd6486424b2319ff4ef7d526e38f63')


def conv2d_bn(x, filters, num_row, num_col, padding='same', strides=(1, 1), name=None):
    """Convolution without bias, BatchNormalization without scale, ReLU."""
    x = layers.Conv2D(filters, (num_row, num_col), strides=strides, padding=padding, use_bias=False,
                      name=None if name is None else name + '_conv')(x)
    x = layers.BatchNormalization(axis=base.channel_axis(), scale=False,
                                  name=None if name is None else name + '_bn')(x)
    return layers.Activation('relu', name=name)(x)


def _branch(x, convs):
    """Apply ``convs``, a list of ``(filters, rows, cols)`` or ``(filters, rows, cols, strides, padding)``,
    or ``'avg'`` / ``'max'`` for a 3x3 pooling (stride 1 'same' / stride 2 'valid')."""
    for spec in convs:
        if spec == 'avg':
            x = layers.AveragePooling2D((3, 3), strides=(1, 1), padding='same')(x)
        elif spec == 'max':
            x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
        elif len(spec) == 3:
            x = conv2d_bn(x, *spec)
        else:
            filters, rows, cols, strides, padding = spec
            x = conv2d_bn(x, filters, rows, cols, strides=strides, padding=padding)
    return x


def _mixed(x, branches, name):
    outs = [_branch(x, b) for b in branches]
    return layers.concatenate(outs, axis=base.channel_axis(), name=name)


_S2 = ((2, 2), 'valid')


def _block_35(pool_filters):
    return [[(64, 1, 1)], [(48, 1, 1), (64, 5, 5)], [(64, 1, 1), (96, 3, 3), (96, 3, 3)],
            ['avg', (pool_filters, 1, 1)]]


def _block_17(f):
    return [[(192, 1, 1)], [(f, 1, 1), (f, 1, 7), (192, 7, 1)],
            [(f, 1, 1), (f, 7, 1), (f, 1, 7), (f, 7, 1), (192, 1, 7)], ['avg', (192, 1, 1)]]


def _block_8(x, i):
    """mixed9 and mixed10: branches that split in two."""
    axis = base.channel_axis()
    branch1x1 = conv2d_bn(x, 320, 1, 1)
    branch3x3 = conv2d_bn(x, 384, 1, 1)
    branch3x3 = layers.concatenate([conv2d_bn(branch3x3, 384, 1, 3), conv2d_bn(branch3x3, 384, 3, 1)],
                                   axis=axis, name='mixed9_%d' % i)
    dbl = conv2d_bn(conv2d_bn(x, 448, 1, 1), 384, 3, 3)
    dbl = layers.concatenate([conv2d_bn(dbl, 384, 1, 3), conv2d_bn(dbl, 384, 3, 1)], axis=axis)
    pool = _branch(x, ['avg', (192, 1, 1)])
    return layers.concatenate([branch1x1, branch3x3, dbl, pool], axis=axis, name='mixed%d' % (9 + i))


def InceptionV3(include_top=True, weights='imagenet', input_tensor=None, input_shape=None, pooling=None,
                classes=1000, **kwargs):
    """InceptionV3 (23,851,784 parameters with its classifier); 299x299x3 inputs by default
    (at least 75x75), preprocessed by ``preprocess_input`` (tf mode)."""
    base.no_kwargs('InceptionV3', kwargs)
    _weights.check(weights, include_top, classes)
    input_shape = obtain_input_shape(input_shape, default_size=299, min_size=75,
                                     data_format=K.image_data_format(), require_flatten=include_top,
                                     weights=weights)
    img_input, inputs = base.image_input(input_tensor, input_shape)
    x = _branch(img_input, [(32, 3, 3) + _S2, (32, 3, 3, (1, 1), 'valid'), (64, 3, 3), 'max',
                            (80, 1, 1, (1, 1), 'valid'), (192, 3, 3, (1, 1), 'valid'), 'max'])
    x = _mixed(x, _block_35(32), 'mixed0')
    x = _mixed(x, _block_35(64), 'mixed1')
    x = _mixed(x, _block_35(64), 'mixed2')
    x = _mixed(x, [[(384, 3, 3) + _S2], [(64, 1, 1), (96, 3, 3), (96, 3, 3) + _S2], ['max']], 'mixed3')
    x = _mixed(x, _block_17(128), 'mixed4')
    x = _mixed(x, _block_17(160), 'mixed5')
    x = _mixed(x, _block_17(160), 'mixed6')
    x = _mixed(x, _block_17(192), 'mixed7')
    x = _mixed(x, [[(192, 1, 1), (320, 3, 3) + _S2],
                   [(192, 1, 1), (192, 1, 7), (192, 7, 1), (192, 3, 3) + _S2], ['max']], 'mixed8')
    x = _block_8(x, 0)
    x = _block_8(x, 1)
    if include_top:
        x = layers.GlobalAveragePooling2D(name='avg_pool')(x)
        x = layers.Dense(classes, activation='softmax', name='predictions')(x)
    else:
        x = base.global_pool(x, pooling)
    model = Model(inputs, x, name='inception_v3')
    fname = 'inception_v3_weights_tf_dim_ordering_tf_kernels%s.h5' % ('' if include_top else '_notop')
    return _weights.load(model, weights, (fname, _URL + fname, _HASHES[0 if include_top else 1]))


def preprocess_input(x, data_format=None, **kwargs):
    """``imagenet_utils.preprocess_input`` in tf mode (to -1..1)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode='tf', **kwargs)


__all__ = ['InceptionV3', 'preprocess_input', 'decode_predictions']
