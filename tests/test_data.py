"""Data adapters: arrays, generators and Sequences, read ahead on background threads."""
import threading
import time

import numpy as np
import pytest

from kcore.training import data as D
from kcore.utils import Sequence, set_random_seed


def _collect(adapter):
    return list(adapter.batches())


# -- arrays ------------------------------------------------------------------------------------------------
def test_array_batches_cover_the_data_once_per_epoch():
    x = np.arange(10, dtype='float64')[:, None]
    a = D.ArrayAdapter(x, x * 2, batch_size=4)
    batches = _collect(a)
    assert a.steps == 3 and [len(b[0]) for b in batches] == [4, 4, 2]
    assert batches[0][0].dtype == np.float32  # float64 input becomes floatx once, up front
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), x * 2)


def test_array_shuffle_is_a_permutation_and_batch_shuffle_keeps_blocks():
    set_random_seed(0)
    x = np.arange(12, dtype='float32')
    rows = np.concatenate([b[0] for b in _collect(D.ArrayAdapter(x, batch_size=4, shuffle=True))])
    assert sorted(rows.tolist()) == x.tolist() and rows.tolist() != x.tolist()
    blocks = [b[0].tolist() for b in _collect(D.ArrayAdapter(x, batch_size=4, shuffle='batch'))]
    assert sorted(blocks) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]
    with pytest.raises(ValueError, match='shuffle'):
        D.ArrayAdapter(x, shuffle='yes')


def test_structures_of_arrays_are_batched_alike():
    x = {'a': np.arange(6), 'b': np.arange(6) * 10}
    y = [np.arange(6), np.ones((6, 2))]
    bx, by, bw = _collect(D.ArrayAdapter(x, y, batch_size=4))[1]
    assert bx['a'].tolist() == [4, 5] and bx['b'].tolist() == [40, 50]
    assert by[1].shape == (2, 2) and bw is None


def test_length_checks_name_what_disagrees():
    with pytest.raises(ValueError, match='Received lengths: \\[3, 4\\]'):
        D.check_lengths([np.zeros(3), np.zeros(4)], np.zeros(3))
    with pytest.raises(ValueError, match='Received lengths: \\[3, 4\\]'):
        D.check_lengths([np.zeros(4), np.zeros(3)])  # without y, inputs shorter than the first
    assert D.check_lengths([np.zeros(3), np.zeros(4)]) == 3  # Keras 2.3's predict: the first input's rows
    with pytest.raises(ValueError, match='x with 3 samples, y with 2'):
        D.check_lengths(np.zeros(3), np.zeros(2))
    with pytest.raises(ValueError, match='Expected 3 weights. Received: 5'):
        D.check_lengths(np.zeros(3), np.zeros(3), np.zeros(5))


def test_train_validation_split_and_class_weights():
    x, y = np.arange(10), np.arange(10) % 2
    (tx, ty, tw), (vx, vy, vw) = D.train_validation_split(x, y, None, 0.3)
    assert tx.tolist() == list(range(7)) and vx.tolist() == [7, 8, 9] and tw is None
    np.testing.assert_array_equal(D.class_weights_to_sample_weights(np.eye(3)[[2, 0]], {0: 1, 1: 2, 2: 5}), [5, 1])
    np.testing.assert_array_equal(D.class_weights_to_sample_weights(np.array([[1.], [0.]]), {0: .5, 1: 2}), [2, .5])
    with pytest.raises(ValueError, match='dict'):
        D.class_weights_to_sample_weights(y, [1, 2])


def test_unpack():
    assert D.unpack((1,)) == (1, None, None)
    assert D.unpack((1, 2)) == (1, 2, None)
    assert D.unpack(5) == (5, None, None)
    with pytest.raises(ValueError, match='tuple of 4'):
        D.unpack((1, 2, 3, 4))


