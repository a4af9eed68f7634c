"""What kcore-conv registers: each layer with its Keras 2 aliases and the examples
the generic layer conformance test runs (``kwargs`` and a batch-first ``input_shape``)."""
from kcore_conv.layers import (AveragePooling1D, AveragePooling2D, AveragePooling3D, Conv1D, Conv1DTranspose,
                               Conv2D, Conv2DTranspose, Conv3D, Conv3DTranspose, Cropping1D, Cropping2D,
                               Cropping3D, DepthwiseConv1D, DepthwiseConv2D, GlobalAveragePooling1D,
                               GlobalAveragePooling2D, GlobalAveragePooling3D, GlobalMaxPooling1D,
                               GlobalMaxPooling2D, GlobalMaxPooling3D, MaxPooling1D, MaxPooling2D, MaxPooling3D,
                               SeparableConv1D, SeparableConv2D, UpSampling1D, UpSampling2D, UpSampling3D,
                               ZeroPadding1D, ZeroPadding2D, ZeroPadding3D)


def _ex(input_shape, **kwargs):
    return {'kwargs': kwargs, 'input_shape': input_shape}


_CF = 'channels_first'

#: (class, aliases, examples)
LAYERS = [
    (Conv1D, ('Convolution1D',), [
        _ex((2, 7, 3), filters=4, kernel_size=3),
        _ex((2, 8, 4), filters=2, kernel_size=2, padding='causal', dilation_rate=2, activation='relu'),
        _ex((2, 9, 4), filters=4, kernel_size=3, strides=2, padding='same', groups=2, use_bias=False)]),
    (Conv2D, ('Convolution2D',), [
        _ex((2, 6, 5, 3), filters=4, kernel_size=(3, 2)),
        _ex((2, 3, 7, 6), filters=2, kernel_size=3, strides=2, padding='same', data_format=_CF,
            activation='relu'),
        _ex((2, 7, 7, 4), filters=6, kernel_size=2, dilation_rate=2, groups=2, activation='tanh')]),
    (Conv3D, ('Convolution3D',), [
        _ex((2, 4, 5, 4, 2), filters=3, kernel_size=2),
        _ex((2, 2, 5, 4, 4), filters=2, kernel_size=(3, 2, 2), strides=(2, 1, 2), padding='same',
            data_format=_CF)]),
    (Conv1DTranspose, ('Convolution1DTranspose',), [
        _ex((2, 5, 3), filters=2, kernel_size=3, strides=2),
        _ex((2, 5, 3), filters=2, kernel_size=3, strides=2, padding='same', output_padding=1)]),
    (Conv2DTranspose, ('Convolution2DTranspose', 'Deconvolution2D', 'Deconv2D'), [
        _ex((2, 4, 3, 3), filters=2, kernel_size=3),
        _ex((2, 3, 4, 3), filters=2, kernel_size=(3, 2), strides=2, padding='same', data_format=_CF),
        _ex((2, 4, 4, 2), filters=3, kernel_size=3, strides=(2, 3), output_padding=(1, 2), activation='sigmoid')]),
    (Conv3DTranspose, ('Convolution3DTranspose', 'Deconvolution3D', 'Deconv3D'), [
        _ex((2, 2, 3, 2, 3), filters=2, kernel_size=2, strides=2),
        _ex((2, 3, 2, 3, 2), filters=2, kernel_size=3, padding='same', data_format=_CF)]),
    (SeparableConv1D, ('SeparableConvolution1D',), [
        _ex((2, 7, 3), filters=4, kernel_size=3, depth_multiplier=2),
        _ex((2, 8, 2), filters=3, kernel_size=2, padding='causal', activation='relu')]),
    (SeparableConv2D, ('SeparableConvolution2D',), [
        _ex((2, 6, 5, 3), filters=4, kernel_size=3, depth_multiplier=2),
        _ex((2, 3, 6, 6), filters=2, kernel_size=2, strides=2, padding='same', data_format=_CF)]),
    (DepthwiseConv1D, (), [
        _ex((2, 7, 3), kernel_size=3, depth_multiplier=2),
        _ex((2, 8, 3), kernel_size=2, padding='causal', use_bias=False)]),
    (DepthwiseConv2D, (), [
        _ex((2, 6, 5, 3), kernel_size=3),
        _ex((2, 3, 6, 6), kernel_size=2, strides=2, padding='same', depth_multiplier=2, data_format=_CF)]),
    (MaxPooling1D, ('MaxPool1D',), [_ex((2, 7, 3)), _ex((2, 7, 3), pool_size=3, strides=2, padding='same')]),
    (MaxPooling2D, ('MaxPool2D',), [
        _ex((2, 6, 5, 3)), _ex((2, 3, 7, 5), pool_size=3, strides=1, padding='same', data_format=_CF)]),
    (MaxPooling3D, ('MaxPool3D',), [_ex((2, 4, 4, 5, 2)), _ex((2, 3, 4, 3, 2), pool_size=2, padding='same')]),
    (AveragePooling1D, ('AvgPool1D',), [_ex((2, 7, 3)), _ex((2, 7, 3), pool_size=3, strides=2, padding='same')]),
    (AveragePooling2D, ('AvgPool2D',), [
        _ex((2, 6, 5, 3)), _ex((2, 3, 7, 5), pool_size=(3, 2), strides=2, padding='same', data_format=_CF)]),
    (AveragePooling3D, ('AvgPool3D',), [_ex((2, 4, 4, 5, 2)), _ex((2, 3, 4, 3, 2), padding='same')]),
    (GlobalMaxPooling1D, ('GlobalMaxPool1D',), [_ex((2, 5, 3)), _ex((2, 3, 5), data_format=_CF, keepdims=True)]),
    (GlobalMaxPooling2D, ('GlobalMaxPool2D',), [_ex((2, 4, 5, 3)), _ex((2, 3, 4, 5), data_format=_CF)]),
    (GlobalMaxPooling3D, ('GlobalMaxPool3D',), [_ex((2, 2, 3, 4, 3)), _ex((2, 2, 3, 4, 3), keepdims=True)]),
    (GlobalAveragePooling1D, ('GlobalAvgPool1D',), [_ex((2, 5, 3)), _ex((2, 3, 5), data_format=_CF)]),
    (GlobalAveragePooling2D, ('GlobalAvgPool2D',), [_ex((2, 4, 5, 3)), _ex((2, 4, 5, 3), keepdims=True)]),
    (GlobalAveragePooling3D, ('GlobalAvgPool3D',), [_ex((2, 2, 3, 4, 3)), _ex((2, 3, 2, 3, 4), data_format=_CF)]),
    (UpSampling1D, (), [_ex((2, 4, 3)), _ex((2, 4, 3), size=3)]),
    (UpSampling2D, (), [
        _ex((2, 3, 4, 2)), _ex((2, 2, 3, 4), size=(2, 3), data_format=_CF, interpolation='bilinear')]),
    (UpSampling3D, (), [_ex((2, 2, 3, 2, 2)), _ex((2, 2, 2, 3, 2), size=(1, 2, 3), data_format=_CF)]),
    (ZeroPadding1D, (), [_ex((2, 4, 3)), _ex((2, 4, 3), padding=(1, 2))]),
    (ZeroPadding2D, (), [_ex((2, 3, 4, 2)), _ex((2, 2, 3, 4), padding=((1, 0), (2, 1)), data_format=_CF)]),
    (ZeroPadding3D, (), [_ex((2, 2, 3, 2, 2)), _ex((2, 2, 2, 3, 2), padding=(1, 0, 2), data_format=_CF)]),
    (Cropping1D, (), [_ex((2, 6, 3)), _ex((2, 6, 3), cropping=(2, 0))]),
    (Cropping2D, (), [_ex((2, 5, 6, 2), cropping=1), _ex((2, 2, 5, 6), cropping=((1, 2), (0, 3)), data_format=_CF)]),
    (Cropping3D, (), [_ex((2, 4, 5, 4, 2)), _ex((2, 2, 4, 5, 6), cropping=(1, 2, 0), data_format=_CF)]),
]
