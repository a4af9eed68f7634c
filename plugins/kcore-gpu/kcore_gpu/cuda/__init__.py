"""The CUDA C sources of kcore-gpu's kernels, and how each becomes one program per dtype.

The sources are plain ``.cu`` files beside this module, written against a type
``T``; ``program(name, dtype)`` prepends ``typedef float T;`` (or ``double``) and
the shared header.  Nothing here imports CuPy: the sources can be compiled by
NVRTC alone (``kcore_gpu.nvrtc``), which the CPU tests do when NVRTC is installed.
"""
from importlib import resources

import numpy as np

#: the source files, one program each (``<name>.cu``)
PROGRAMS = ('optimizers', 'activations', 'losses', 'gather', 'conv', 'pool', 'norm', 'rnn')
#: the dtypes every program is compiled for
CTYPES = {np.dtype(np.float32): 'float', np.dtype(np.float64): 'double'}


def _read(filename):
    return resources.files(__name__).joinpath(filename).read_text()


def program(name, dtype):
    """The full CUDA source of program ``name`` for ``dtype`` (float32 or float64).

    Raises:
        KeyError: for a program or dtype kcore-gpu does not compile.
    """
    if name not in PROGRAMS:
        raise KeyError('kcore-gpu has no CUDA program %r (it has: %s)' % (name, ', '.join(PROGRAMS)))
    ctype = CTYPES[np.dtype(dtype)]
    return 'typedef %s T;\n%s\n%s' % (ctype, _read('common.cuh'), _read(name + '.cu'))


def kernel_names(name):
    """The ``extern "C" __global__`` functions program ``name`` defines."""
    import re
    return re.findall(r'extern "C" __global__ void (\w+)\(', _read(name + '.cu'))
