"""Legacy Keras 2 module path: ``from keras.engine.base_layer import Layer``."""
from kcore.layers import InputSpec, Layer  # noqa: F401
