"""Legacy Keras 2 module path: ``from keras.engine.input_layer import Input, InputLayer``."""
from kcore.layers import Input, InputLayer  # noqa: F401
