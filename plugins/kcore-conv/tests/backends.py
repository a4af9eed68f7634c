"""Test backends that have no kernel overrides, so every op runs the generic kernels.

``GenericNumpyBackend`` is NumPy under another name; ``ArrayApiStrictBackend``
is ``array_api_strict``, an array namespace with nothing beyond the array-API
standard (no ``np.*`` function accepts its arrays without an explicit
conversion), which is what a kernel written only against ``xp`` must run on.
"""
import contextlib

import numpy as np

from kcore import plugins
from kcore.backend.device import ACTIVE, Backend, set_backend


class GenericNumpyBackend(Backend):
    """NumPy without the ``@numpy`` overrides."""

    name = 'generic_numpy'


class ArrayApiStrictBackend(Backend):
    """``array_api_strict`` as the array module (an optional test dependency)."""

    name = 'array_api_strict'

    def load_xp(self):
        import array_api_strict
        return array_api_strict

    def asarray(self, value, dtype=None):
        return self.xp.asarray(np.asarray(value), dtype=dtype)

    def to_numpy(self, array):
        return np.from_dlpack(array) if not isinstance(array, np.ndarray) else array


@contextlib.contextmanager
def active(backend):
    """Register ``backend`` and make it the active one for the block."""
    previous = ACTIVE.backend.name
    with plugins.registered(backend, kind='backends'):
        set_backend(backend.name)
        try:
            yield backend
        finally:
            set_backend(previous)
