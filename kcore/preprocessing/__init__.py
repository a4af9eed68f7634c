"""Keras's data preprocessing (keras_preprocessing 1.1.2's behaviour, on NumPy 2):
``sequence`` (padding, skip-grams, time-series windows), ``text`` (``Tokenizer``) and
``image`` (``ImageDataGenerator``; needs ``pip install "kcore[image]"``, loaded on first use)."""
from kcore.preprocessing import sequence, text  # noqa: F401

__all__ = ['image', 'sequence', 'text']


def __getattr__(name):
    if name == 'image':
        import importlib
        return importlib.import_module('kcore.preprocessing.image')
    raise AttributeError("module 'kcore.preprocessing' has no attribute %r" % name)
