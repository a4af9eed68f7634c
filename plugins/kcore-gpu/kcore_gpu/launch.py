"""Compiling kcore-gpu's programs with CuPy and launching their kernels.

One ``cupy.RawModule`` per (program, dtype, device), built on first use and
kept; a launch is a grid-stride loop, so the grid is capped and any size works.
"""
import numpy as np

from kcore_gpu import cuda

THREADS = 256
MAX_BLOCKS = 65535 * 8
_modules = {}


def module(name, dtype):
    """The compiled program ``name`` for ``dtype`` on the current CUDA device."""
    import cupy
    key = (name, np.dtype(dtype), cupy.cuda.Device().id)
    mod = _modules.get(key)
    if mod is None:
        mod = cupy.RawModule(code=cuda.program(name, dtype), options=('-std=c++14',))
        _modules[key] = mod
    return mod


def function(program, kernel, dtype):
    """The compiled ``kernel`` of ``program`` for ``dtype`` on the current device (a ``RawKernel``)."""
    return module(program, dtype).get_function(kernel)


def blocks(n, threads=THREADS):
    """The grid for ``n`` elements: one thread each, capped (the kernels loop over the rest)."""
    return (max(1, min((int(n) + threads - 1) // threads, MAX_BLOCKS)),)


def run(program, kernel, dtype, n, *args):
    """Launch ``kernel`` of ``program`` over ``n`` elements (its loop bound is an argument)."""
    function(program, kernel, dtype)(blocks(n), (THREADS,), args)


def scalar(value, dtype):
    """A kernel's ``T`` argument: ``value`` as a NumPy scalar of ``dtype``."""
    return np.dtype(dtype).type(value)


def i64(value):
    """A ``long long`` kernel argument."""
    return np.int64(value)


def i32(value):
    """An ``int`` kernel argument."""
    return np.int32(value)
