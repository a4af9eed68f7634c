"""``kcore.applications.vgg16``: VGG16 with Keras's layer names and ImageNet weights."""
from kcore_applications import base, vgg
from kcore_applications.imagenet_utils import decode_predictions, preprocess_input  # noqa: F401  (caffe mode)


def VGG16(include_top=True, weights='imagenet', input_tensor=None, input_shape=None, pooling=None, classes=1000,
          **kwargs):
    """VGG16 (138,357,544 parameters with its classifier); 224x224x3 inputs by default
    (at least 32x32), preprocessed by ``preprocess_input`` (caffe mode)."""
    base.no_kwargs('VGG16', kwargs)
    return vgg.vgg('vgg16', include_top, weights, input_tensor, input_shape, pooling, classes)


__all__ = ['VGG16', 'preprocess_input', 'decode_predictions']