# -- generators and Sequences ------------------------------------------------------------------------------
def test_generator_is_read_on_a_background_thread_at_most_a_queue_ahead():
    produced, threads = [], set()

    def gen():
        for i in range(100):
            threads.add(threading.current_thread().name)
            produced.append(i)
            yield np.full((2, 1), i), np.zeros((2, 1))
    a = D.make_adapter(gen(), steps=3, max_queue_size=2)
    it = a.batches()
    first = next(it)
    deadline = time.monotonic() + 10
    while len(produced) < 3 and time.monotonic() < deadline:  # the reader fills the queue meanwhile
        time.sleep(0.01)
    time.sleep(0.05)
    ahead = len(produced)
    rest = list(it)
    a.close()
    assert threading.main_thread().name not in threads
    assert first[0][0, 0] == 0 and [int(b[0][0, 0]) for b in rest] == [1, 2]
    assert 3 <= ahead <= 1 + 2 + 1  # consumed + a full queue + one in the reader's hand, no more


def test_generator_triples_and_epochs_continue_the_stream():
    def gen():
        i = 0
        while True:
            yield np.full((1, 1), i), np.zeros((1, 1)), np.ones(1)
            i += 1
    a = D.make_adapter(gen(), steps=2)
    e1, e2 = _collect(a), _collect(a)
    a.close()
    assert [int(b[0][0, 0]) for b in e1 + e2] == [0, 1, 2, 3]
    assert e1[0][2].tolist() == [1.0]


def test_finite_generator_without_steps_runs_to_its_end_then_warns():
    a = D.make_adapter((np.zeros((1, 1)), np.zeros((1, 1))) for _ in range(3))
    assert len(_collect(a)) == 3 and a.exhausted
    with pytest.warns(UserWarning, match='ran out of data'):
        assert _collect(a) == []
    a.close()


def test_generator_shorter_than_steps_warns():
    a = D.make_adapter(((np.zeros((1, 1)), np.zeros((1, 1))) for _ in range(2)), steps=5)
    with pytest.warns(UserWarning, match='after 2 step'):
        assert len(_collect(a)) == 2
    a.close()


def test_generator_errors_reach_the_consumer():
    def gen():
        yield np.zeros((1, 1)), np.zeros((1, 1))
        raise RuntimeError('broken reader')
    a = D.make_adapter(gen(), steps=3)
    with pytest.raises(RuntimeError, match='broken reader'):
        _collect(a)
    a.close()


class Squares(Sequence):
    def __init__(self, n=5, delay=0.0):
        self.n, self.delay = n, delay
        self.epochs_ended = 0
        self.threads = set()

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        self.threads.add(threading.current_thread().name)
        if self.delay:
            time.sleep(self.delay * (self.n - i))  # later batches finish first
        return np.full((1, 1), i * i), np.zeros((1, 1))

    def on_epoch_end(self):
        self.epochs_ended += 1


def test_sequence_with_workers_keeps_order_and_calls_on_epoch_end():
    seq = Squares(5, delay=0.005)
    a = D.make_adapter(seq, workers=3, max_queue_size=4)
    assert a.steps == 5
    values = [int(b[0][0, 0]) for b in _collect(a)]
    a.on_epoch_end()
    a.close()
    assert values == [0, 1, 4, 9, 16]
    assert seq.epochs_ended == 1 and len(seq.threads) > 1


def test_sequence_shuffle_and_steps():
    set_random_seed(1)
    seq = Squares(6)
    a = D.make_adapter(seq, shuffle=True)
    values = [int(b[0][0, 0]) for b in _collect(a)]
    a.close()
    assert sorted(values) == [0, 1, 4, 9, 16, 25] and values != [0, 1, 4, 9, 16, 25]
    a = D.make_adapter(Squares(3), steps=5)
    assert [int(b[0][0, 0]) for b in _collect(a)] == [0, 1, 4, 0, 1]
    a.close()


def test_generator_inputs_refuse_y_and_sample_weight():
    with pytest.raises(ValueError, match='y must be None'):
        D.make_adapter(Squares(), y=np.zeros(3))
    with pytest.raises(ValueError, match='sample_weight must be None'):
        D.make_adapter(Squares(), sample_weight=np.zeros(3))
    with pytest.raises(ValueError, match='x=None'):
        D.make_adapter(None)


def test_base_sequence_names_what_to_implement():
    with pytest.raises(NotImplementedError, match='__len__'):
        len(Sequence())
