"""``kcore.applications.resnext``: ResNeXt50, ResNeXt101 with Keras's layer names and ImageNet weights."""
from kcore_applications import imagenet_utils
from kcore_applications.imagenet_utils import decode_predictions  # noqa: F401
from kcore_applications.resnet_common import ResNeXt50, ResNeXt101  # noqa: F401


def preprocess_input(x, data_format=None, **kwargs):
    """``imagenet_utils.preprocess_input`` in torch mode: what these models' weights expect."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode='torch', **kwargs)


__all__ = ['ResNeXt50', 'ResNeXt101', 'preprocess_input', 'decode_predictions']
