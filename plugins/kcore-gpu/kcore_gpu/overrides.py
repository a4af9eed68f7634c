"""How a kcore-gpu kernel declines: a ``supports`` predicate, then the generic kernel.

``override(name, supports)`` wraps a CUDA implementation so that inputs it does
not handle (an unsupported dtype, broadcasting, a non-default axis) run the
generic kernel registered under ``name`` instead, with the same arguments and
the same ``(output, vjp)`` result.  The predicate is also the function's
``supports`` attribute, for the core's ``supports=`` contract and for tests.
"""
import functools

import numpy as np

FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
#: kernel name -> wrapped CUDA implementation, filled by the kernel modules
KERNELS = {}


def generic(name):
    """The generic (device-neutral) kernel registered under ``name``."""
    from kcore.plugins import registry
    return registry('kernels').get(name)


def override(name, supports):
    """Register the decorated function as the CUDA kernel ``name`` (see module docstring)."""
    def wrap(fn):
        @functools.wraps(fn)
        def kernel(*args, **params):
            if not supports(*args, **params):
                return generic(name)(*args, **params)
            return fn(*args, **params)
        kernel.supports = supports
        kernel.cuda_impl = fn
        KERNELS[name] = kernel
        return kernel
    return wrap


def is_device_array(a):
    return type(a).__module__.startswith('cupy')


def dense_floats(*arrays, dtype=None):
    """All arrays CuPy, C-contiguous and of one float dtype (``None`` entries skipped)."""
    present = [a for a in arrays if a is not None]
    if not present:
        return False
    first = np.dtype(getattr(present[0], 'dtype', None) or np.float64) if dtype is None else np.dtype(dtype)
    return first in FLOATS and all(is_device_array(a) and a.dtype == first and a.flags.c_contiguous
                                   for a in present)


def is_number(*values):
    return all(isinstance(v, (int, float, np.floating, np.integer)) and not isinstance(v, bool) for v in values)
