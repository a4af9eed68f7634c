"""``kcore.applications.densenet``: DenseNet121/169/201 (Huang et al., 2016) with Keras's
layer names and ImageNet weights."""
from kcore import backend as K
from kcore import layers
from kcore.models import Model

from kcore_applications import base, imagenet_utils, weights as _weights
from kcore_applications.imagenet_utils import decode_predictions, obtain_input_shape  # noqa: F401

BASE_WEIGTHS_PATH = 'https://github.com/keras-team/keras-applications/releases/download/densenet/'
#: blocks -> (model name, (top file hash, no-top file hash))
_MODELS = {
    (6, 12, 24, 16): ('densenet121', ('9d60b8095a5708f2dcce2bca79d332c7', '30ee3e1110167f948a6b9946edeeb738')),
    (6, 12, 32, 32): ('densenet169', ('d699b8f76981ab1b30698df4c175e90b', 'b8c4d4c20dd625c148057b9ff1c1176b')),
    (6, 12, 48, 32): ('densenet201', ('1ceb130c1ea1b78c3bf6114dbdfd8807', 'c13680b51ded0fb44dff2d8f86ac8bb1')),
}
_EPS = 1.001e-5


def _bn_relu(x, name):
    x = layers.BatchNormalization(axis=base.channel_axis(), epsilon=_EPS, name=name + '_bn')(x)
    return layers.Activation('relu', name=name + '_relu')(x)


def dense_block(x, blocks, name):
    for i in range(blocks):
        x = conv_block(x, 32, name='%s_block%d' % (name, i + 1))
    return x


def transition_block(x, reduction, name):
    x = _bn_relu(x, name)
    x = layers.Conv2D(int(K.int_shape(x)[base.channel_axis()] * reduction), 1, use_bias=False,
                      name=name + '_conv')(x)
    return layers.AveragePooling2D(2, strides=2, name=name + '_pool')(x)


def conv_block(x, growth_rate, name):
    """BN-ReLU-1x1 conv-BN-ReLU-3x3 conv, concatenated to the block's input."""
    y = layers.BatchNormalization(axis=base.channel_axis(), epsilon=_EPS, name=name + '_0_bn')(x)
    y = layers.Activation('relu', name=name + '_0_relu')(y)
    y = layers.Conv2D(4 * growth_rate, 1, use_bias=False, name=name + '_1_conv')(y)
    y = _bn_relu(y, name + '_1')
    y = layers.Conv2D(growth_rate, 3, padding='same', use_bias=False, name=name + '_2_conv')(y)
    return layers.Concatenate(axis=base.channel_axis(), name=name + '_concat')([x, y])


def DenseNet(blocks, include_top=True, weights='imagenet', input_tensor=None, input_shape=None, pooling=None,
             classes=1000, **kwargs):
    """A DenseNet with ``blocks`` conv blocks in each of its four dense blocks."""
    base.no_kwargs('DenseNet', kwargs)
    _weights.check(weights, include_top, classes)
    input_shape = obtain_input_shape(input_shape, default_size=224, min_size=32,
                                     data_format=K.image_data_format(), require_flatten=include_top,
                                     weights=weights)
    img_input, inputs = base.image_input(input_tensor, input_shape)
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)))(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=False, name='conv1/conv')(x)
    x = layers.BatchNormalization(axis=base.channel_axis(), epsilon=_EPS, name='conv1/bn')(x)
    x = layers.Activation('relu', name='conv1/relu')(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)))(x)
    x = layers.MaxPooling2D(3, strides=2, name='pool1')(x)
    for i, n in enumerate(blocks):
        x = dense_block(x, n, name='conv%d' % (i + 2))
        if i < 3:
            x = transition_block(x, 0.5, name='pool%d' % (i + 2))
    x = layers.BatchNormalization(axis=base.channel_axis(), epsilon=_EPS, name='bn')(x)
    x = layers.Activation('relu', name='relu')(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name='avg_pool')(x)
        x = layers.Dense(classes, activation='softmax', name='fc1000')(x)
    else:
        x = base.global_pool(x, pooling, avg_name='avg_pool', max_name='max_pool')
    name, hashes = _MODELS.get(tuple(blocks), ('densenet', None))
    model = Model(inputs, x, name=name)
    imagenet = None
    if hashes is not None:
        fname = '%s_weights_tf_dim_ordering_tf_kernels%s.h5' % (name, '' if include_top else '_notop')
        imagenet = (fname, BASE_WEIGTHS_PATH + fname, hashes[0 if include_top else 1])
    return _weights.load(model, weights, imagenet)


def DenseNet121(include_top=True, weights='imagenet', input_tensor=None, input_shape=None, pooling=None,
                classes=1000, **kwargs):
    """DenseNet121 (8,062,504 parameters with its classifier); 224x224x3 inputs by default,
    preprocessed by ``preprocess_input`` (torch mode)."""
    return DenseNet([6, 12, 24, 16], include_top, weights, input_tensor, input_shape, pooling, classes, **kwargs)


def DenseNet169(include_top=True, weights='imagenet', input_tensor=None, input_shape=None, pooling=None,
                classes=1000, **kwargs):
    """DenseNet169 (14,307,880 parameters with its classifier); 224x224x3 inputs by default,
    preprocessed by ``preprocess_input`` (torch mode)."""
    return DenseNet([6, 12, 32, 32], include_top, weights, input_tensor, input_shape, pooling, classes, **kwargs)


def DenseNet201(include_top=True, weights='imagenet', input_tensor=None, input_shape=None, pooling=None,
                classes=1000, **kwargs):
    """DenseNet201 (20,242,984 parameters with its classifier); 224x224x3 inputs by default,
    preprocessed by ``preprocess_input`` (torch mode)."""
    return DenseNet([6, 12, 48, 32], include_top, weights, input_tensor, input_shape, pooling, classes, **kwargs)


def preprocess_input(x, data_format=None, **kwargs):
    """``imagenet_utils.preprocess_input`` in torch mode (0..1, then ImageNet mean and std)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode='torch', **kwargs)


__all__ = ['DenseNet121', 'DenseNet169', 'DenseNet201', 'preprocess_input', 'decode_predictions']
