"""Legacy Keras 2 module path: ``from keras.engine.training import Model``."""
from kcore import _legacy_paths
from kcore.models import Model  # noqa: F401

__getattr__ = _legacy_paths.module_getattr(__name__, (
    'Network', 'Layer', 'training_utils', 'training_arrays', 'training_generator', 'K', 'optimizers', 'losses',
    'metrics_module', 'slice_arrays', 'to_list', 'unpack_singleton', 'losses_utils'))
