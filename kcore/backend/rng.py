"""Random number generation: one global generator, reseeded by ``set_random_seed``.

The global generator is created on first use from NumPy's legacy global state,
so a script that calls ``np.random.seed(0)`` first (as tutorials do) also gets
reproducible weights; ``kcore.utils.set_random_seed(n)`` seeds everything.
"""
import numpy as np

from kcore.backend.device import ACTIVE

_state = {'rng': None, 'generation': None, 'host': None}


def global_generator():
    if _state['rng'] is None or _state['generation'] != ACTIVE._generation:
        seed = int(np.random.randint(0, 2 ** 31 - 1))
        _state['rng'] = ACTIVE.backend.random_generator(seed)
        _state['generation'] = ACTIVE._generation
    return _state['rng']


def host_generator():
    """A NumPy generator for host-side randomness (shuffling indices), seeded with the rest."""
    if _state['host'] is None:
        _state['host'] = np.random.default_rng(int(np.random.randint(0, 2 ** 31 - 1)))
    return _state['host']


def generator(seed=None):
    """The global generator, or a fresh one for an explicit ``seed``."""
    if seed is None:
        return global_generator()
    return ACTIVE.backend.random_generator(int(seed))


def set_seed(seed):
    import random
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed)
    _state['rng'] = ACTIVE.backend.random_generator(seed)
    _state['generation'] = ACTIVE._generation
    _state['host'] = np.random.default_rng(seed + 1)
