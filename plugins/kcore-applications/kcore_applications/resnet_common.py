"""ResNet, ResNetV2 and ResNeXt as Keras's ``resnet_common`` builds them (He et al.,
2015 and 2016; Xie et al., 2016), with its layer names (``conv2_block1_1_conv``)."""
from kcore import backend as K
from kcore import layers
from kcore.models import Model

from kcore_applications import base, weights as _weights
from kcore_applications.imagenet_utils import obtain_input_shape

BASE_WEIGHTS_PATH = 'https://github.com/keras-team/keras-applications/releases/download/resnet/'
#: model name -> (top file hash, no-top file hash)
WEIGHTS_HASHES = {
    'resnet50': ('2cb95161c43110f7111970584f804107', '4d473c1dd8becc155b73f8504c6f6626'),
    'resnet101': ('f1aeb4b969a6efcfb50fad2f0c20cfc5', '88cf7a10940856eca736dc7b7e228a21'),
    'resnet152': ('100835be76be38e30d865e96f2aaae62', 'ee4c566cf9a93f14d82f913c2dc6dd0c'),
    'resnet50v2': ('3ef43a0b657b3be2300d5770ece849e0', 'fac2f116257151a9d068a22e544a4917'),
    'resnet101v2': ('6343647c601c52e1368623803854d971', 'c0ed64b8031c3730f411d2eb4eea35b5'),
    'resnet152v2': ('a49b44d1979771252814e80f8ec446f9', 'ed17cf2e0169df9d443503ef94b23b33'),
    'resnext50': ('67a5b30d522ed92f75a1f16eef299d1a', '62527c363bdd9ec598bed41947b379fc'),
    'resnext101': ('34fb605428fcc7aa4d62f44404c11509', '0f678c91647380debd923963594981b3'),
}
_EPS = 1.001e-5


def _bn(x, name):
    return layers.BatchNormalization(axis=base.channel_axis(), epsilon=_EPS, name=name)(x)


def block1(x, filters, kernel_size=3, stride=1, conv_shortcut=True, name=None):
    """ResNet's bottleneck block (post-activation)."""
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=name + '_0_conv')(x)
        shortcut = _bn(shortcut, name + '_0_bn')
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=stride, name=name + '_1_conv')(x)
    x = layers.Activation('relu', name=name + '_1_relu')(_bn(x, name + '_1_bn'))
    x = layers.Conv2D(filters, kernel_size, padding='same', name=name + '_2_conv')(x)
    x = layers.Activation('relu', name=name + '_2_relu')(_bn(x, name + '_2_bn'))
    x = _bn(layers.Conv2D(4 * filters, 1, name=name + '_3_conv')(x), name + '_3_bn')
    x = layers.Add(name=name + '_add')([shortcut, x])
    return layers.Activation('relu', name=name + '_out')(x)


def stack1(x, filters, blocks, stride1=2, name=None):
    """A stack of ``blocks`` ResNet v1 residual blocks; the first one may downsample."""
    x = block1(x, filters, stride=stride1, name=name + '_block1')
    for i in range(2, blocks + 1):
        x = block1(x, filters, conv_shortcut=False, name=name + '_block%d' % i)
    return x


def block2(x, filters, kernel_size=3, stride=1, conv_shortcut=False, name=None):
    """ResNetV2's bottleneck block (pre-activation)."""
    preact = layers.Activation('relu', name=name + '_preact_relu')(_bn(x, name + '_preact_bn'))
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=name + '_0_conv')(preact)
    else:
        shortcut = layers.MaxPooling2D(1, strides=stride)(x) if stride > 1 else x
    x = layers.Conv2D(filters, 1, strides=1, use_bias=False, name=name + '_1_conv')(preact)
    x = layers.Activation('relu', name=name + '_1_relu')(_bn(x, name + '_1_bn'))
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name=name + '_2_pad')(x)
    x = layers.Conv2D(filters, kernel_size, strides=stride, use_bias=False, name=name + '_2_conv')(x)
    x = layers.Activation('relu', name=name + '_2_relu')(_bn(x, name + '_2_bn'))
    x = layers.Conv2D(4 * filters, 1, name=name + '_3_conv')(x)
    return layers.Add(name=name + '_out')([shortcut, x])


def stack2(x, filters, blocks, stride1=2, name=None):
    """A stack of ``blocks`` ResNet v2 (pre-activation) residual blocks; the last one may downsample."""
    x = block2(x, filters, conv_shortcut=True, name=name + '_block1')
    for i in range(2, blocks):
        x = block2(x, filters, name=name + '_block%d' % i)
    return block2(x, filters, stride=stride1, name=name + '_block%d' % blocks)


