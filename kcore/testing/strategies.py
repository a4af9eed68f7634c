"""Hypothesis strategies for layer, loss and op tests: shapes, arrays, inputs, arguments.

Arrays are drawn from a seed (NumPy's generator does the bulk work), so big
inputs stay cheap and shrinking still works on the seed; values are uniform in a
range rather than hypothesis's favourite edge cases (exact zeros sit on the kinks
of ReLU-like functions, where finite differences disagree with any gradient).

A property test of a layer over its argument space and its inputs::

    from hypothesis import given, strategies as st
    from kcore.testing import layer_test
    from kcore.testing import strategies as kst

    @given(kwargs=kst.arguments({'units': st.integers(1, 4), 'use_bias': st.booleans()}),
           x=kst.input_arrays((None, None, 3)))
    def test_my_layer(kwargs, x):
        out = layer_test(MyLayer, kwargs, input_data=x)
        assert out.shape == x.shape[:-1] + (kwargs['units'],)

and of a loss against a formula::

    @given(data=kst.loss_inputs({'shape': (4, 3)}))
    def test_my_loss(data):
        y_true, y_pred = data
        got = loss_test(my_loss, y_true=y_true, y_pred=y_pred)
        np.testing.assert_allclose(got, my_formula(y_true, y_pred), rtol=1e-5)

``layer_inputs(example)`` draws the data for a registered layer's ``example``
(the conformance test's source), ``loss_inputs(example)`` the targets and
predictions for a loss example (see ``kcore.testing.data`` for both formats).
"""
from hypothesis import strategies as st

from kcore.testing.data import example_data, loss_data, random_array, with_batch

SEEDS = st.integers(0, 2 ** 32 - 1)


def shapes(min_rank=1, max_rank=4, min_side=1, max_side=5):
    """Tuples of ints: array shapes."""
    return st.lists(st.integers(min_side, max_side), min_size=min_rank, max_size=max_rank).map(tuple)


def batch_sizes(min_size=1, max_size=4):
    """Batch sizes (small: every example runs whole models)."""
    return st.integers(min_size, max_size)


def arrays(shape, dtype='float32', low=-1.0, high=1.0):
    """Arrays of ``shape`` (a tuple or a strategy of tuples) drawn from random seeds."""
    shape_st = shape if isinstance(shape, st.SearchStrategy) else st.just(tuple(shape))
    return st.tuples(shape_st, SEEDS).map(lambda p: random_array(p[0], dtype, low, high, p[1]))


@st.composite
def input_arrays(draw, input_shape, dtype='float32', low=-1.0, high=1.0, max_side=4):
    """Arrays for a layer's ``input_shape`` (batch axis first): each ``None`` is drawn in ``[1, max_side]``.

    A list of shapes gives a list of arrays that share the drawn sizes axis by
    axis (the batch size, a common sequence length), for layers with several inputs.
    """
    several = isinstance(input_shape, list)
    shape_list = input_shape if several else [input_shape]
    rank = max(len(s) for s in shape_list)
    sizes = [draw(st.integers(1, max_side), label='axis %d' % i) for i in range(rank)]
    seed = draw(SEEDS)
    made = [random_array(tuple(sizes[i] if d is None else d for i, d in enumerate(s)), dtype, low, high, seed + k)
            for k, s in enumerate(shape_list)]
    return made if several else made[0]


def arguments(space):
    """Keyword-argument dicts from ``space``: ``{name: strategy or fixed value}``.

    ``arguments({'units': st.integers(1, 4), 'activation': 'tanh'})`` draws
    ``units`` and always passes ``activation='tanh'``.
    """
    return st.fixed_dictionaries({k: v if isinstance(v, st.SearchStrategy) else st.just(v)
                                  for k, v in space.items()})


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


@st.composite
def loss_inputs(draw, example=None, batch=None):
    """``(y_true, y_pred)`` for a loss example, with a drawn batch size and values."""
    batch = draw(batch_sizes()) if batch is None else batch
    return loss_data(example, batch, draw(SEEDS))


def finite_floats(low=-1.0, high=1.0):
    """Scalars for hyperparameters: finite floats in ``[low, high]``."""
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


__all__ = ['SEEDS', 'shapes', 'batch_sizes', 'arrays', 'input_arrays', 'arguments', 'layer_inputs', 'loss_inputs',
           'finite_floats', 'random_array', 'with_batch', 'example_data', 'loss_data']
