"""Feeding data to fit/evaluate/predict: arrays, generators and Sequences.

Every source becomes a ``DataAdapter`` whose ``batches()`` yields
``(x, y, sample_weight)`` per step.  Generators and Sequences are read ahead
on a background thread (``max_queue_size`` batches, ``workers`` threads), so
preparing the next batch overlaps the current training step.
"""
import queue
import threading

import numpy as np

from kcore import config
from kcore.backend import rng as _rng
from kcore.utils import nest


class Sequence:
    """Base class for datasets indexed by batch: implement ``__getitem__(i)`` and
    ``__len__`` (the number of batches); ``on_epoch_end`` runs after each epoch."""

    def __getitem__(self, index):
        raise NotImplementedError

    def __len__(self):
        raise NotImplementedError

    def on_epoch_end(self):
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
        raise ValueError('A batch must be (x,), (x, y) or (x, y, sample_weight). Received a tuple of %d.'
                         % len(data))
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


def _length(structure):
    lengths = {len(a) for a in nest.flatten(structure) if a is not None}
    return lengths


def _take(structure, index):
    return nest.map_structure(lambda a: None if a is None else a[index], structure)


class ArrayAdapter:
    """Batches of in-memory arrays (or lists/dicts of arrays), optionally shuffled per epoch."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=32, shuffle=False, steps=None):
        self.x = nest.map_structure(_to_array, x)
        self.y = nest.map_structure(_to_array, y) if y is not None else None
        self.sample_weight = nest.map_structure(_to_array, sample_weight) if sample_weight is not None else None
        xs, ys = _length(self.x), _length(self.y) if self.y is not None else set()
        if len(xs) > 1:
            raise ValueError('All input arrays (x) should have the same number of samples. Received lengths: %s.'
                             % sorted(xs))
        if ys and xs and ys != xs:
            raise ValueError('Input arrays should have the same number of samples as target arrays. Found %d '
                             'input samples and %d target samples.' % (xs.pop(), ys.pop()))
        if self.sample_weight is not None:
            ws = _length(self.sample_weight)
            if ws and xs and ws != xs:
                raise ValueError('sample_weight has %d entries but x has %d samples; give one weight per sample.'
                                 % (ws.pop(), next(iter(xs))))
        self.n = xs.pop() if xs else 0
        self.batch_size = int(batch_size)
        if self.batch_size <= 0:
            raise ValueError('batch_size must be a positive integer. Received: %r.' % batch_size)
        self.shuffle = shuffle
        self.steps = steps if steps is not None else -(-self.n // self.batch_size)

    def batches(self):
        n, bs = self.n, self.batch_size
        order = None
        if self.shuffle and self.shuffle != 'batch':
            order = _rng.host_generator().permutation(n)
            order = np.asarray(order)
        elif self.shuffle == 'batch':
            starts = np.asarray(_rng.host_generator().permutation(-(-n // bs)))
            order = np.concatenate([np.arange(s * bs, min(n, (s + 1) * bs)) for s in starts]) if n else None
        step = 0
        while step < self.steps:
            start = (step * bs) % max(n, 1)
            if order is None:
                index = slice(start, min(start + bs, n))
            else:
                index = order[start:start + bs]
            yield (_take(self.x, index), _take(self.y, index) if self.y is not None else None,
                   _take(self.sample_weight, index) if self.sample_weight is not None else None)
            step += 1

    def on_epoch_end(self):
        pass

    def close(self):
        pass


class GeneratorAdapter:
    """A Python generator/iterator, or a ``Sequence``, read ahead on background threads.

    An iterator is read by producer threads that live as long as the adapter
    (one ``fit`` call): each epoch takes its ``steps`` batches from the same
    queue, so a generator is never advanced by two threads at once.  A
    ``Sequence`` is read by index, one pass per epoch.
    """

    def __init__(self, source, steps=None, max_queue_size=10, workers=1, shuffle=False):
        self.source = source
        self.is_sequence = not hasattr(source, '__next__')
        if steps is None and self.is_sequence:
            steps = len(source)
        self.steps = steps
        self.max_queue_size = max(1, int(max_queue_size))
        self.workers = max(1, int(workers))
        self.shuffle = shuffle
        self._queue = None
        self._stop = threading.Event()
        self._threads = []
        self._lock = threading.Lock()
        self._ended = 0

    # -- producers ---------------------------------------------------------------
    def _put(self, item):
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _read_iterator(self):
        try:
            while not self._stop.is_set():
                with self._lock:
                    item = next(self.source)
                if not self._put(('ok', item)):
                    return
        except StopIteration:
            self._put(('end', None))
        except BaseException as e:  # handed to the consumer, raised there
            self._put(('error', e))

    def _read_sequence(self, order):
        try:
            for i in order:
                if self._stop.is_set():
                    return
                if not self._put(('ok', self.source[i])):
                    return
            self._put(('end', None))
        except BaseException as e:
            self._put(('error', e))

    def _start(self, target, args=(), count=1):
        self._threads = [threading.Thread(target=target, args=args, daemon=True) for _ in range(count)]
        for t in self._threads:
            t.start()

    # -- consumer ----------------------------------------------------------------
    def batches(self):
        if self.is_sequence:
            self.close()
            self._stop.clear()
            self._queue = queue.Queue(self.max_queue_size)
            n = len(self.source)
            order = list(range(n))
            if self.shuffle:
                order = [int(i) for i in _rng.host_generator().permutation(n)]
            count = self.steps if self.steps is not None else n
            order = [order[k % n] for k in range(count)] if n else []
            self._ended = 0
            self._start(self._read_sequence, (order,))
        elif self._queue is None:
            self._queue = queue.Queue(self.max_queue_size)
            self._start(self._read_iterator, count=self.workers)
        step = 0
        while self.steps is None or step < self.steps:
            if self._ended >= len(self._threads):
                break
            kind, item = self._queue.get()
            if kind == 'error':
                self.close()
                raise item
            if kind == 'end':
                self._ended += 1
                continue
            yield unpack(item)
            step += 1
        if self.steps is not None and step < self.steps:
            import warnings
            warnings.warn('Your input ran out of data after %d of %d steps; make the generator loop forever '
                          '(while True) or lower steps_per_epoch.' % (step, self.steps), UserWarning)

    def on_epoch_end(self):
        if self.is_sequence and hasattr(self.source, 'on_epoch_end'):
            self.close()
            self.source.on_epoch_end()

    def close(self):
        """Stop the producers and wait for them."""
        self._stop.set()
        for t in self._threads:
            t.join()
        self._threads = []


def is_generator_like(x):
    """Generators/iterators and Sequence-like objects (indexable by batch, with a length)."""
    return (hasattr(x, '__next__') or isinstance(x, Sequence) or
            (hasattr(x, '__getitem__') and hasattr(x, '__len__') and
             not isinstance(x, (list, tuple, dict, np.ndarray)) and not hasattr(x, 'shape')))


def make_adapter(x, y=None, sample_weight=None, batch_size=None, steps=None, shuffle=False,
                 max_queue_size=10, workers=1):
    if is_generator_like(x):
        if y is not None:
            raise ValueError('When x is a generator or Sequence, y must be None (the generator yields the '
                             'targets). Received y of type %s.' % type(y).__name__)
        return GeneratorAdapter(x, steps=steps, max_queue_size=max_queue_size, workers=workers,
                                shuffle=bool(shuffle))
    if x is None:
        raise ValueError('No data: pass x (and y) as arrays, or a generator.')
    return ArrayAdapter(x, y, sample_weight, batch_size=batch_size or 32, shuffle=shuffle, steps=steps)


def train_validation_split(x, y, sample_weight, validation_split):
    """Keras's split: the *last* ``validation_split`` fraction, taken before shuffling."""
    if not 0 < validation_split < 1:
        raise ValueError('validation_split must be in (0, 1). Received: %r.' % validation_split)
    if is_generator_like(x):
        raise ValueError('validation_split is only supported for array inputs; pass validation_data for '
                         'generators and Sequences.')
    n = next(iter(_length(nest.map_structure(_to_array, x))))
    split = int(n * (1.0 - validation_split))
    if split == 0 or split == n:
        raise ValueError('validation_split=%r leaves an empty training or validation set with %d samples.'
                         % (validation_split, n))
    first = slice(0, split)
    last = slice(split, n)

    def cut(s, part):
        return None if s is None else nest.map_structure(lambda a: np.asarray(a)[part], s)
    return ((cut(x, first), cut(y, first), cut(sample_weight, first)),
            (cut(x, last), cut(y, last), cut(sample_weight, last)))


def class_weights_to_sample_weights(y, class_weight):
    """One weight per sample from ``class_weight`` ({class index: weight})."""
    y = np.asarray(y)
    if y.ndim >= 2 and y.shape[-1] > 1:
        classes = y.argmax(axis=-1)
    else:
        classes = np.round(y.reshape(y.shape[0], -1)[:, 0]).astype('int64')
    missing = set(np.unique(classes).tolist()) - set(int(k) for k in class_weight)
    if missing:
        raise ValueError('class_weight has no entry for class(es) %s found in y. Give a weight for every '
                         'class.' % sorted(missing))
    table = {int(k): float(v) for k, v in class_weight.items()}
    return np.asarray([table[int(c)] for c in classes.reshape(-1)], dtype=config.floatx()).reshape(classes.shape)
