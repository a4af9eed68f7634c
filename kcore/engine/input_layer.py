"""Legacy Keras 2 module path: ``from keras.engine.input_layer import Input, InputLayer``."""
from kcore import _legacy_paths
from kcore.layers import Input, InputLayer  # noqa: F401

__getattr__ = _legacy_paths.module_getattr(__name__, ('Layer', 'Node', 'K', 'unpack_singleton'))
