"""Keras 2's ``keras.wrappers``: ``scikit_learn`` (KerasClassifier, KerasRegressor)."""
from kcore.wrappers import scikit_learn  # noqa: F401
