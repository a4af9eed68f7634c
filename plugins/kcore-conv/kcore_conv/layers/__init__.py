"""kcore-conv's layers (reached as ``kcore.layers.Conv2D`` once the plugin is installed)."""
from kcore_conv.layers.convolutional import (Conv1D, Conv1DTranspose, Conv2D, Conv2DTranspose, Conv3D,
                                             Conv3DTranspose, DepthwiseConv1D, DepthwiseConv2D,
                                             SeparableConv1D, SeparableConv2D)
from kcore_conv.layers.pooling import (AveragePooling1D, AveragePooling2D, AveragePooling3D,
                                       GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D,
                                       GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D, MaxPooling1D,
                                       MaxPooling2D, MaxPooling3D)
from kcore_conv.layers.reshaping import (Cropping1D, Cropping2D, Cropping3D, UpSampling1D,
                                         UpSampling2D, UpSampling3D, ZeroPadding1D, ZeroPadding2D,
                                         ZeroPadding3D)

__all__ = ['Conv1D', 'Conv2D', 'Conv3D', 'Conv1DTranspose', 'Conv2DTranspose', 'Conv3DTranspose',
           'DepthwiseConv1D', 'DepthwiseConv2D', 'SeparableConv1D', 'SeparableConv2D',
           'MaxPooling1D', 'MaxPooling2D', 'MaxPooling3D', 'AveragePooling1D', 'AveragePooling2D',
           'AveragePooling3D', 'GlobalMaxPooling1D', 'GlobalMaxPooling2D', 'GlobalMaxPooling3D',
           'GlobalAveragePooling1D', 'GlobalAveragePooling2D', 'GlobalAveragePooling3D',
           'UpSampling1D', 'UpSampling2D', 'UpSampling3D', 'ZeroPadding1D', 'ZeroPadding2D', 'ZeroPadding3D',
           'Cropping1D', 'Cropping2D', 'Cropping3D']
