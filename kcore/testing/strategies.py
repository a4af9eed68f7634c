"""Hypothesis strategies for layer and op tests: shapes, arrays, layer inputs.

Arrays are drawn from a seed (NumPy's generator does the bulk work), so big
inputs stay cheap and shrinking still works on the seed; values are uniform in a
range rather than hypothesis's favourite edge cases (exact zeros sit on the kinks
of ReLU-like functions, where finite differences disagree with any gradient).

    from hypothesis import given
    from kcore.testing import strategies as kst

    @given(x=kst.arrays(kst.shapes(min_rank=2, max_rank=3)))
    def test_my_op(x): ...

    @given(case=kst.layer_inputs({'kwargs': {'units': 3}, 'input_shape': (2, 4)}))
    def test_my_layer(case):
        layer_test(MyLayer, case['kwargs'], input_data=case['input_data'])
"""
import numpy as np
from hypothesis import strategies as st

SEEDS = st.integers(0, 2 ** 32 - 1)


def shapes(min_rank=1, max_rank=4, min_side=1, max_side=5):
    """Tuples of ints: array shapes."""
    return st.lists(st.integers(min_side, max_side), min_size=min_rank, max_size=max_rank).map(tuple)


def batch_sizes(min_size=1, max_size=4):
    return st.integers(min_size, max_size)


def random_array(shape, dtype='float32', low=-1.0, high=1.0, seed=0):
    """One array: uniform floats in ``[low, high)``, or integers in ``[low, high)`` for int dtypes."""
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    if dtype.kind in 'iu':
        return rng.integers(int(low), int(high), size=shape).astype(dtype)
    if dtype.kind == 'b':
        return rng.random(shape) < 0.5
    return rng.uniform(low, high, size=shape).astype(dtype)


def arrays(shape, dtype='float32', low=-1.0, high=1.0):
    """Arrays of ``shape`` (a tuple or a strategy of tuples) drawn from random seeds."""
    shape_st = shape if isinstance(shape, st.SearchStrategy) else st.just(tuple(shape))
    return st.tuples(shape_st, SEEDS).map(lambda p: random_array(p[0], dtype, low, high, p[1]))


def with_batch(input_shape, batch):
    """``input_shape`` (one shape, or a list of shapes) with its batch axis set to ``batch``."""
    if isinstance(input_shape, list):
        return [with_batch(s, batch) for s in input_shape]
    return (batch,) + tuple(input_shape[1:])


def example_data(example, batch=None, seed=0):
    """Input data for a registered layer ``example`` (see ``kcore._builtins.layers``)."""
    shape = example['input_shape']
    if batch is not None:
        shape = with_batch(shape, batch)
    dtype = example.get('input_dtype', 'float32')
    low, high = example.get('input_range', (-1.0, 1.0))
    if isinstance(shape, list):
        return [random_array(s, dtype, low, high, seed + i) for i, s in enumerate(shape)]
    return random_array(shape, dtype, low, high, seed)


@st.composite
def layer_inputs(draw, example, batch=None):
    """An example with a drawn batch size and data: a dict with ``kwargs``, ``factory``,
    ``call_kwargs``, ``batch_size`` and ``input_data``."""
    batch = draw(batch_sizes()) if batch is None else batch
    seed = draw(SEEDS)
    case = dict(example)
    case['batch_size'] = batch
    case['input_data'] = example_data(example, batch, seed)
    return case


__all__ = ['shapes', 'batch_sizes', 'arrays', 'random_array', 'with_batch', 'example_data', 'layer_inputs']
