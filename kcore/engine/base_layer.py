"""Legacy Keras 2 module path: ``from keras.engine.base_layer import Layer``."""
from kcore import _legacy_paths
from kcore.layers import InputSpec, Layer  # noqa: F401


def disable_tracking(func):
    """Keras 2 marked methods whose attribute writes should not track layers; kcore tracks
    layers explicitly, so the decorator returns ``func`` unchanged."""
    return func


__getattr__ = _legacy_paths.module_getattr(__name__, (
    'K', 'initializers', 'count_params', 'has_arg', 'object_list_uid', 'to_list', 'unpack_singleton',
    'is_all_none', 'Node'))
