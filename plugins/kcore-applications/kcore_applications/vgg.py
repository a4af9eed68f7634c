"""VGG16 and VGG19 (Simonyan & Zisserman, 2014), as Keras builds them."""
from kcore import backend as K
from kcore import layers
from kcore.models import Model

from kcore_applications import base, weights as _weights
from kcore_applications.imagenet_utils import obtain_input_shape

_URL = 'https://github.com/fchollet/deep-learning-models/releases/download/v0.1/'
#: model name -> (convolutions per block, (top file hash, no-top file hash))
_CONFIGS = {
    'vgg16': ((2, 2, 3, 3, 3), ('64373286793e3c8b2b4e3219cbf3544b', '6d6bbae143d832006294945121d1f1fc')),
    'vgg19': ((2, 2, 4, 4, 4), ('cbe5617147190e668d6c5d5026f83318', '253f8cb515780f3b799900260a226db6')),
}


def vgg(model_name, include_top, weights, input_tensor, input_shape, pooling, classes):
    """Build VGG16 or VGG19 (``model_name``) with the shared arguments of the applications."""
    _weights.check(weights, include_top, classes)
    input_shape = obtain_input_shape(input_shape, default_size=224, min_size=32,
                                     data_format=K.image_data_format(), require_flatten=include_top,
                                     weights=weights)
    img_input, inputs = base.image_input(input_tensor, input_shape)
    convs, hashes = _CONFIGS[model_name]
    x = img_input
    for block, (n, filters) in enumerate(zip(convs, (64, 128, 256, 512, 512)), start=1):
        for i in range(1, n + 1):
            x = layers.Conv2D(filters, (3, 3), activation='relu', padding='same',
                              name='block%d_conv%d' % (block, i))(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name='block%d_pool' % block)(x)
    if include_top:
        x = layers.Flatten(name='flatten')(x)
        x = layers.Dense(4096, activation='relu', name='fc1')(x)
        x = layers.Dense(4096, activation='relu', name='fc2')(x)
        x = layers.Dense(classes, activation='softmax', name='predictions')(x)
    else:
        x = base.global_pool(x, pooling)
    model = Model(inputs, x, name=model_name)
    fname = '%s_weights_tf_dim_ordering_tf_kernels%s.h5' % (model_name, '' if include_top else '_notop')
    return _weights.load(model, weights, (fname, _URL + fname, hashes[0 if include_top else 1]))
