"""A second device backend on the CPU, for testing device identity without a GPU.

``twin`` has two devices.  Its arrays are ``TwinArray``s (NumPy arrays that remember
their device), made on the *current* twin device, which ``activate()`` sets per
thread, as ``cupy.cuda.Device(i).use()`` does.  Like CuPy, an element-wise op refuses
arrays of two devices (or a twin array beside a plain NumPy one) with a terse
ValueError; kcore must turn that into its clear ``DeviceMismatchError``.
"""
import threading
import types

import numpy as np

from kcore.backend.device import Backend
from kcore.plugins import hookimpl

_current = threading.local()  # the twin device of this thread, as CuPy's current device


def current_twin_device():
    return getattr(_current, 'index', 0)


class TwinArray(np.ndarray):
    """A NumPy array on twin device ``device_id``."""

    device_id = 0

    def __array_finalize__(self, obj):
        self.device_id = getattr(obj, 'device_id', current_twin_device())

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        places = {_place(a) for a in inputs + tuple(kwargs.get('out', ())) if _place(a) is not None}
        if len(places) > 1:
            raise ValueError('twin: array device mismatch')  # as terse as a device library's own error
        plain = tuple(a.view(np.ndarray) if isinstance(a, np.ndarray) else a for a in inputs)
        if 'out' in kwargs:
            kwargs['out'] = tuple(o.view(np.ndarray) for o in kwargs['out'])
        result = getattr(ufunc, method)(*plain, **kwargs)
        return _tag(result, self.device_id)


def _place(a):
    if isinstance(a, TwinArray):
        return 'twin:%d' % a.device_id
    if isinstance(a, np.ndarray) and a.ndim:
        return 'cpu'
    return None


def _tag(result, device_id):
    if isinstance(result, tuple):
        return tuple(_tag(r, device_id) for r in result)
    if isinstance(result, np.generic):  # a device library keeps 0-d results on the device
        result = np.asarray(result)
    if isinstance(result, np.ndarray):
        out = result.view(TwinArray)
        out.device_id = device_id
        return out
    return result


_CREATORS = ('array', 'asarray', 'ascontiguousarray', 'zeros', 'ones', 'empty', 'full', 'zeros_like', 'ones_like',
             'empty_like', 'full_like', 'arange', 'eye', 'linspace')


class TwinNamespace(types.SimpleNamespace):
    """NumPy, whose array-creating functions make arrays on the current twin device."""

    def __getattr__(self, name):
        attr = getattr(np, name)
        if name == 'broadcast_to':  # NumPy's drops subclasses unless asked; a device library's keeps its arrays
            return lambda array, shape: np.broadcast_to(array, shape, subok=True)
        if name in _CREATORS:
            return lambda *a, **k: _tag(attr(*a, **k), current_twin_device())
        return attr


TWIN_XP = TwinNamespace()


class TwinBackend(Backend):
    """Two CPU 'devices' whose arrays must not meet."""

    name = 'twin'

    def load_xp(self):
        return TWIN_XP

    def device_count(self):
        return 2

    def activate(self):
        _current.index = self.device_index

    def device_of(self, array):
        if isinstance(array, TwinArray):
            return 'twin:%d' % array.device_id
        return 'cpu' if isinstance(array, np.ndarray) else None

    def asarray(self, value, dtype=None):
        return _tag(np.array(value, dtype=dtype), self.device_index)

    def to_numpy(self, array):
        return np.asarray(array).view(np.ndarray)


def twin_plugin():
    """A hook module registering the twin backend."""
    def register_backends(register):
        register(TwinBackend())

    module = types.ModuleType('twin_backend_plugin')
    module.register_backends = hookimpl(register_backends)
    return module
