"""Keep freed activation memory in the process between training steps (glibc's malloc), opt-in.

Why: a training step allocates and frees the same multi-MiB arrays every step
(activations, their gradients).  By default glibc serves blocks of more than
a few MiB with ``mmap`` and returns them to the system on ``free`` (and trims
the heap's free top), so the next step gets fresh pages again and pays a page
fault per 4 KiB page (about 6,800 per step of the BatchNorm CNN benchmark).
Raising the mmap threshold to glibc's maximum (32 MiB on 64-bit) and the trim
threshold to 1 GiB lets those blocks stay in the heap and be reused warm, and
kcore-conv's buffer cache then steps aside (peak memory of that benchmark
about 115 -> 98 MiB).

Opt-in (``KCORE_KEEP_FREED_MEMORY=1``) because the setting is process-wide:
every library in the process gets it (PyTorch's CPU steps in the same process
ran 25-50% faster with it), and memory freed after training stays with the
process up to the trim threshold.  ``keep_freed_memory()`` is called by
``compile`` and ``predict``; it does nothing without the variable, on other C
libraries or with another backend than NumPy, and is applied once per process.
"""
import os
import sys

from kcore.runtime.device import ACTIVE

#: glibc's ``mallopt`` parameters and the values set
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
MMAP_THRESHOLD = 32 << 20   # glibc's upper limit for 64-bit processes
TRIM_THRESHOLD = 1 << 30

_applied = None  # None: not tried yet; then True/False


def keep_freed_memory():
    """Apply the thresholds (once); returns whether they are in effect."""
    global _applied
    if _applied is None:
        _applied = _apply()
    return _applied


def _apply():
    if os.environ.get('KCORE_KEEP_FREED_MEMORY', '').strip() != '1':
        return False
    if not sys.platform.startswith('linux') or ACTIVE.backend.name != 'numpy':
        return False
    import ctypes
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
