"""Random number generation: one global generator, reseeded by ``set_random_seed``.

The active backend supplies the global generator (``global_random_generator``).
On the NumPy backend it is NumPy's global state itself, so a script that calls
``np.random.seed(0)`` first (as tutorials do) gets repeatable weights, dropout
masks and shuffling; other backends seed theirs from it.
``kcore.utils.set_random_seed(n)`` seeds Python's, NumPy's and kcore's generators.
"""
import numpy as np

from kcore.runtime.device import ACTIVE, NUMPY_GLOBAL_RANDOM

_state = {'rng': None, 'generation': None}


def global_generator():
    """The backend's random generator that unseeded draws use (renewed when the backend changes)."""
    if _state['rng'] is None or _state['generation'] != ACTIVE._generation:
        _state['rng'] = ACTIVE.backend.global_random_generator()
        _state['generation'] = ACTIVE._generation
    return _state['rng']


def host_generator():
    """Host-side randomness (shuffling indices): NumPy's global state, as Keras 2's
    ``np.random.shuffle`` of the index array."""
    return NUMPY_GLOBAL_RANDOM


def generator(seed=None):
    """The global generator, or a fresh one for an explicit ``seed``."""
    if seed is None:
        return global_generator()
    return ACTIVE.backend.random_generator(int(seed))


def set_seed(seed):
    """Seed Python's and NumPy's global random state and renew the backend's generator, so a run repeats."""
    import random
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed)
    _state['rng'] = ACTIVE.backend.global_random_generator()
    _state['generation'] = ACTIVE._generation


def truncated_normal(gen, shape, mean, stddev, dtype):
    """Normal samples, those beyond two standard deviations redrawn until none is
    (only the rejected ones: redrawing the whole array would take ~log(size) rounds)."""
    xp = ACTIVE.xp
    out = gen.standard_normal(shape, dtype=np.float32)
    bad = xp.abs(out) > 2
    while bool(bad.any()):
        out[bad] = gen.standard_normal((int(bad.sum()),), dtype=np.float32)
        bad = xp.abs(out) > 2
    return (out * stddev + mean).astype(dtype, copy=False)
