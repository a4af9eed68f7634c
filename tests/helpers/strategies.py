"""Hypothesis strategies shared by kcore's op and kernel tests."""
import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np

MAX_SIDE = 4


def shapes(min_dims=0, max_dims=3, min_side=1, max_side=MAX_SIDE):
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def floats(lo=-3.0, hi=3.0, gap=0.0):
    """Floats in [lo, hi], at least ``gap`` away from 0 (kinks of abs, relu, ...)."""
    if gap:
        return st.one_of(st.floats(lo, -gap), st.floats(gap, hi))
    return st.floats(lo, hi, allow_subnormal=False)


def grid(offset=0.013):
    """Values 0.1 apart: no ties within finite-difference reach (max, min, maximum, clip)."""
    return st.integers(-30, 30).map(lambda i: i / 10 + offset)


def arrays(shape, elements=None, unique=False):
    """float64 arrays of ``shape`` (gradient checks run in float64)."""
    return hnp.arrays(np.float64, shape, elements=elements if elements is not None else floats(), unique=unique)


@st.composite
def axes_of(draw, ndim, allow_none=True, allow_tuple=True):
    """An ``axis`` argument for an array of rank ``ndim``: None, an int (maybe negative) or a tuple."""
    options = []
    if allow_none:
        options.append(st.none())
    if ndim:
        options.append(st.integers(-ndim, ndim - 1))
        if allow_tuple:
            options.append(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).map(
                lambda axes: tuple(a - ndim if i % 2 else a for i, a in enumerate(axes))))
    return draw(st.one_of(options)) if options else None


def case(inputs, **params):
    """One drawn example: the array inputs and the keyword parameters."""
    return list(inputs), params


@st.composite
def unary(draw, lo=-3.0, hi=3.0, gap=0.0, params=st.just({})):
    shape = draw(shapes())
    return case([draw(arrays(shape, floats(lo, hi, gap)))], **draw(params))


@st.composite
def binary(draw, x=None, y=None, min_dims=0):
    sx, sy = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=min_dims, max_dims=3,
                                                     max_side=3)).input_shapes
    return case([draw(arrays(sx, x)), draw(arrays(sy, y))])
