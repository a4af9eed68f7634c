"""Random test data from an ``example`` description, without hypothesis.

The kit's checks and the conformance tests make their inputs here, so that
``import kcore.testing`` needs only NumPy; ``kcore.testing.strategies`` builds
its hypothesis strategies on the same functions.

Layer examples (the ``example=`` a layer is registered with) use the keys
``input_shape`` (batch axis first; a list of shapes for several inputs),
``input_dtype`` and ``input_range``.  Loss examples use ``shape`` (of
``y_pred``), ``y_true_shape``, ``y_true_dtype``, ``y_true_range`` and
``y_pred_range``; the defaults, ``(0.05, 0.95)`` for both, suit
probabilities, positive values and real-valued targets alike.
"""
import contextlib
import random

import numpy as np

#: what a loss example leaves out (see the module docstring)
LOSS_DEFAULTS = {'shape': (2, 3), 'y_true_dtype': 'float32', 'y_true_range': (0.05, 0.95),
                 'y_pred_range': (0.05, 0.95)}


def random_array(shape, dtype='float32', low=-1.0, high=1.0, seed=0):
    """One array: uniform floats in ``[low, high)``, or integers in ``[low, high)`` for int dtypes."""
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    if dtype.kind in 'iu':
        return rng.integers(int(low), int(high), size=shape).astype(dtype)
    if dtype.kind == 'b':
        return rng.random(shape) < 0.5
    return rng.uniform(low, high, size=shape).astype(dtype)


def with_batch(input_shape, batch):
    """``input_shape`` (one shape, or a list of shapes) with its batch axis set to ``batch``."""
    if isinstance(input_shape, list):
        return [with_batch(s, batch) for s in input_shape]
    return (batch,) + tuple(input_shape[1:])


def example_data(example, batch=None, seed=0):
    """Input data for a layer ``example``: one array, or a list for several inputs."""
    shape = example['input_shape']
    if batch is not None:
        shape = with_batch(shape, batch)
    dtype = example.get('input_dtype', 'float32')
    low, high = example.get('input_range', (-1.0, 1.0))
    if isinstance(shape, list):
        return [random_array(s, dtype, low, high, seed + i) for i, s in enumerate(shape)]
    return random_array(shape, dtype, low, high, seed)


def loss_example(example=None):
    """A loss example with every key filled in (``LOSS_DEFAULTS`` for what it leaves out)."""
    full = dict(LOSS_DEFAULTS)
    full.update(example or {})
    full.setdefault('y_true_shape', full['shape'])
    full.setdefault('kwargs', {})
    return full


def loss_data(example=None, batch=None, seed=0):
    """``(y_true, y_pred)`` for a loss example (float32 predictions)."""
    ex = loss_example(example)
    pred_shape, true_shape = ex['shape'], ex['y_true_shape']
    if batch is not None:
        pred_shape, true_shape = with_batch(pred_shape, batch), with_batch(true_shape, batch)
    y_true = random_array(true_shape, ex['y_true_dtype'], *ex['y_true_range'], seed=seed)
    y_pred = random_array(pred_shape, 'float32', *ex['y_pred_range'], seed=seed + 1)
    return y_true, y_pred


@contextlib.contextmanager
def preserved_random_state():
    """Give the caller back Python's and NumPy's random state after the block.

    Checks that seed kcore's generators (``kcore.utils.set_random_seed``) for
    repeatable weights and dropout masks run inside it, so a test that seeded
    NumPy itself keeps its own sequence.
    """
    saved = random.getstate(), np.random.get_state()
    try:
        yield
    finally:
        random.setstate(saved[0])
        np.random.set_state(saved[1])


__all__ = ['LOSS_DEFAULTS', 'random_array', 'with_batch', 'example_data', 'loss_example', 'loss_data',
           'preserved_random_state']
