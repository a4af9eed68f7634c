"""Legacy Keras 2 module path: ``from keras.engine.topology import Layer``."""
from kcore.layers import Input, InputLayer, InputSpec, Layer  # noqa: F401
from kcore.models import Model  # noqa: F401
