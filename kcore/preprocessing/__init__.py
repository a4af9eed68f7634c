"""Keras's data preprocessing (keras_preprocessing 1.1.2's behaviour, on NumPy 2):
``sequence`` (padding, skip-grams, time-series windows), ``text`` (``Tokenizer``) and
``image`` (``ImageDataGenerator``; needs ``pip install "kcore[image]"``, loaded on first use)."""
from kcore.preprocessing import sequence, text  # noqa: F401

__all__ = ['image', 'sequence', 'text', 'set_keras_submodules', 'get_keras_submodule']

_KERAS_SUBMODULES = {}


def set_keras_submodules(backend, utils):
    """keras_preprocessing's hook for the ``backend`` and ``utils`` modules it uses.

    kcore's preprocessing is written against kcore directly, so the modules given here
    are only kept for :func:`get_keras_submodule` (scripts that call this still run)."""
    _KERAS_SUBMODULES.update(backend=backend, utils=utils)


def get_keras_submodule(name):
    """The ``backend`` or ``utils`` module: the one given to :func:`set_keras_submodules`,
    else kcore's own."""
    if name not in ('backend', 'utils'):
        raise ImportError("get_keras_submodule: expected 'backend' or 'utils'. Received: %r." % (name,))
    if name not in _KERAS_SUBMODULES:
        import importlib
        return importlib.import_module('kcore.' + name)
    return _KERAS_SUBMODULES[name]


def __getattr__(name):
    if name == 'image':
        import importlib
        return importlib.import_module('kcore.preprocessing.image')
    raise AttributeError("module 'kcore.preprocessing' has no attribute %r" % name)
