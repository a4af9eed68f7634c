"""Independent pieces of a kernel's work spread over a few threads, BLAS single-threaded meanwhile.

Why: a convolution is many cache-sized chunks, each an im2col copy, a matrix
product and a col2im add.  Letting BLAS thread each small product makes all
threads meet at every call, leaves the NumPy copies and adds on one core, and
collapses when the cores are shared with other processes (a thread that is
not scheduled stalls the others).  Instead, each worker thread takes a share of
the chunks and does all of their work (NumPy releases the GIL in those loops),
with BLAS limited to one thread for the duration, so the threads meet once per
kernel call, not once per product, and every step runs on every core.

One call at a time uses the threads; a concurrent call (from another user
thread) runs in its own thread.  The number of threads is BLAS's own
(``OPENBLAS_NUM_THREADS``/``OMP_NUM_THREADS`` or the core count), so one
setting governs both; ``KCORE_NUM_THREADS`` overrides it.  Without ``threadpoolctl`` (or with one thread, or with arrays
that are not NumPy's) the work runs in the calling thread.
"""
import os
import threading

import numpy as np

_lock = threading.Lock()
_busy = threading.Lock()  # one fold at a time changes the BLAS thread count; others run inline
_controller = None
_pool = None


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


def thread_count():
    """How many threads kernels may use: ``KCORE_NUM_THREADS``, else BLAS's thread count."""
    env = os.environ.get('KCORE_NUM_THREADS', '').strip()
    if env:
        return max(1, int(env))
    controller = _blas_controller()
    if not controller:
        return 1
    counts = [info['num_threads'] for info in controller.info() if info['user_api'] == 'blas']
    return max(1, min(counts)) if counts else 1


def _executor(n):
    global _pool
    with _lock:
        if _pool is None or _pool._max_workers < n:
            from concurrent.futures import ThreadPoolExecutor
            _pool = ThreadPoolExecutor(max_workers=n, thread_name_prefix='kcore-conv')
        return _pool


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
    if not _busy.acquire(blocking=False):  # another fold holds the threads (and the BLAS setting)
        return [_run(tasks, work)]
    try:
        shares = [tasks[i * len(tasks) // n:(i + 1) * len(tasks) // n] for i in range(n)]
        with _blas_controller().limit(limits=1, user_api='blas'):
            futures = [_executor(n).submit(_run, share, work) for share in shares[1:]]
            results = [_run(shares[0], work)]
            results += [f.result() for f in futures]
        return results
    finally:
        _busy.release()


def _run(tasks, work):
    acc = None
    for task in tasks:
        acc = work(task, acc)
    return acc
