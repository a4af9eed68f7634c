"""One example call per overridden kernel: the inputs (shapes, filled with normal noise) and
keywords that the override check runs the generic kernel and a backend's override on.

Together they cover strides, dilation, groups, both data formats and the three paddings.
"""

_CL, _CF = 'channels_last', 'channels_first'


def _ex(inputs, **params):
    return {'inputs': inputs, 'params': params}


#: kernel name -> {'inputs': [shape, ...], 'params': {...}}
EXAMPLES = {
    'conv1d': _ex([(2, 9, 4), (3, 2, 6), (6,)], strides=(1,), padding='causal', dilation_rate=(2,),
                  data_format=_CL, activation='relu'),
    'conv2d': _ex([(2, 4, 7, 6), (3, 2, 2, 6), (6,)], strides=(2, 1), padding='same', dilation_rate=(1, 2),
                  data_format=_CF, activation=None),
    'conv3d': _ex([(2, 4, 5, 4, 3), (2, 3, 2, 3, 4), (4,)], strides=(1, 2, 1), padding='valid',
                  dilation_rate=(1, 1, 1), data_format=_CL, activation='relu'),
    'conv1d_transpose': _ex([(2, 5, 3), (3, 2, 3), (2,)], output_sizes=(11,), strides=(2,), padding='valid',
                            dilation_rate=(1,), data_format=_CL),
    'conv2d_transpose': _ex([(2, 3, 4, 3), (3, 2, 2, 3), (2,)], output_sizes=(8, 6), strides=(2, 2),
                            padding='same', dilation_rate=(1, 1), data_format=_CF),
    'conv3d_transpose': _ex([(1, 2, 3, 2, 2), (2, 2, 2, 3, 2), (3,)], output_sizes=(2, 3, 2), strides=(1, 1, 1),
                            padding='same', dilation_rate=(1, 1, 1), data_format=_CL),
    'depthwise_conv1d': _ex([(2, 8, 3), (3, 3, 2), (6,)], strides=(1,), padding='causal', dilation_rate=(2,),
                            data_format=_CL, activation='relu'),
    'depthwise_conv2d': _ex([(2, 3, 6, 5), (2, 3, 3, 2), (6,)], strides=(2, 1), padding='same',
                            dilation_rate=(1, 1), data_format=_CF, activation=None),
    'separable_conv1d': _ex([(2, 8, 3), (3, 3, 2), (1, 6, 4), (4,)], strides=(1,), padding='same',
                            dilation_rate=(1,), data_format=_CL, activation=None),
    'separable_conv2d': _ex([(2, 6, 5, 3), (3, 2, 3, 1), (1, 1, 3, 4), (4,)], strides=(2, 2), padding='valid',
                            dilation_rate=(1, 1), data_format=_CL, activation='relu'),
    'max_pool1d': _ex([(2, 7, 3)], pool_size=(3,), strides=(2,), padding='same', data_format=_CL),
    'max_pool2d': _ex([(2, 3, 7, 5)], pool_size=(3, 2), strides=(1, 2), padding='same', data_format=_CF),
    'max_pool3d': _ex([(2, 4, 4, 5, 2)], pool_size=(2, 2, 2), strides=(2, 2, 2), padding='valid', data_format=_CL),
    'avg_pool1d': _ex([(2, 7, 3)], pool_size=(3,), strides=(2,), padding='same', data_format=_CL),
    'avg_pool2d': _ex([(2, 6, 5, 3)], pool_size=(2, 3), strides=(2, 1), padding='same', data_format=_CL),
    'avg_pool3d': _ex([(2, 2, 3, 4, 3)], pool_size=(2, 2, 2), strides=(1, 1, 1), padding='same', data_format=_CF),
}
