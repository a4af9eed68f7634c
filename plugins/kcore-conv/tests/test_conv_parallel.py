"""Chunks shared among threads (``kcore_conv.parallel``): same results, reproducible, BLAS take-over, fork."""
import warnings

import numpy as np
import pytest

from kcore.backend.device import ACTIVE
from kcore_conv import parallel, windows


def _conv_and_gradients(x, w, g):
    out, vjp = ACTIVE.kernels['conv2d'](x, w, None, strides=(1, 2), padding='same', activation='relu')
    return (out,) + vjp(g, (True, True))[:2]


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(windows, 'CHUNK_BYTES', 4096)  # many chunks, so every thread gets some


def test_thread_count_does_not_change_results_and_a_given_count_is_reproducible(monkeypatch, small_chunks):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 9, 8, 3)).astype(np.float32)
    w = rng.standard_normal((3, 3, 3, 5)).astype(np.float32)
    g = rng.standard_normal((6, 9, 4, 5)).astype(np.float32)
    runs = {}
    for threads in ('1', '3', '3'):
        monkeypatch.setenv('KCORE_NUM_THREADS', threads)
        runs.setdefault(threads, []).append(_conv_and_gradients(x, w, g))
    one, three = runs['1'][0], runs['3'][0]
    np.testing.assert_array_equal(one[0], three[0])  # forward: disjoint blocks, same arithmetic
    np.testing.assert_array_equal(one[1], three[1])  # input gradient: per-sample scatters
    np.testing.assert_allclose(one[2], three[2], rtol=1e-5)  # weight gradient: summed in another grouping
    for a, b in zip(runs['3'][0], runs['3'][1]):
        np.testing.assert_array_equal(a, b)


def test_a_threaded_call_takes_blas_over_until_released(monkeypatch, small_chunks):
    controller = parallel._blas_controller()
    if not controller:
        pytest.skip('threadpoolctl is not installed: kernels run in the calling thread')
    parallel.release_blas()
    before = [i['num_threads'] for i in controller.info() if i['user_api'] == 'blas']
    monkeypatch.setenv('KCORE_NUM_THREADS', '2')
    seen = []
    try:
        parallel.fold(range(4), lambda task, acc: seen.append(task), (np.zeros(1),))
        assert sorted(seen) == [0, 1, 2, 3]
        assert [i['num_threads'] for i in controller.info() if i['user_api'] == 'blas'] == [1] * len(before)
        monkeypatch.delenv('KCORE_NUM_THREADS')
        assert parallel.thread_count() == min(before)  # the count from before the take-over
    finally:
        parallel.release_blas()
    assert [i['num_threads'] for i in controller.info() if i['user_api'] == 'blas'] == before


def test_a_fold_inside_a_fold_runs_inline(monkeypatch):
    monkeypatch.setenv('KCORE_NUM_THREADS', '2')

    def outer(task, acc):
        inner = parallel.fold(range(3), lambda t, a: (a or 0) + t, (np.zeros(1),))
        return (acc or 0) + sum(r for r in inner if r)
    assert sum(parallel.fold(range(4), outer, (np.zeros(1),))) == 4 * 3


def test_errors_in_a_worker_reach_the_caller(monkeypatch):
    monkeypatch.setenv('KCORE_NUM_THREADS', '2')

    def work(task, acc):
        if task == 3:
            raise ValueError('chunk 3 failed')
    with pytest.raises(ValueError, match='chunk 3 failed'):
        parallel.fold(range(4), work, (np.zeros(1),))


def test_a_forked_child_gets_worker_threads_of_its_own(monkeypatch):
    import multiprocessing
    monkeypatch.setenv('KCORE_NUM_THREADS', '2')
    parallel.fold(range(4), lambda t, a: None, (np.zeros(1),))  # the parent's pool exists
    context = multiprocessing.get_context('fork')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)  # Python 3.12+: fork() of a threaded process
        with context.Pool(1) as pool:
            assert pool.apply_async(_fold_sum).get(timeout=60) == 6


def _fold_sum():
    return sum(r for r in parallel.fold(range(4), lambda t, a: (a or 0) + t, (np.zeros(1),)) if r)
