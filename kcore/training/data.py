"""Feeding data to fit/evaluate/predict: arrays, generators and Sequences.

Every source becomes an adapter whose ``batches()`` yields
``(x, y, sample_weight)`` per step for one epoch.  Generators and Sequences are
read ahead on background threads (up to ``max_queue_size`` batches), so
preparing the next batch overlaps the current training step:

- a ``Sequence`` is read by index by ``workers`` threads, batches handed out
  in order (Keras's ordered enqueuer);
- a Python generator/iterator is read by one producer that lives as long as
  the adapter, so it is never advanced by two threads at once.
"""
import collections
import contextvars
import queue
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from kcore import config
from kcore.runtime import rng as _rng
from kcore.utils import nest
from kcore.training.class_weights import class_weights_to_sample_weights  # noqa: F401 - its old home


class Sequence:
    """Base class for datasets indexed by batch: implement ``__getitem__(i)`` (the
    i-th batch, ``(x, y)`` or ``(x, y, sample_weight)``) and ``__len__`` (the number
    of batches); ``on_epoch_end`` runs after each epoch (reshuffle there).

    Sequences are the safe way to read data on several threads (``workers``):
    each batch is produced exactly once per epoch, in order.
    """

    def __getitem__(self, index):
        raise NotImplementedError('%s must implement __getitem__(index) returning batch `index`.'
                                  % type(self).__name__)

    def __len__(self):
        raise NotImplementedError('%s must implement __len__() returning the number of batches.'
                                  % type(self).__name__)

    def on_epoch_end(self):
        """Called after each epoch of ``fit``; override it to reshuffle. Does nothing here."""
        pass

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]


def unpack(data):
    """``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)`` -> a triple."""
    if isinstance(data, tuple):
        if len(data) == 1:
            return data[0], None, None
        if len(data) == 2:
            return data[0], data[1], None
        if len(data) == 3:
            return data
        raise ValueError('A batch must be a tuple (x,), (x, y) or (x, y, sample_weight). Received a tuple of '
                         '%d items. Make the generator yield one of those.' % len(data))
    return data, None, None


def _to_array(a):
    """NumPy arrays of ``floatx`` for float data (one conversion up front, not per batch)."""
    if a is None:
        return None
    if hasattr(a, 'numpy') and not isinstance(a, np.ndarray):
        a = a.numpy()
    a = np.asarray(a)
    if a.dtype.kind == 'f' and a.dtype != np.dtype(config.floatx()):
        a = a.astype(config.floatx())
    elif a.dtype == np.bool_:
        a = a.astype(config.floatx())
    return a


def to_arrays(structure):
    """``_to_array`` on every leaf of a nested structure (None stays None)."""
    return None if structure is None else nest.map_structure(_to_array, structure)


def _lengths(structure):
    return {len(a) if a.ndim else 1 for a in nest.flatten(structure) if a is not None}


def _take(structure, index):
    return nest.map_structure(lambda a: None if a is None else a[index], structure)


def check_lengths(x, y=None, sample_weight=None):
    """The number of samples; a clear error when x, y and sample_weight disagree.

    Without targets (``predict``), Keras 2.3 takes the number of samples from the first
    input and reads the same rows of the others; so does kcore when the others are at
    least that long.
    """
    xs = _lengths(x)
    ys = _lengths(y) if y is not None else set()
    if len(xs) > 1 and y is None and sample_weight is None:
        ordered = [len(a) if a.ndim else 1 for a in nest.flatten(x) if a is not None]
        if all(n >= ordered[0] for n in ordered):
            return ordered[0]
    if len(xs) > 1:
        raise ValueError('All input arrays (x) must have the same number of samples. Received lengths: %s. '
                         'Pass inputs with one row per sample.' % sorted(xs))
    if len(ys) > 1:
        raise ValueError('All target arrays (y) must have the same number of samples. Received lengths: %s.'
                         % sorted(ys))
    if ys and xs and ys != xs:
        raise ValueError('x and y must have the same number of samples. Expected len(y) == len(x). '
                         'Received: x with %d samples, y with %d samples. Check that inputs and targets '
                         'match one to one.' % (next(iter(xs)), next(iter(ys))))
    if sample_weight is not None:
        ws = _lengths(sample_weight)
        if ws and xs and ws != xs:
            raise ValueError('sample_weight must give one weight per sample. Expected %d weights. '
                             'Received: %d.' % (next(iter(xs)), next(iter(ws))))
    return next(iter(xs)) if xs else 0


