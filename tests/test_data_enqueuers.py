"""Keras 2's enqueuers (``kcore.utils.data_utils``, re-exported by ``kcore.utils`` and
``kcore.engine.training_generator``): order, epochs, shuffling, errors, start/stop."""
import threading
import time

import numpy as np
import pytest

import kcore
from kcore.engine import training_generator
from kcore.utils import data_utils


class Batches(kcore.utils.Sequence):
    def __init__(self, n, delay=0.0):
        self.n, self.delay, self.epochs_ended = n, delay, 0
        self.threads = set()

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        self.threads.add(threading.get_ident())
        time.sleep(self.delay * ((self.n - i) % 3))  # later indices finish first: order must be restored
        return np.full((2,), i + 100 * self.epochs_ended)

    def on_epoch_end(self):
        self.epochs_ended += 1


def _take(gen, k):
    return [next(gen) for _ in range(k)]


def test_names_resolve_on_every_keras_path():
    for name in ('GeneratorEnqueuer', 'OrderedEnqueuer'):
        assert getattr(kcore.utils, name) is getattr(data_utils, name) is getattr(training_generator, name)
    assert issubclass(data_utils.OrderedEnqueuer, data_utils.SequenceEnqueuer)
    assert issubclass(data_utils.GeneratorEnqueuer, data_utils.SequenceEnqueuer)


def test_ordered_enqueuer_keeps_order_across_epochs():
    seq = Batches(5, delay=0.005)
    enq = data_utils.OrderedEnqueuer(seq, use_multiprocessing=True)
    assert not enq.is_running()
    enq.start(workers=3, max_queue_size=4)
    assert enq.is_running()
    got = [int(b[0]) for b in _take(enq.get(), 12)]
    enq.stop()
    assert not enq.is_running()
    assert got == [0, 1, 2, 3, 4, 100, 101, 102, 103, 104, 200, 201]
    assert len(seq.threads) > 1


def test_ordered_enqueuer_shuffles_each_epoch():
    kcore.utils.set_random_seed(3)
    enq = data_utils.OrderedEnqueuer(Batches(20), shuffle=True)
    enq.start(workers=2, max_queue_size=3)
    got = [int(b[0]) for b in _take(enq.get(), 20)]
    enq.stop()
    assert sorted(got) == list(range(20)) and got != list(range(20))


def test_ordered_enqueuer_raises_the_sequence_error_and_stops():
    class Broken(Batches):
        def __getitem__(self, i):
            if i == 2:
                raise KeyError('batch 2 is broken')
            return i
    enq = data_utils.OrderedEnqueuer(Broken(4))
    enq.start()
    gen = enq.get()
    assert _take(gen, 2) == [0, 1]
    with pytest.raises(KeyError, match='batch 2 is broken'):
        next(gen)
    assert not enq.is_running()
    with pytest.raises(ValueError, match='workers must be at least 1'):
        enq.start(workers=0)


def test_generator_enqueuer_reads_ahead_ends_and_reraises():
    enq = data_utils.GeneratorEnqueuer((i * i for i in range(6)), use_multiprocessing=False)
    enq.start(workers=1, max_queue_size=2)
    assert enq.is_running()
    assert list(enq.get()) == [0, 1, 4, 9, 16, 25]
    enq.stop()
    assert not enq.is_running()

    def failing():
        yield 1
        raise RuntimeError('generator failed')
    enq = data_utils.GeneratorEnqueuer(failing())
    enq.start()
    gen = enq.get()
    assert next(gen) == 1
    with pytest.raises(RuntimeError, match='generator failed'):
        next(gen)
    assert not enq.is_running()


def test_stop_returns_with_an_infinite_generator_and_a_full_queue():
    def forever():
        while True:
            yield np.zeros(3)
    for enq in (data_utils.GeneratorEnqueuer(forever()), data_utils.OrderedEnqueuer(Batches(3))):
        enq.start(workers=2, max_queue_size=2)
        _take(enq.get(), 5)
        time.sleep(0.05)  # the reader fills the queue and blocks
        started = time.monotonic()
        enq.stop(timeout=2)
        assert time.monotonic() - started < 2
        assert not enq.is_running()
