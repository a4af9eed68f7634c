"""``kcore.applications.mobilenet_v2``: MobileNetV2 (Sandler et al., 2018) with Keras's
layer names and ImageNet weights."""
from kcore import backend as K
from kcore import layers
from kcore.models import Model

from kcore_applications import base, imagenet_utils, weights as _weights
from kcore_applications.imagenet_utils import decode_predictions, obtain_input_shape  # noqa: F401

BASE_WEIGHT_PATH = ('https://github.com/JonathanCMitchell/mobilenet_v2_keras/releases/download/v1.1/')
_ALPHAS = (0.35, 0.5, 0.75, 1.0, 1.3, 1.4)
_SIZES = (96, 128, 160, 192, 224)
#: (filters, stride, expansion) of the 17 inverted residual blocks
_BLOCKS = [(16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6), (64, 2, 6), (64, 1, 6),
           (64, 1, 6), (64, 1, 6), (96, 1, 6), (96, 1, 6), (96, 1, 6), (160, 2, 6), (160, 1, 6), (160, 1, 6),
           (320, 1, 6)]


def _make_divisible(v, divisor, min_value=None):
    """``v`` rounded to a multiple of ``divisor``, never more than 10% below ``v``."""
    min_value = divisor if min_value is None else min_value
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


def _bn(x, name):
    return layers.BatchNormalization(axis=base.channel_axis(), epsilon=1e-3, momentum=0.999, name=name)(x)


def _inverted_res_block(inputs, expansion, stride, alpha, filters, block_id):
    axis = base.channel_axis()
    in_channels = K.int_shape(inputs)[axis]
    pointwise_filters = _make_divisible(int(filters * alpha), 8)
    x = inputs
    prefix = 'block_%d_' % block_id
    if block_id:
        x = layers.Conv2D(expansion * in_channels, kernel_size=1, padding='same', use_bias=False, activation=None,
                          name=prefix + 'expand')(x)
        x = layers.ReLU(6., name=prefix + 'expand_relu')(_bn(x, prefix + 'expand_BN'))
    else:
        prefix = 'expanded_conv_'
    if stride == 2:
        x = layers.ZeroPadding2D(padding=base.correct_pad(x, 3), name=prefix + 'pad')(x)
    x = layers.DepthwiseConv2D(kernel_size=3, strides=stride, activation=None, use_bias=False,
                               padding='same' if stride == 1 else 'valid', name=prefix + 'depthwise')(x)
    x = layers.ReLU(6., name=prefix + 'depthwise_relu')(_bn(x, prefix + 'depthwise_BN'))
    x = layers.Conv2D(pointwise_filters, kernel_size=1, padding='same', use_bias=False, activation=None,
                      name=prefix + 'project')(x)
    x = _bn(x, prefix + 'project_BN')
    if in_channels == pointwise_filters and stride == 1:
        return layers.Add(name=prefix + 'add')([inputs, x])
    return x


def _default_size(input_shape, input_tensor):
    channels_first = K.image_data_format() == 'channels_first'
    if input_shape is not None:
        rows, cols = (input_shape[1:3] if channels_first else input_shape[:2])
    elif input_tensor is not None and K.is_keras_tensor(input_tensor):
        shape = K.int_shape(input_tensor)
        rows, cols = (shape[2:4] if channels_first else shape[1:3])
    else:
        return 224
    return rows if rows == cols and rows in _SIZES else 224


def MobileNetV2(input_shape=None, alpha=1.0, include_top=True, weights='imagenet', input_tensor=None,
                pooling=None, classes=1000, **kwargs):
    """MobileNetV2 (3,538,984 parameters with its classifier at alpha=1); 224x224x3 inputs by
    default (ImageNet weights exist for 96..224 pixels and alpha 0.35, 0.5, 0.75, 1.0,
    1.3, 1.4), preprocessed by ``preprocess_input`` (tf mode)."""
    base.no_kwargs('MobileNetV2', kwargs)
    _weights.check(weights, include_top, classes)
    if input_tensor is not None and not K.is_keras_tensor(input_tensor):
        raise TypeError('input_tensor must be a symbolic tensor (kcore.layers.Input(...)). Received: %r.'
                        % (type(input_tensor).__name__,))
    input_shape = obtain_input_shape(input_shape, default_size=_default_size(input_shape, input_tensor),
                                     min_size=32, data_format=K.image_data_format(),
                                     require_flatten=include_top, weights=weights)
    rows, cols = input_shape[1:3] if K.image_data_format() == 'channels_first' else input_shape[:2]
    if weights == 'imagenet':
        if alpha not in _ALPHAS:
            raise ValueError('If imagenet weights are being loaded, alpha can be one of `0.35`, `0.50`, `0.75`, '
                             '`1.0`, `1.3` or `1.4` only. Received: alpha=%r.' % (alpha,))
        if rows != cols or rows not in _SIZES:
            rows = 224  # Keras then loads the 224-pixel weights, which fit any size
    img_input, inputs = base.image_input(input_tensor, input_shape)
    x = layers.ZeroPadding2D(padding=base.correct_pad(img_input, 3), name='Conv1_pad')(img_input)
    x = layers.Conv2D(_make_divisible(32 * alpha, 8), kernel_size=3, strides=(2, 2), padding='valid',
                      use_bias=False, name='Conv1')(x)
    x = layers.ReLU(6., name='Conv1_relu')(_bn(x, 'bn_Conv1'))
    for block_id, (filters, stride, expansion) in enumerate(_BLOCKS):
        x = _inverted_res_block(x, filters=filters, alpha=alpha, stride=stride, expansion=expansion,
                                block_id=block_id)
    last_block_filters = _make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
    x = layers.Conv2D(last_block_filters, kernel_size=1, use_bias=False, name='Conv_1')(x)
    x = layers.ReLU(6., name='out_relu')(_bn(x, 'Conv_1_bn'))
    if include_top:
        x = layers.GlobalAveragePooling2D()(x)
        x = layers.Dense(classes, activation='softmax', use_bias=True, name='Logits')(x)
    else:
        x = base.global_pool(x, pooling)
    model = Model(inputs, x, name='mobilenetv2_%0.2f_%s' % (alpha, rows))
    imagenet = None
    if weights == 'imagenet':
        fname = 'mobilenet_v2_weights_tf_dim_ordering_tf_kernels_%s_%s%s.h5' % (alpha, rows,
                                                                                '' if include_top else '_no_top')
        imagenet = (fname, BASE_WEIGHT_PATH + fname, None)  # Keras publishes no hash for these files
    return _weights.load(model, weights, imagenet)


def preprocess_input(x, data_format=None, **kwargs):
    """``imagenet_utils.preprocess_input`` in tf mode (to -1..1)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode='tf', **kwargs)


__all__ = ['MobileNetV2', 'preprocess_input', 'decode_predictions']
