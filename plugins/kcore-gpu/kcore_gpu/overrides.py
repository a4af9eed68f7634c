"""How a kcore-gpu kernel is declared, and when it declines.

``override(name, supports)`` records a CUDA implementation of kernel ``name``
with its ``supports`` predicate; the plugin registers it as ``name@cuda`` with
``supports=`` (kcore's contract): inputs the predicate declines (an unsupported
dtype, broadcasting, a non-default axis, an activation without a fused form)
run the generic kernel instead, with the same arguments and result.
"""
import numpy as np

FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
#: kernel name -> CUDA implementation (its ``supports`` attribute is the predicate)
KERNELS = {}


def override(name, supports):
    """Record the decorated function as the CUDA kernel ``name`` (see module docstring)."""
    def record(fn):
        fn.supports = supports
        KERNELS[name] = fn
        return fn
    return record


def is_device_array(a):
    """Whether ``a`` is a CuPy array."""
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
    """Whether every value is a real Python or NumPy number (a hyperparameter, not an array)."""
    return all(isinstance(v, (int, float, np.floating, np.integer)) and not isinstance(v, bool) for v in values)
