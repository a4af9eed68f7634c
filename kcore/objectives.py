"""Keras 2's ``keras.objectives``: the old name of ``keras.losses``; every name resolves there."""
import importlib


def __getattr__(name):
    if name.startswith('__'):
        raise AttributeError(name)
    return getattr(importlib.import_module('kcore.losses'), name)
