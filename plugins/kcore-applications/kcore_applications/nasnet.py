"""``kcore.applications.nasnet``: NASNet-A Mobile and Large (Zoph et al., 2017) with Keras's
layer names and ImageNet weights (channels_last only, as in Keras)."""
import warnings

from kcore import backend as K
from kcore import layers
from kcore.models import Model

from kcore_applications import base, imagenet_utils, weights as _weights
from kcore_applications.imagenet_utils import decode_predictions, obtain_input_shape  # noqa: F401

BASE_WEIGHTS_PATH = 'https://github.com/titu1994/Keras-NASNet/releases/download/v1.2/'
NASNET_MOBILE_WEIGHT_PATH = BASE_WEIGHTS_PATH + 'NASNet-mobile.h5'
NASNET_MOBILE_WEIGHT_PATH_NO_TOP = BASE_WEIGHTS_PATH + 'NASNet-mobile-no-top.h5'
NASNET_LARGE_WEIGHT_PATH = BASE_WEIGHTS_PATH + 'NASNet-large.h5'
NASNET_LARGE_WEIGHT_PATH_NO_TOP = BASE_WEIGHTS_PATH + 'NASNet-large-no-top.h5'
#: default size -> include_top -> (file name, URL, hash)
_FILES = {
    224: {True: ('nasnet_mobile.h5', NASNET_MOBILE_WEIGHT_PATH, '020fb642bf7360b370c678b08e0adf61'),
          False: ('nasnet_mobile_no_top.h5', NASNET_MOBILE_WEIGHT_PATH_NO_TOP, '1ed92395b5b598bdda52abe5c0dbfd63')},
    331: {True: ('nasnet_large.h5', NASNET_LARGE_WEIGHT_PATH, '11577c9a518f0070763c2b964a382f17'),
          False: ('nasnet_large_no_top.h5', NASNET_LARGE_WEIGHT_PATH_NO_TOP, 'd81d89dc07e6e56530c4e77faddd61b5')},
}
_AXIS = -1  # NASNet is built channels_last


def _bn(x, name):
    return layers.BatchNormalization(axis=_AXIS, momentum=0.9997, epsilon=1e-3, name=name)(x)


def _conv1x1(x, filters, name, strides=(1, 1)):
    return layers.Conv2D(filters, (1, 1), strides=strides, padding='same', use_bias=False, name=name,
                         kernel_initializer='he_normal')(x)


def _separable_conv_block(ip, filters, kernel_size=(3, 3), strides=(1, 1), block_id=None):
    """ReLU, separable conv (strided: padded, 'valid'), BN, ReLU, separable conv, BN."""
    x = layers.Activation('relu')(ip)
    if strides == (2, 2):
        x = layers.ZeroPadding2D(padding=base.correct_pad(x, kernel_size), name='separable_conv_1_pad_%s' % block_id)(x)
    x = layers.SeparableConv2D(filters, kernel_size, strides=strides, name='separable_conv_1_%s' % block_id,
                               padding='valid' if strides == (2, 2) else 'same', use_bias=False,
                               kernel_initializer='he_normal')(x)
    x = _bn(x, 'separable_conv_1_bn_%s' % block_id)
    x = layers.Activation('relu')(x)
    x = layers.SeparableConv2D(filters, kernel_size, name='separable_conv_2_%s' % block_id, padding='same',
                               use_bias=False, kernel_initializer='he_normal')(x)
    return _bn(x, 'separable_conv_2_bn_%s' % block_id)


