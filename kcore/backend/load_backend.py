"""Keras 2's ``keras.backend.load_backend``: the module that picked TensorFlow, Theano or CNTK
and re-exported its functions. kcore has one backend API, so this module is ``kcore.backend``
under the old path (Keras's tests import it, e.g. ``load_backend.dev``-style checks)."""
from kcore import backend as _backend


def __getattr__(name):
    return getattr(_backend, name)


def __dir__():
    return dir(_backend)
