"""``kcore.applications.resnet_v2``: ResNet50V2, ResNet101V2, ResNet152V2 with Keras's layer names and ImageNet weights."""
from kcore_applications import imagenet_utils
from kcore_applications.imagenet_utils import decode_predictions  # noqa: F401
from kcore_applications.resnet_common import ResNet50V2, ResNet101V2, ResNet152V2  # noqa: F401


def preprocess_input(x, data_format=None, **kwargs):
    """``imagenet_utils.preprocess_input`` in tf mode: what these models' weights expect."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode='tf', **kwargs)


__all__ = ['ResNet50V2', 'ResNet101V2', 'ResNet152V2', 'preprocess_input', 'decode_predictions']
