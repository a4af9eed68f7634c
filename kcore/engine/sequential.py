"""Legacy Keras 2 module path: ``from keras.engine.sequential import Sequential``."""
from kcore import _legacy_paths
from kcore.models import Sequential  # noqa: F401

__getattr__ = _legacy_paths.module_getattr(__name__, ('network', 'Model', 'Layer', 'Input', 'InputLayer', 'K',
                                                      'layer_module'))
