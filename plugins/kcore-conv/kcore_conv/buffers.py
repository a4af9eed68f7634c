"""Large kernel outputs from a small cache of reused NumPy buffers.

Why: a fresh array of several MiB comes from ``mmap`` and costs a page fault
on first touch of each page; on the benchmark's VM that was about 2,500 faults
and a quarter of a training step, because the allocator hands the memory back
to the system between steps.  Here an output is a view of a cached base
buffer; a base is free again once no array refers to it (its reference count
is back to the cache's own), which is exact in CPython: a view keeps its base
alive.  Steady-state training then reuses the same memory every step.

Only NumPy arrays of at least ``MIN_BYTES`` are cached (CuPy has its own
pool); the cache holds at most ``MAX_BYTES`` of buffers, dropping free ones,
oldest first, beyond that.

Where kcore's training loop has told glibc to keep freed memory in the process
(``kcore.training.heap``, opt-in), fresh arrays below glibc's mmap threshold reuse warm
pages already, and the cache steps aside for them: its free buffers could serve
only this module's outputs, while the heap serves every array (peak memory of the
BatchNorm CNN benchmark 113 -> 97 MiB).  Larger arrays are still mmap'd by glibc,
so they keep coming from the cache.
"""
import sys
import threading

import numpy as np

from kcore.backend.device import ACTIVE
from kcore.training import heap

MIN_BYTES = 1 << 20
MAX_BYTES = 512 << 20

_lock = threading.Lock()
_bases = []  # cached base buffers (1-d uint8), oldest first


def _free(i):
    """Whether nothing but the cache refers to base ``i`` (the list entry and getrefcount's
    argument are the only references; every live view adds one)."""
    return sys.getrefcount(_bases[i]) == 2


def empty(shape, dtype):
    """Like ``xp.empty``; large NumPy arrays reuse a cached buffer that nothing refers to."""
    xp = ACTIVE.xp
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if xp is not np or nbytes < MIN_BYTES or (nbytes < heap.MMAP_THRESHOLD and heap.keep_freed_memory()):
        return xp.empty(shape, dtype=dtype)
    with _lock:
        for i in range(len(_bases)):
            if nbytes <= _bases[i].nbytes <= 2 * nbytes and _free(i):
                _bases.append(_bases.pop(i))  # most recently used last
                return _bases[-1][:nbytes].view(dtype).reshape(shape)
        base = np.empty(nbytes, dtype=np.uint8)
        _bases.append(base)
        _trim()
        return base.view(dtype).reshape(shape)


def zeros(shape, dtype):
    """A zero-filled array of ``shape`` and ``dtype``, from the buffer cache when it is large."""
    out = empty(shape, dtype)
    out[...] = 0
    return out


def _trim():
    total = sum(b.nbytes for b in _bases)
    i = 0
    while total > MAX_BYTES and i < len(_bases) - 1:
        if _free(i):
            total -= _bases.pop(i).nbytes
        else:
            i += 1


def clear():
    """Drop every free cached buffer (arrays still in use keep theirs)."""
    with _lock:
        for i in reversed(range(len(_bases))):
            if _free(i):
                del _bases[i]
