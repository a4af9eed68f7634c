"""Legacy Keras 2 module path: ``from keras.engine.training import Model``."""
from kcore.models import Model  # noqa: F401
