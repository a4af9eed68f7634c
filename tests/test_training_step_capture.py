"""compile(jit_compile=True): a backend that can record the train step gets it recorded once
per batch signature and replayed; everything else runs eagerly with the same results.

``ReplayingBackend`` is NumPy with a ``capture_step`` that keeps the contract of a CUDA
graph: the step runs once eagerly, and each replay repeats the same work on the same
buffers (here by running the step again and writing its results into the first run's
arrays).  Training through it must equal eager training batch for batch: that holds only
if the trainer copies each new batch into the captured buffers, reads the replayed
results, and keeps the optimizer's step count.
"""
import types
import warnings

import numpy as np
import pytest

import kcore
from kcore import layers, plugins
from kcore.autodiff.tensor import Tensor
from kcore.backend.device import ACTIVE, Backend, set_backend
from kcore.plugins import hookimpl
from kcore.utils import nest


def _leaves(structure):
    return [leaf for leaf in nest.flatten(structure) if leaf is not None]


def _write(dst, src):
    """Write a replay's result into the first run's: in place for arrays; a NumPy scalar
    (a 0-d reduction on the CPU; a 0-d array on a GPU) by its tensor."""
    d, s = (dst.data, src.data) if isinstance(dst, Tensor) else (dst, src)
    if isinstance(d, np.ndarray):
        d[...] = s
    else:
        dst.data = s


class ReplayingBackend(Backend):
    name = 'replaying'
    can_capture = True
    captures = 0

    def capture_step(self, fn):
        first = fn()
        ReplayingBackend.captures += 1

        def replay():
            for dst, src in zip(_leaves(first), _leaves(fn())):
                _write(dst, src)
        return replay


@pytest.fixture
def replaying():
    module = types.ModuleType('replaying_backend_plugin')
    module.register_backends = hookimpl(lambda register: register(ReplayingBackend()))
    ReplayingBackend.captures = 0
    with plugins.registered(module):
        yield
    set_backend('numpy')


def _history(backend, optimizer, jit):
    set_backend(backend)
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((40, 5)), np.eye(3)[rng.integers(0, 3, 40)]
    model = kcore.Sequential([layers.Dense(8, activation='relu', input_shape=(5,)),
                              layers.Dense(3, activation='softmax')])
    model.set_weights([np.full(w.shape, 0.1) + 0.01 * np.arange(w.size).reshape(w.shape)
                       for w in model.get_weights()])
    model.compile(optimizer(), 'categorical_crossentropy', metrics=['accuracy'], jit_compile=jit)
    hist = model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0).history
    return hist, model.optimizer.iterations, model.get_weights()


def _sgd():
    return kcore.optimizers.SGD(0.1, momentum=0.9)


def test_numpy_backend_never_captures_and_trains_the_same():
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        jit = _history('numpy', _sgd, True)
    eager = _history('numpy', _sgd, False)
    assert jit[0] == eager[0] and jit[1] == eager[1] == 6


def test_a_capturing_backend_replays_and_matches_eager_training(replaying):
    eager = _history('numpy', _sgd, False)
    hist, iterations, weights = _history('replaying', _sgd, True)
    # batches of 16, 16, 8 per epoch: one capture per batch shape, replays for the rest
    assert ReplayingBackend.captures == 2
    assert iterations == eager[1] == 6
    for key in eager[0]:
        np.testing.assert_allclose(hist[key], eager[0][key], rtol=1e-12)
    for a, b in zip(weights, eager[2]):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_an_optimizer_with_per_step_host_values_runs_eagerly_after_one_warning(replaying):
    eager = _history('numpy', kcore.optimizers.Adam, False)
    with pytest.warns(RuntimeWarning, match="not captured .*Adam's update reads the step count") as record:
        hist = _history('replaying', kcore.optimizers.Adam, True)
    assert len(record) == 1 and ReplayingBackend.captures == 0
    assert hist[0] == eager[0]


def test_a_backend_that_fails_to_capture_falls_back_to_eager(replaying, monkeypatch):
    monkeypatch.setattr(ReplayingBackend, 'capture_step', lambda self, fn: (fn(), None)[1])
    eager = _history('numpy', _sgd, False)
    hist = _history('replaying', _sgd, True)
    assert hist[0] == eager[0] and hist[1] == 6
    assert ACTIVE.backend.name == 'replaying'