def _adjust_block(p, ip, filters, block_id=None):
    """Bring the previous cell's output ``p`` to the size and width of ``ip``."""
    if p is None:
        return ip
    ip_shape, p_shape = K.int_shape(ip), K.int_shape(p)
    if p_shape[-2] != ip_shape[-2]:
        p = layers.Activation('relu', name='adjust_relu_1_%s' % block_id)(p)
        p1 = layers.AveragePooling2D((1, 1), strides=(2, 2), padding='valid', name='adjust_avg_pool_1_%s' % block_id)(p)
        p1 = _conv1x1(p1, filters // 2, 'adjust_conv_1_%s' % block_id)
        p2 = layers.ZeroPadding2D(padding=((0, 1), (0, 1)))(p)
        p2 = layers.Cropping2D(cropping=((1, 0), (1, 0)))(p2)
        p2 = layers.AveragePooling2D((1, 1), strides=(2, 2), padding='valid', name='adjust_avg_pool_2_%s' % block_id)(p2)
        p2 = _conv1x1(p2, filters // 2, 'adjust_conv_2_%s' % block_id)
        p = layers.concatenate([p1, p2], axis=_AXIS)
        return _bn(p, 'adjust_bn_%s' % block_id)
    if p_shape[-1] != filters:
        p = layers.Activation('relu')(p)
        p = _conv1x1(p, filters, 'adjust_conv_projection_%s' % block_id)
        return _bn(p, 'adjust_bn_%s' % block_id)
    return p


def _avg3(x, name, strides=(1, 1), padding='same'):
    return layers.AveragePooling2D((3, 3), strides=strides, padding=padding, name=name)(x)


def _normal_a_cell(ip, p, filters, block_id=None):
    p = _adjust_block(p, ip, filters, block_id)
    h = layers.Activation('relu')(ip)
    h = _bn(_conv1x1(h, filters, 'normal_conv_1_%s' % block_id), 'normal_bn_1_%s' % block_id)
    x1 = layers.add([_separable_conv_block(h, filters, kernel_size=(5, 5), block_id='normal_left1_%s' % block_id),
                     _separable_conv_block(p, filters, block_id='normal_right1_%s' % block_id)],
                    name='normal_add_1_%s' % block_id)
    x2 = layers.add([_separable_conv_block(p, filters, (5, 5), block_id='normal_left2_%s' % block_id),
                     _separable_conv_block(p, filters, (3, 3), block_id='normal_right2_%s' % block_id)],
                    name='normal_add_2_%s' % block_id)
    x3 = layers.add([_avg3(h, 'normal_left3_%s' % block_id), p], name='normal_add_3_%s' % block_id)
    x4 = layers.add([_avg3(p, 'normal_left4_%s' % block_id), _avg3(p, 'normal_right4_%s' % block_id)],
                    name='normal_add_4_%s' % block_id)
    x5 = layers.add([_separable_conv_block(h, filters, block_id='normal_left5_%s' % block_id), h],
                    name='normal_add_5_%s' % block_id)
    x = layers.concatenate([p, x1, x2, x3, x4, x5], axis=_AXIS, name='normal_concat_%s' % block_id)
    return x, ip


def _reduction_a_cell(ip, p, filters, block_id=None):
    p = _adjust_block(p, ip, filters, block_id)
    h = layers.Activation('relu')(ip)
    h = _bn(_conv1x1(h, filters, 'reduction_conv_1_%s' % block_id), 'reduction_bn_1_%s' % block_id)
    h3 = layers.ZeroPadding2D(padding=base.correct_pad(h, 3), name='reduction_pad_1_%s' % block_id)(h)
    s2 = (2, 2)
    x1 = layers.add([_separable_conv_block(h, filters, (5, 5), strides=s2, block_id='reduction_left1_%s' % block_id),
                     _separable_conv_block(p, filters, (7, 7), strides=s2, block_id='reduction_right1_%s' % block_id)],
                    name='reduction_add_1_%s' % block_id)
    x2 = layers.add([layers.MaxPooling2D((3, 3), strides=s2, padding='valid',
                                         name='reduction_left2_%s' % block_id)(h3),
                     _separable_conv_block(p, filters, (7, 7), strides=s2, block_id='reduction_right2_%s' % block_id)],
                    name='reduction_add_2_%s' % block_id)
    x3 = layers.add([_avg3(h3, 'reduction_left3_%s' % block_id, strides=s2, padding='valid'),
                     _separable_conv_block(p, filters, (5, 5), strides=s2, block_id='reduction_right3_%s' % block_id)],
                    name='reduction_add3_%s' % block_id)
    x4 = layers.add([x2, _avg3(x1, 'reduction_left4_%s' % block_id)])
    x5 = layers.add([_separable_conv_block(x1, filters, (3, 3), block_id='reduction_left4_%s' % block_id),
                     layers.MaxPooling2D((3, 3), strides=s2, padding='valid',
                                         name='reduction_right5_%s' % block_id)(h3)],
                    name='reduction_add4_%s' % block_id)
    x = layers.concatenate([x2, x3, x4, x5], axis=_AXIS, name='reduction_concat_%s' % block_id)
    return x, ip


def NASNet(input_shape=None, penultimate_filters=4032, num_blocks=6, stem_block_filters=96, skip_reduction=True,
           filter_multiplier=2, include_top=True, weights=None, input_tensor=None, pooling=None, classes=1000,
           default_size=None, **kwargs):
    """A NASNet-A network; ``NASNetMobile`` and ``NASNetLarge`` are its published sizes."""
    base.no_kwargs('NASNet', kwargs)
    _weights.check(weights, include_top, classes)
    if isinstance(input_shape, tuple) and None in input_shape and weights == 'imagenet':
        raise ValueError('When specifying the input shape of a NASNet and loading `ImageNet` weights, the input '
                         'shape must be static (no None entries). Got: `input_shape=%s`.' % (input_shape,))
    default_size = 331 if default_size is None else default_size
    if K.image_data_format() != 'channels_last':
        warnings.warn('The NASNet family of models is only available for the input data format "channels_last"; '
                      'the model returned expects channels_last inputs.', UserWarning, stacklevel=3)
    previous = K.image_data_format()
    K.set_image_data_format('channels_last')
    try:
        input_shape = obtain_input_shape(input_shape, default_size=default_size, min_size=32,
                                         data_format='channels_last', require_flatten=True, weights=weights)
        if penultimate_filters % (24 * filter_multiplier ** 2) != 0:
            raise ValueError('For NASNet-A models, the `penultimate_filters` must be a multiple of 24 * '
                             '(`filter_multiplier` ** 2). Current value: %d' % penultimate_filters)
        model = _build(input_tensor, input_shape, penultimate_filters, num_blocks, stem_block_filters,
                       skip_reduction, filter_multiplier, include_top, pooling, classes)
    finally:
        K.set_image_data_format(previous)
    imagenet = None
    if weights == 'imagenet':
        if default_size not in _FILES:
            raise ValueError('ImageNet weights can only be loaded with NASNetLarge or NASNetMobile.')
        imagenet = _FILES[default_size][bool(include_top)]
    return _weights.load(model, weights, imagenet)


def _build(input_tensor, input_shape, penultimate_filters, num_blocks, stem_block_filters, skip_reduction,
           filter_multiplier, include_top, pooling, classes):
    img_input, inputs = base.image_input(input_tensor, input_shape)
    filters = penultimate_filters // 24
    x = layers.Conv2D(stem_block_filters, (3, 3), strides=(2, 2), padding='valid', use_bias=False,
                      name='stem_conv1', kernel_initializer='he_normal')(img_input)
    x = _bn(x, 'stem_bn1')
    p = None
    x, p = _reduction_a_cell(x, p, filters // filter_multiplier ** 2, block_id='stem_1')
    x, p = _reduction_a_cell(x, p, filters // filter_multiplier, block_id='stem_2')
    for stage in range(3):
        width = filters * filter_multiplier ** stage
        if stage:
            x, p0 = _reduction_a_cell(x, p, width, block_id='reduce_%d' % (stage * num_blocks))
            p = p if skip_reduction else p0
        for i in range(num_blocks):
            x, p = _normal_a_cell(x, p, width, block_id='%d' % (stage * num_blocks + i + (1 if stage else 0)))
    x = layers.Activation('relu')(x)
    if include_top:
        x = layers.GlobalAveragePooling2D()(x)
        x = layers.Dense(classes, activation='softmax', name='predictions')(x)
    else:
        x = base.global_pool(x, pooling)
    return Model(inputs, x, name='NASNet')


def NASNetLarge(input_shape=None, include_top=True, weights='imagenet', input_tensor=None, pooling=None,
                classes=1000, **kwargs):
    """NASNet-A Large (88,949,818 parameters with its classifier); 331x331x3 inputs,
    preprocessed by ``preprocess_input`` (tf mode)."""
    return NASNet(input_shape, penultimate_filters=4032, num_blocks=6, stem_block_filters=96, skip_reduction=True,
                  filter_multiplier=2, include_top=include_top, weights=weights, input_tensor=input_tensor,
                  pooling=pooling, classes=classes, default_size=331, **kwargs)


def NASNetMobile(input_shape=None, include_top=True, weights='imagenet', input_tensor=None, pooling=None,
                 classes=1000, **kwargs):
    """NASNet-A Mobile (5,326,716 parameters with its classifier); 224x224x3 inputs,
    preprocessed by ``preprocess_input`` (tf mode)."""
    return NASNet(input_shape, penultimate_filters=1056, num_blocks=4, stem_block_filters=32, skip_reduction=False,
                  filter_multiplier=2, include_top=include_top, weights=weights, input_tensor=input_tensor,
                  pooling=pooling, classes=classes, default_size=224, **kwargs)


def preprocess_input(x, data_format=None, **kwargs):
    """``imagenet_utils.preprocess_input`` in tf mode (to -1..1)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode='tf', **kwargs)


__all__ = ['NASNetMobile', 'NASNetLarge', 'preprocess_input', 'decode_predictions']
