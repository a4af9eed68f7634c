"""Legacy Keras 2 module path: ``from keras.engine.topology import Layer``."""
from kcore import _legacy_paths
from kcore.layers import Input, InputLayer, InputSpec, Layer  # noqa: F401
from kcore.models import Model  # noqa: F401

__getattr__ = _legacy_paths.module_getattr(__name__, ('Node', 'Network', 'get_source_inputs'))
