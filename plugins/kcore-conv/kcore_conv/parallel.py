"""Independent pieces of a kernel's work spread over a few threads, with BLAS single-threaded.

Why: a convolution is many cache-sized chunks, each an im2col copy, a matrix
product and a col2im add.  Letting BLAS thread each small product makes all
threads meet at every call, leaves the NumPy copies and adds on one core, and
collapses when the cores are shared with other processes (a thread that is
not scheduled stalls the others).  Instead, each worker thread takes a share of
the chunks and does all of their work (NumPy releases the GIL in those loops),
so the threads meet once per kernel call and every step runs on every core.

BLAS must then run single-threaded, and not only during the call: OpenBLAS's
idle threads keep spinning for a long while after any threaded product (a
Dense layer's, say), competing with these threads for the cores; measured on
the benchmark CNN, that made a training step 40% slower.  So the first
threaded call *takes over* BLAS: it sets BLAS to one thread and leaves it so
(the other kernels' products then run single-threaded too) until
``release_blas()`` gives BLAS its thread count back.

The number of threads is BLAS's own at take-over (``OPENBLAS_NUM_THREADS``,
``OMP_NUM_THREADS`` or the core count), so one setting governs both;
``KCORE_NUM_THREADS`` overrides it, and ``KCORE_NUM_THREADS=1`` leaves BLAS
alone (everything runs in the calling thread).  Without ``threadpoolctl``, or
with arrays that are not NumPy's, work runs in the calling thread.  One call
at a time uses the threads; a concurrent or nested call runs in its own thread.
"""
import math
import os
import threading

import numpy as np

from kcore.backend.device import ACTIVE

_lock = threading.Lock()
_busy = threading.Lock()  # held by the one fold that uses the worker threads
_controller = None
_pool = None  # (pid, ThreadPoolExecutor)
_local = threading.local()  # per-thread scratch buffers
_takeover = None  # (limiter to restore BLAS, BLAS's thread count before) while BLAS is taken over


def _blas_controller():
    global _controller
    if _controller is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:
            _controller = False
        else:
            _controller = ThreadpoolController()
    return _controller


def _blas_threads():
    """BLAS's thread count, as it was before any take-over."""
    if _takeover is not None:
        return _takeover[1]
    controller = _blas_controller()
    counts = [i['num_threads'] for i in controller.info() if i['user_api'] == 'blas'] if controller else []
    return max(1, min(counts)) if counts else 1


def thread_count():
    """How many threads kernels may use: ``KCORE_NUM_THREADS``, else BLAS's thread count."""
    env = os.environ.get('KCORE_NUM_THREADS', '').strip()
    return max(1, int(env)) if env else _blas_threads()


def _take_over_blas():
    global _takeover
    if _takeover is None:
        before = _blas_threads()
        _takeover = (_blas_controller().limit(limits=1, user_api='blas'), before)


def release_blas():
    """Give BLAS back the thread count it had before kcore-conv took it over (if it did)."""
    global _takeover
    with _lock:
        if _takeover is not None:
            _takeover[0].restore_original_limits()
            _takeover = None


def _executor(n):
    """The worker threads (a new pool in a forked child, whose copy of the pool has no threads)."""
    global _pool
    with _lock:
        if _pool is None or _pool[0] != os.getpid() or _pool[1]._max_workers < n:
            from concurrent.futures import ThreadPoolExecutor
            _pool = (os.getpid(), ThreadPoolExecutor(max_workers=n, thread_name_prefix='kcore-conv'))
        return _pool[1]


def fold(tasks, work, arrays=()):
    """``work(task, acc) -> acc`` over every task; returns the accumulators, one per thread used.

    Each thread takes a contiguous share of the tasks, starts with ``acc=None``
    and folds its share in order; the work on different tasks must be
    independent (disjoint outputs).  The split depends only on the thread
    count, so results (sums of the accumulators in order) are reproducible.
    ``arrays`` are the operands: threads are used only for NumPy ones.
    """
    tasks = list(tasks)
    n = min(len(tasks), thread_count())
    if n <= 1 or not all(isinstance(a, np.ndarray) for a in arrays) or not _blas_controller():
        return [_run(tasks, work)]
    if not _busy.acquire(blocking=False):
        return [_run(tasks, work)]
    try:
        with _lock:
            _take_over_blas()
        shares = [tasks[i * len(tasks) // n:(i + 1) * len(tasks) // n] for i in range(n)]
        futures = [_executor(n).submit(_run, share, work) for share in shares[1:]]
        results = [_run(shares[0], work)]
        return results + [f.result() for f in futures]
    finally:
        _busy.release()


def scratch(name, shape, dtype):
    """A temporary buffer of the calling thread, reused from chunk to chunk and call to call.

    Reuse keeps it in cache and spares the allocator (a fresh large array costs
    page faults each time).  It stays valid until the same thread asks for
    ``name`` again, so it must never be returned or kept.
    """
    buffers = getattr(_local, 'buffers', None)
    if buffers is None:
        buffers = _local.buffers = {}
    size = math.prod(shape)
    key = (name, np.dtype(dtype).str)
    buf = buffers.get(key)
    if buf is None or buf.size < size or not isinstance(buf, ACTIVE.xp.ndarray):
        buf = buffers[key] = ACTIVE.xp.empty(size, dtype=dtype)
    return buf[:size].reshape(shape)


def _run(tasks, work):
    acc = None
    for task in tasks:
        acc = work(task, acc)
    return acc
