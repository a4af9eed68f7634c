"""``kcore.applications.mobilenet``: MobileNet (Howard et al., 2017) with Keras's layer
names and ImageNet weights."""
from kcore import backend as K
from kcore import layers
from kcore.models import Model

from kcore_applications import base, imagenet_utils, weights as _weights
from kcore_applications.imagenet_utils import decode_predictions, obtain_input_shape  # noqa: F401

BASE_WEIGHT_PATH = 'https://github.com/fchollet/deep-learning-models/releases/download/v0.6/'
_ALPHA_TEXT = {1.0: '1_0', 0.75: '7_5', 0.5: '5_0', 0.25: '2_5'}
#: pointwise filters and strides of the 13 depthwise-separable blocks
_BLOCKS = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1), (512, 1), (512, 1),
           (512, 1), (1024, 2), (1024, 1)]


def _conv_block(inputs, filters, alpha, kernel=(3, 3), strides=(1, 1)):
    filters = int(filters * alpha)
    x = layers.ZeroPadding2D(padding=((0, 1), (0, 1)), name='conv1_pad')(inputs)
    x = layers.Conv2D(filters, kernel, padding='valid', use_bias=False, strides=strides, name='conv1')(x)
    x = layers.BatchNormalization(axis=base.channel_axis(), name='conv1_bn')(x)
    return layers.ReLU(6., name='conv1_relu')(x)


def _depthwise_conv_block(inputs, pointwise_conv_filters, alpha, depth_multiplier=1, strides=(1, 1), block_id=1):
    axis = base.channel_axis()
    x = inputs
    if strides != (1, 1):
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name='conv_pad_%d' % block_id)(x)
    x = layers.DepthwiseConv2D((3, 3), padding='same' if strides == (1, 1) else 'valid',
                               depth_multiplier=depth_multiplier, strides=strides, use_bias=False,
                               name='conv_dw_%d' % block_id)(x)
    x = layers.BatchNormalization(axis=axis, name='conv_dw_%d_bn' % block_id)(x)
    x = layers.ReLU(6., name='conv_dw_%d_relu' % block_id)(x)
    x = layers.Conv2D(int(pointwise_conv_filters * alpha), (1, 1), padding='same', use_bias=False,
                      strides=(1, 1), name='conv_pw_%d' % block_id)(x)
    x = layers.BatchNormalization(axis=axis, name='conv_pw_%d_bn' % block_id)(x)
    return layers.ReLU(6., name='conv_pw_%d_relu' % block_id)(x)


def _rows_cols(input_shape):
    if input_shape is None:
        return None, None
    return tuple(input_shape[1:3]) if K.image_data_format() == 'channels_first' else tuple(input_shape[:2])


def MobileNet(input_shape=None, alpha=1.0, depth_multiplier=1, dropout=1e-3, include_top=True, weights='imagenet',
              input_tensor=None, pooling=None, classes=1000, **kwargs):
    """MobileNet (4,253,864 parameters with its classifier at alpha=1); 224x224x3 inputs by
    default (ImageNet weights exist for 128, 160, 192 and 224 pixels and alpha 0.25,
    0.5, 0.75, 1.0), preprocessed by ``preprocess_input`` (tf mode)."""
    base.no_kwargs('MobileNet', kwargs)
    _weights.check(weights, include_top, classes)
    rows, cols = _rows_cols(input_shape)
    default_size = rows if rows == cols and rows in (128, 160, 192, 224) else 224
    input_shape = obtain_input_shape(input_shape, default_size=default_size, min_size=32,
                                     data_format=K.image_data_format(), require_flatten=include_top,
                                     weights=weights)
    rows, cols = _rows_cols(input_shape)
    if weights == 'imagenet':
        if depth_multiplier != 1:
            raise ValueError('If imagenet weights are being loaded, depth multiplier must be 1. Received: '
                             'depth_multiplier=%r.' % (depth_multiplier,))
        if alpha not in _ALPHA_TEXT:
            raise ValueError('If imagenet weights are being loaded, alpha can be one of `0.25`, `0.50`, `0.75` '
                             'or `1.0` only. Received: alpha=%r.' % (alpha,))
        if rows != cols or rows not in (128, 160, 192, 224):
            rows = 224  # Keras then loads the 224-pixel weights, which fit any size
    img_input, inputs = base.image_input(input_tensor, input_shape)
    x = _conv_block(img_input, 32, alpha, strides=(2, 2))
    for block_id, (filters, stride) in enumerate(_BLOCKS, start=1):
        x = _depthwise_conv_block(x, filters, alpha, depth_multiplier, strides=(stride, stride), block_id=block_id)
    if include_top:
        channels_first = K.image_data_format() == 'channels_first'
        shape = (int(1024 * alpha), 1, 1) if channels_first else (1, 1, int(1024 * alpha))
        x = layers.GlobalAveragePooling2D()(x)
        x = layers.Reshape(shape, name='reshape_1')(x)
        x = layers.Dropout(dropout, name='dropout')(x)
        x = layers.Conv2D(classes, (1, 1), padding='same', name='conv_preds')(x)
        x = layers.Reshape((classes,), name='reshape_2')(x)
        x = layers.Activation('softmax', name='act_softmax')(x)
    else:
        x = base.global_pool(x, pooling)
    model = Model(inputs, x, name='mobilenet_%0.2f_%s' % (alpha, rows))
    imagenet = None
    if weights == 'imagenet':
        fname = 'mobilenet_%s_%d_tf%s.h5' % (_ALPHA_TEXT[alpha], rows, '' if include_top else '_no_top')
        imagenet = (fname, BASE_WEIGHT_PATH + fname, None)  # Keras publishes no hash for these files
    return _weights.load(model, weights, imagenet)


def preprocess_input(x, data_format=None, **kwargs):
    """``imagenet_utils.preprocess_input`` in tf mode (to -1..1)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode='tf', **kwargs)


__all__ = ['MobileNet', 'preprocess_input', 'decode_predictions']
