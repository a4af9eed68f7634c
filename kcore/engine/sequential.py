"""Legacy Keras 2 module path: ``from keras.engine.sequential import Sequential``."""
from kcore.models import Sequential  # noqa: F401
