"""``kcore.applications.vgg19``: VGG19 with Keras's layer names and ImageNet weights."""
from kcore_applications import base, vgg
from kcore_applications.imagenet_utils import decode_predictions, preprocess_input  # noqa: F401  (caffe mode)


def VGG19(include_top=True, weights='imagenet', input_tensor=None, input_shape=None, pooling=None, classes=1000,
          **kwargs):
    """VGG19 (143,667,240 parameters with its classifier); 224x224x3 inputs by default
    (at least 32x32), preprocessed by ``preprocess_input`` (caffe mode)."""
    base.no_kwargs('VGG19', kwargs)
    return vgg.vgg('vgg19', include_top, weights, input_tensor, input_shape, pooling, classes)


__all__ = ['VGG19', 'preprocess_input', 'decode_predictions']
