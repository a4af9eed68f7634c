"""Keras 2's enqueuers: read a ``Sequence`` or a generator ahead of its consumer on background
threads, behind ``start(workers, max_queue_size)`` / ``get()`` / ``stop()``.

``fit`` does not need them (its data adapter reads ahead on its own, see
``kcore.training.data``); they exist for scripts that drive the reading themselves, as Keras 2's
own loops did.  Deliberate difference: ``use_multiprocessing=True`` runs threads too (kcore never
forks a process to unpickle a user's batches); the flag is kept so Keras 2 calls run unchanged.
"""
import contextvars
import queue
import threading
from concurrent import futures
from concurrent.futures import ThreadPoolExecutor

from kcore.training.data import _IteratorReader, _host_permutation, put_unless_stopped


class SequenceEnqueuer(object):
    """Base of the enqueuers: ``start`` the readers, iterate ``get()``, then ``stop``."""

    def __init__(self, sequence, use_multiprocessing=False):
        self.sequence = sequence
        self.use_multiprocessing = use_multiprocessing
        self.workers = 0
        self.queue = None
        self.stop_signal = None
        self.run_thread = None

    def is_running(self):
        return self.stop_signal is not None and not self.stop_signal.is_set()

    def start(self, workers=1, max_queue_size=10):
        """Start reading with ``workers`` threads, holding at most ``max_queue_size`` items ahead."""
        if workers < 1:
            raise ValueError('%s.start: workers must be at least 1. Received: workers=%r.'
                             % (type(self).__name__, workers))
        self.workers = int(workers)
        self.queue = queue.Queue(max(1, int(max_queue_size)))
        self.stop_signal = threading.Event()
        self.run_thread = threading.Thread(target=contextvars.copy_context().run, args=(self._run,), daemon=True)
        self.run_thread.start()

    def stop(self, timeout=None):
        """Stop the readers and wait up to ``timeout`` seconds for them."""
        if self.run_thread is None:
            return
        self.stop_signal.set()
        with self.queue.mutex:  # unblock a reader waiting for room
            self.queue.queue.clear()
            self.queue.not_full.notify_all()
        self.run_thread.join(timeout)
        self.run_thread = None

    def _put(self, item):
        """Put ``item`` unless stopped first; False once stopped."""
        return put_unless_stopped(self.queue, item, self.stop_signal)

    def _run(self):
        raise NotImplementedError

    def get(self):
        """A generator of the items read ahead, while the enqueuer runs."""
        raise NotImplementedError


class OrderedEnqueuer(SequenceEnqueuer):
    """Reads a ``Sequence`` by index on ``workers`` threads and hands batches out in order, epoch
    after epoch (``on_epoch_end`` of the sequence runs between epochs; ``shuffle`` reorders each)."""

    def __init__(self, sequence, use_multiprocessing=False, shuffle=False):
        super(OrderedEnqueuer, self).__init__(sequence, use_multiprocessing)
        self.shuffle = shuffle
        self._epoch_reads = []

    def _epoch_order(self):
        n = len(self.sequence)
        return [int(i) for i in _host_permutation(n)] if self.shuffle else list(range(n))

    def _run(self):
        with ThreadPoolExecutor(self.workers, thread_name_prefix='kcore-enqueuer') as pool:
            while not self.stop_signal.is_set():
                order = self._epoch_order()
                if not order:
                    self._put(None)  # an empty sequence: get() ends
                    return
                self._epoch_reads = []
                for i in order:
                    self._epoch_reads.append(pool.submit(contextvars.copy_context().run, self.sequence.__getitem__, i))
                    if not self._put(self._epoch_reads[-1]):
                        return
                self.join_end_of_epoch()
                if self.stop_signal.is_set():
                    return
                if hasattr(self.sequence, 'on_epoch_end'):
                    self.sequence.on_epoch_end()

    def join_end_of_epoch(self):
        """Wait until every batch of the epoch has been read and taken by ``get``, so that
        ``on_epoch_end`` never changes the sequence under a pending read."""
        futures.wait(self._epoch_reads)
        while not self.stop_signal.is_set() and not self.queue.empty():
            self.stop_signal.wait(0.01)

    def get(self):
        try:
            while self.is_running():
                try:
                    future = self.queue.get(timeout=0.05)
                except queue.Empty:
                    continue
                if future is None:
                    return
                yield future.result()
        except Exception:
            self.stop()
            raise


class GeneratorEnqueuer(SequenceEnqueuer):
    """Reads a Python generator ahead on one background thread (a generator cannot be advanced by
    two threads at once, so ``workers`` above 1 read no faster); ``get`` ends when it is exhausted
    and re-raises what it raised."""

    def __init__(self, sequence, use_multiprocessing=False, wait_time=None, random_seed=None):
        super(GeneratorEnqueuer, self).__init__(sequence, use_multiprocessing)
        self.random_seed = random_seed
        self._reader = None

    def start(self, workers=1, max_queue_size=10):
        if workers < 1:
            raise ValueError('GeneratorEnqueuer.start: workers must be at least 1. Received: workers=%r.'
                             % (workers,))
        self.workers = int(workers)
        self.stop_signal = threading.Event()
        self._reader = _IteratorReader(iter(self.sequence), max(1, int(max_queue_size)))
        self.queue = self._reader.queue

    def stop(self, timeout=None):
        if self._reader is not None:
            self.stop_signal.set()
            self._reader.close()
            self._reader = None

    def get(self):
        try:
            while self.is_running():
                ok, item = self._reader.get()
                if not ok:
                    return
                yield item
        except Exception:
            self.stop()
            raise


__all__ = ['SequenceEnqueuer', 'OrderedEnqueuer', 'GeneratorEnqueuer']