class ArrayAdapter:
    """Batches of in-memory arrays (or lists/dicts of arrays), optionally shuffled per epoch.

    ``shuffle='batch'`` shuffles the order of whole batches (Keras 2, for HDF5
    data); ``steps`` beyond one pass wraps around to the start.  ``permutation(n)``
    draws the shuffled order (a distribution strategy makes it the same on every
    process); NumPy's global generator by default.
    """

    is_generator = False
    exhausted = False

    def __init__(self, x, y=None, sample_weight=None, batch_size=32, shuffle=False, steps=None,
                 permutation=None):
        self.permutation = permutation or _host_permutation
        self.x = to_arrays(x)
        self.y = to_arrays(y)
        self.sample_weight = to_arrays(sample_weight)
        self.n = check_lengths(self.x, self.y, self.sample_weight)
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
            raise ValueError('batch_size must be a positive integer. Received: batch_size=%r.' % (batch_size,))
        self.batch_size = int(batch_size)
        if shuffle not in (True, False, 'batch'):
            raise ValueError("shuffle must be True, False or 'batch'. Received: shuffle=%r." % (shuffle,))
        self.shuffle = shuffle
        self.steps = int(steps) if steps is not None else -(-self.n // self.batch_size)

    def first(self, count=1):
        """The inputs of the first ``count`` samples (building a model from real data)."""
        return _take(self.x, slice(0, count))

    def _order(self):
        n, bs = self.n, self.batch_size
        if self.shuffle is True:
            return np.asarray(self.permutation(n))
        if self.shuffle == 'batch' and n:
            starts = np.asarray(self.permutation(-(-n // bs)))
            return np.concatenate([np.arange(s * bs, min(n, (s + 1) * bs)) for s in starts])
        return None

    def batches(self):
        n, bs = self.n, self.batch_size
        if n == 0:
            return
        order = self._order()
        per_pass = -(-n // bs)
        for step in range(self.steps):
            start = (step % per_pass) * bs
            stop = min(start + bs, n)
            index = slice(start, stop) if order is None else order[start:stop]
            yield (_take(self.x, index), _take(self.y, index) if self.y is not None else None,
                   _take(self.sample_weight, index) if self.sample_weight is not None else None)

    def on_epoch_end(self):
        pass

    def close(self):
        pass


def put_unless_stopped(q, item, stop):
    """Put ``item`` into the bounded queue ``q`` unless the event ``stop`` is set first
    (checked every 50 ms, so a full queue never blocks a stop); False once stopped."""
    while not stop.is_set():
        try:
            q.put(item, timeout=0.05)
            return True
        except queue.Full:
            continue
    return False


class _IteratorReader:
    """One background thread moving items of an iterator into a bounded queue."""

    def __init__(self, iterator, max_queue_size):
        self.queue = queue.Queue(max_queue_size)
        self._stop = threading.Event()
        # the reader runs in the caller's context: its `kcore.device(...)` block holds there too
        self._thread = threading.Thread(target=contextvars.copy_context().run, args=(self._run, iterator),
                                        daemon=True)
        self._thread.start()

    def _put(self, item):
        return put_unless_stopped(self.queue, item, self._stop)

    def _run(self, iterator):
        try:
            for item in iterator:
                if not self._put(('ok', item)):
                    return
            self._put(('end', None))
        except BaseException as e:  # handed to the consumer, raised there
            self._put(('error', e))

    def get(self):
        kind, item = self.queue.get()
        if kind == 'error':
            raise item
        return kind == 'ok', item

    def close(self):
        """Stop reading.  A reader blocked inside the user's generator finishes on its own
        (it is a daemon thread and puts nothing more), so ``fit`` does not wait for it long."""
        self._stop.set()
        self._thread.join(timeout=1.0)


class GeneratorAdapter:
    """A Python generator/iterator, or a ``Sequence``, read ahead on background threads.

    ``steps`` batches make an epoch; without it, a Sequence gives ``len(seq)``
    batches and a generator runs until it is exhausted.  ``class_weight`` (if
    given) turns each batch's targets into sample weights.
    """

    is_generator = True

    def __init__(self, source, steps=None, max_queue_size=10, workers=1, shuffle=False, permutation=None):
        self.source = source
        self.permutation = permutation or _host_permutation
        # a Sequence that is also an iterator (Keras's image iterators) is read as a Sequence
        self.is_sequence = isinstance(source, Sequence) or not hasattr(source, '__next__')
        if steps is None and self.is_sequence:
            steps = len(source)
        self.steps = None if steps is None else int(steps)
        self.max_queue_size = max(1, int(max_queue_size))
        self.workers = max(1, int(workers))
        self.shuffle = bool(shuffle)
        self.exhausted = False
        self._reader = None
        self._pool = None

    def batches(self):
        raw = self._sequence_batches() if self.is_sequence else self._iterator_batches()
        for item in raw:
            x, y, sw = unpack(item)
            yield to_arrays(x), to_arrays(y), to_arrays(sw)

    def _sequence_batches(self):
        n = len(self.source)
        if n == 0:
            self.exhausted = True
            return
        order = list(range(n))
        if self.shuffle:
            order = [int(i) for i in self.permutation(n)]
        count = self.steps if self.steps is not None else n
        indices = iter([order[k % n] for k in range(count)])
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix='kcore-sequence')
        pending = collections.deque()
        try:
            for i in indices:
                pending.append(self._pool.submit(contextvars.copy_context().run, self.source.__getitem__, i))
                if len(pending) >= self.max_queue_size:
                    break
            while pending:
                item = pending.popleft().result()
                nxt = next(indices, None)
                if nxt is not None:
                    pending.append(self._pool.submit(contextvars.copy_context().run, self.source.__getitem__, nxt))
                yield item
        finally:
            for f in pending:
                f.cancel()

    def _iterator_batches(self):
        if self._reader is None:
            self._reader = _IteratorReader(self.source, self.max_queue_size)
        step = 0
        while self.steps is None or step < self.steps:
            if self.exhausted:
                break
            ok, item = self._reader.get()
            if not ok:
                self.exhausted = True
                break
            yield item
            step += 1
        if self.exhausted and (self.steps is not None or step == 0):
            warnings.warn('Your input ran out of data after %d step(s) of this epoch; training stops here. '
                          'Make the generator loop forever (while True: ... yield ...) and set steps_per_epoch, '
                          'or use a kcore.utils.Sequence.' % step, UserWarning, stacklevel=3)

    def on_epoch_end(self):
        if self.is_sequence and hasattr(self.source, 'on_epoch_end'):
            self.source.on_epoch_end()

    def close(self):
        """Stop the readers and wait for them."""
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _host_permutation(n):
    return _rng.host_generator().permutation(n)


def is_empty(x):
    """True for a batch of zero rows (a process's slice of a batch smaller than the
    number of processes)."""
    leaves = [a for a in nest.flatten(x) if a is not None]
    return bool(leaves) and getattr(leaves[0], 'ndim', 0) > 0 and leaves[0].shape[0] == 0


def is_generator_like(x):
    """Generators/iterators and Sequence-like objects (indexable by batch, with a length)."""
    return (hasattr(x, '__next__') or isinstance(x, Sequence) or
            (hasattr(x, '__getitem__') and hasattr(x, '__len__') and
             not isinstance(x, (list, tuple, dict, np.ndarray, str)) and not hasattr(x, 'shape')))


def make_adapter(x, y=None, sample_weight=None, batch_size=None, steps=None, shuffle=False,
                 max_queue_size=10, workers=1, permutation=None):
    """The adapter for ``x`` (arrays, a generator or a Sequence)."""
    if is_generator_like(x):
        if y is not None:
            raise ValueError('When x is a generator or Sequence, y must be None: the generator yields the '
                             'targets. Received: y of type %s. Yield (x, y) from the generator instead.'
                             % type(y).__name__)
        if sample_weight is not None:
            raise ValueError('When x is a generator or Sequence, sample_weight must be None. Yield '
                             '(x, y, sample_weight) from the generator instead.')
        return GeneratorAdapter(x, steps=steps, max_queue_size=max_queue_size, workers=workers,
                                shuffle=bool(shuffle), permutation=permutation)
    if x is None:
        raise ValueError('No data: pass x (and y) as arrays, lists or dicts of arrays, a generator or a '
                         'kcore.utils.Sequence. Received: x=None.')
    return ArrayAdapter(x, y, sample_weight, batch_size=32 if batch_size is None else batch_size,
                        shuffle=shuffle, steps=steps, permutation=permutation)


def train_validation_split(x, y, sample_weight, validation_split):
    """Keras's split: the *last* ``validation_split`` fraction, taken before shuffling."""
    if not 0 < validation_split < 1:
        raise ValueError('validation_split must be a fraction in (0, 1). Received: validation_split=%r.'
                         % (validation_split,))
    if is_generator_like(x):
        raise ValueError('validation_split is only supported for array inputs. Received a %s. Pass '
                         'validation_data=... for generators and Sequences.' % type(x).__name__)
    x = to_arrays(x)
    lengths = _lengths(x)
    n = next(iter(lengths)) if lengths else 0
    split = int(n * (1.0 - validation_split))
    if split == 0 or split == n:
        raise ValueError('validation_split=%r leaves an empty training or validation set with %d samples. '
                         'Use a fraction that keeps samples on both sides.' % (validation_split, n))

    def cut(s, part):
        return None if s is None else _take(to_arrays(s), part)
    first, last = slice(0, split), slice(split, n)
    return ((cut(x, first), cut(y, first), cut(sample_weight, first)),
            (cut(x, last), cut(y, last), cut(sample_weight, last)))