def block3(x, filters, kernel_size=3, stride=1, groups=32, conv_shortcut=True, name=None):
    """ResNeXt's block.  Its grouped convolution is Keras's: a DepthwiseConv2D with
    ``depth_multiplier=filters // groups``, reshaped and summed within each group,
    so the weights have Keras's shapes."""
    if conv_shortcut:
        shortcut = layers.Conv2D(64 // groups * filters, 1, strides=stride, use_bias=False,
                                 name=name + '_0_conv')(x)
        shortcut = _bn(shortcut, name + '_0_bn')
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, use_bias=False, name=name + '_1_conv')(x)
    x = layers.Activation('relu', name=name + '_1_relu')(_bn(x, name + '_1_bn'))
    c = filters // groups
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name=name + '_2_pad')(x)
    x = layers.DepthwiseConv2D(kernel_size, strides=stride, depth_multiplier=c, use_bias=False,
                               name=name + '_2_conv')(x)
    spatial = tuple(K.int_shape(x)[1:-1])
    if None in spatial:
        raise ValueError('ResNeXt needs a fixed image size, as in Keras: its grouped convolutions reshape '
                         'the feature maps. Received: feature maps of size %s. Pass input_shape=(height, '
                         'width, 3).' % (spatial,))
    x = layers.Reshape(spatial + (groups, c, c))(x)
    x = layers.Lambda(K.sum, arguments={'axis': 4}, name=name + '_2_reduce')(x)
    x = layers.Reshape(spatial + (filters,))(x)
    x = layers.Activation('relu', name=name + '_2_relu')(_bn(x, name + '_2_bn'))
    x = layers.Conv2D(64 // groups * filters, 1, use_bias=False, name=name + '_3_conv')(x)
    x = _bn(x, name + '_3_bn')
    x = layers.Add(name=name + '_add')([shortcut, x])
    return layers.Activation('relu', name=name + '_out')(x)


def stack3(x, filters, blocks, stride1=2, groups=32, name=None):
    """A stack of ``blocks`` ResNeXt blocks (grouped convolutions); the first one may downsample."""
    x = block3(x, filters, stride=stride1, groups=groups, name=name + '_block1')
    for i in range(2, blocks + 1):
        x = block3(x, filters, groups=groups, conv_shortcut=False, name=name + '_block%d' % i)
    return x


def ResNet(stack_fn, preact, use_bias, model_name='resnet', include_top=True, weights='imagenet',
           input_tensor=None, input_shape=None, pooling=None, classes=1000, **kwargs):
    """A ResNet whose stages ``stack_fn(x)`` builds; ``preact`` selects V2's pre-activation stem/head."""
    base.no_kwargs(model_name, kwargs)
    _weights.check(weights, include_top, classes)
    input_shape = obtain_input_shape(input_shape, default_size=224, min_size=32,
                                     data_format=K.image_data_format(), require_flatten=include_top,
                                     weights=weights)
    img_input, inputs = base.image_input(input_tensor, input_shape)
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name='conv1_pad')(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=use_bias, name='conv1_conv')(x)
    if not preact:
        x = layers.Activation('relu', name='conv1_relu')(_bn(x, 'conv1_bn'))
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name='pool1_pad')(x)
    x = layers.MaxPooling2D(3, strides=2, name='pool1_pool')(x)
    x = stack_fn(x)
    if preact:
        x = layers.Activation('relu', name='post_relu')(_bn(x, 'post_bn'))
    if include_top:
        x = layers.GlobalAveragePooling2D(name='avg_pool')(x)
        x = layers.Dense(classes, activation='softmax', name='probs')(x)
    else:
        x = base.global_pool(x, pooling, avg_name='avg_pool', max_name='max_pool')
    model = Model(inputs, x, name=model_name)
    fname = '%s_weights_tf_dim_ordering_tf_kernels%s.h5' % (model_name, '' if include_top else '_notop')
    file_hash = WEIGHTS_HASHES[model_name][0 if include_top else 1] if model_name in WEIGHTS_HASHES else None
    imagenet = (fname, BASE_WEIGHTS_PATH + fname, file_hash) if model_name in WEIGHTS_HASHES else None
    return _weights.load(model, weights, imagenet)


_DOC = """%s (%s parameters with its classifier); 224x224x3 inputs by default (at least
    32x32), preprocessed by ``%s.preprocess_input``."""


def _model(name, model_name, builder, stages, preact, use_bias, params, module):
    def constructor(include_top=True, weights='imagenet', input_tensor=None, input_shape=None, pooling=None,
                    classes=1000, **kwargs):
        base.no_kwargs(name, kwargs)

        def stack_fn(x):
            for i, (filters, blocks, stride1) in enumerate(stages, start=2):
                x = builder(x, filters, blocks, stride1=stride1, name='conv%d' % i)
            return x
        return ResNet(stack_fn, preact, use_bias, model_name, include_top, weights, input_tensor, input_shape,
                      pooling, classes)
    constructor.__name__ = constructor.__qualname__ = name
    constructor.__module__ = 'kcore_applications.' + module
    constructor.__doc__ = _DOC % (name, params, 'kcore.applications.' + module)
    return constructor


ResNet50 = _model('ResNet50', 'resnet50', stack1, [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)],
                  False, True, '25,636,712', 'resnet')
ResNet101 = _model('ResNet101', 'resnet101', stack1, [(64, 3, 1), (128, 4, 2), (256, 23, 2), (512, 3, 2)],
                   False, True, '44,707,176', 'resnet')
ResNet152 = _model('ResNet152', 'resnet152', stack1, [(64, 3, 1), (128, 8, 2), (256, 36, 2), (512, 3, 2)],
                   False, True, '60,419,944', 'resnet')
ResNet50V2 = _model('ResNet50V2', 'resnet50v2', stack2, [(64, 3, 2), (128, 4, 2), (256, 6, 2), (512, 3, 1)],
                    True, True, '25,613,800', 'resnet_v2')
ResNet101V2 = _model('ResNet101V2', 'resnet101v2', stack2, [(64, 3, 2), (128, 4, 2), (256, 23, 2), (512, 3, 1)],
                     True, True, '44,675,560', 'resnet_v2')
ResNet152V2 = _model('ResNet152V2', 'resnet152v2', stack2, [(64, 3, 2), (128, 8, 2), (256, 36, 2), (512, 3, 1)],
                     True, True, '60,380,648', 'resnet_v2')
ResNeXt50 = _model('ResNeXt50', 'resnext50', stack3, [(128, 3, 1), (256, 4, 2), (512, 6, 2), (1024, 3, 2)],
                   False, False, '25,097,128', 'resnext')
ResNeXt101 = _model('ResNeXt101', 'resnext101', stack3, [(128, 3, 1), (256, 4, 2), (512, 23, 2), (1024, 3, 2)],
                    False, False, '44,315,560', 'resnext')
