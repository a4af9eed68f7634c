"""``kcore.applications.resnet50``: Keras 2.3's ResNet50, with its original layer names
(``res2a_branch2a``, ``bn2a_branch2a``, ..., ``fc1000``) and weight files.

``kcore.applications.resnet.ResNet50`` is the same network with the newer names
(``conv2_block1_1_conv``, ...) that tf.keras and Keras 3 use; their weight files
differ in names and layer order, so each loads into its own constructor.
"""
import warnings

from kcore import backend as K
from kcore import layers
from kcore.models import Model

from kcore_applications import base, weights as _weights
from kcore_applications.imagenet_utils import decode_predictions, obtain_input_shape  # noqa: F401
from kcore_applications.imagenet_utils import preprocess_input  # noqa: F401  (caffe mode)

_URL = 'https://github.com/fchollet/deep-learning-models/releases/download/v0.2/'
_HASHES = ('a7b3fe01876f51b976af0dea6bc144eb', 'a268eb855778b3df3c7506639542a6af')


def _block(x, kernel_size, filters, stage, block, strides=None):
    """A bottleneck block; with ``strides`` its shortcut is a strided 1x1 convolution."""
    f1, f2, f3 = filters
    conv, bn = 'res%d%s_branch' % (stage, block), 'bn%d%s_branch' % (stage, block)
    axis = base.channel_axis()
    shortcut = x
    y = layers.Conv2D(f1, (1, 1), strides=strides or (1, 1), kernel_initializer='he_normal', name=conv + '2a')(x)
    y = layers.BatchNormalization(axis=axis, name=bn + '2a')(y)
    y = layers.Activation('relu')(y)
    y = layers.Conv2D(f2, kernel_size, padding='same', kernel_initializer='he_normal', name=conv + '2b')(y)
    y = layers.BatchNormalization(axis=axis, name=bn + '2b')(y)
    y = layers.Activation('relu')(y)
    y = layers.Conv2D(f3, (1, 1), kernel_initializer='he_normal', name=conv + '2c')(y)
    y = layers.BatchNormalization(axis=axis, name=bn + '2c')(y)
    if strides is not None:
        shortcut = layers.Conv2D(f3, (1, 1), strides=strides, kernel_initializer='he_normal', name=conv + '1')(x)
        shortcut = layers.BatchNormalization(axis=axis, name=bn + '1')(shortcut)
    y = layers.add([y, shortcut])
    return layers.Activation('relu')(y)


def ResNet50(include_top=True, weights='imagenet', input_tensor=None, input_shape=None, pooling=None,
             classes=1000, **kwargs):
    """ResNet50 (25,636,712 parameters with its classifier); 224x224x3 inputs by default
    (at least 32x32), preprocessed by ``preprocess_input`` (caffe mode).

    As in Keras 2.3, ``include_top=False`` without ``pooling`` warns that the
    output is the last feature map (7x7x2048), not pooled features.

    Beyond Keras 2.3: ``weights`` may be a file written by tf.keras or Keras 3's
    ResNet50 (layers ``conv1_conv``, ``conv2_block1_1_conv``, ...); this
    returns then the network that wrote it, ``kcore.applications.resnet.ResNet50``
    (same layers, newer names, BatchNormalization epsilon 1.001e-5), so the
    file gives the features it gave there.
    """
    base.no_kwargs('ResNet50', kwargs)
    _weights.check(weights, include_top, classes)
    if weights not in (None, 'imagenet') and 'conv1_conv' in _weights.saved_layer_names(weights):
        from kcore_applications import resnet_common
        return resnet_common.ResNet50(include_top, weights, input_tensor, input_shape, pooling, classes)
    input_shape = obtain_input_shape(input_shape, default_size=224, min_size=32,
                                     data_format=K.image_data_format(), require_flatten=include_top,
                                     weights=weights)
    img_input, inputs = base.image_input(input_tensor, input_shape)
    x = layers.ZeroPadding2D(padding=(3, 3), name='conv1_pad')(img_input)
    x = layers.Conv2D(64, (7, 7), strides=(2, 2), padding='valid', kernel_initializer='he_normal', name='conv1')(x)
    x = layers.BatchNormalization(axis=base.channel_axis(), name='bn_conv1')(x)
    x = layers.Activation('relu')(x)
    x = layers.ZeroPadding2D(padding=(1, 1), name='pool1_pad')(x)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    for stage, filters, blocks in ((2, 64, 'abc'), (3, 128, 'abcd'), (4, 256, 'abcdef'), (5, 512, 'abc')):
        first_strides = (1, 1) if stage == 2 else (2, 2)
        for block in blocks:
            x = _block(x, 3, (filters, filters, 4 * filters), stage, block,
                       strides=first_strides if block == 'a' else None)
    if include_top:
        x = layers.GlobalAveragePooling2D(name='avg_pool')(x)
        x = layers.Dense(classes, activation='softmax', name='fc1000')(x)
    else:
        if pooling is None:
            warnings.warn('The output shape of `ResNet50(include_top=False)` has been changed since Keras '
                          '2.2.0: it is the last feature map, not pooled features. Pass pooling="avg" for '
                          'those.', UserWarning, stacklevel=2)
        x = base.global_pool(x, pooling)
    model = Model(inputs, x, name='resnet50')
    fname = 'resnet50_weights_tf_dim_ordering_tf_kernels%s.h5' % ('' if include_top else '_notop')
    return _weights.load(model, weights, (fname, _URL + fname, _HASHES[0 if include_top else 1]))


__all__ = ['ResNet50', 'preprocess_input', 'decode_predictions']
