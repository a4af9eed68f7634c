"""Every function of ``kcore.backend.ops`` (``K``): forward against a NumPy rendering of
Keras 2's definition, and, for differentiable ones, the gradient against finite
differences (float64, hypothesis over shapes, values and layouts).

``DIFFERENTIABLE``, ``NOT_DIFFERENTIABLE`` and ``UTILITIES`` together must name every
public function of ``ops.py``: a new ``K`` function fails ``test_every_op_is_covered``
until it is classified and checked here.
"""
import math

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import assume, given

from kcore.autodiff import Tensor, gradients
from kcore.backend import ops as K
from kcore.testing import check_gradients

from helpers.strategies import arrays, axes_of, binary, case, floats, grid, shapes, unary


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _erf(x):
    return np.vectorize(math.erf, otypes=[float])(x)


# -- strategies for the ops with arguments --------------------------------------------------------------
@st.composite
def reduction(draw, elements=None, unique=False, min_side=1, min_dims=0):
    shape = draw(shapes(min_side=min_side, min_dims=min_dims))
    return case([draw(arrays(shape, elements, unique=unique))], axis=draw(axes_of(len(shape))),
                keepdims=draw(st.booleans()))


@st.composite
def dot_inputs(draw):
    """Keras 2's ``K.dot``: x's last axis with y's second-to-last (its only one when 1-D)."""
    k = draw(st.integers(1, 3))
    x_shape = draw(st.sampled_from([(k,), (2, k), (2, 3, k)]))
    y_shape = draw(st.sampled_from([(k,), (k, 2), (3, k, 2), (2, 1, k, 3)]))
    return case([draw(arrays(x_shape)), draw(arrays(y_shape))])


@st.composite
def matmul_inputs(draw):
    n, k, m, b = (draw(st.integers(1, 3)) for _ in range(4))
    shapes_ = draw(st.sampled_from([((n, k), (k, m)), ((b, n, k), (b, k, m)), ((k,), (k, m)), ((b, n, k), (k, m)),
                                    ((n, k), (k,))]))
    return case([draw(arrays(s)) for s in shapes_])


@st.composite
def expand_dims_inputs(draw):
    shape = draw(shapes())
    return case([draw(arrays(shape))], axis=draw(st.integers(-len(shape) - 1, len(shape))))


def _dot(x, y):
    return np.tensordot(x, y, axes=([-1], [0 if y.ndim == 1 else y.ndim - 2]))


@st.composite
def batch_dot_inputs(draw):
    b = draw(st.integers(1, 3))
    pattern = draw(st.sampled_from(['2-2', '3-3', '3-2', '2-3', '4-3', 'axes int', 'axes pair', 'axes negative']))
    n = draw(st.integers(1, 3))
    if pattern == '2-2':
        return case([draw(arrays((b, n))), draw(arrays((b, n)))], axes=draw(st.sampled_from([None, 1, (1, 1)])))
    if pattern == '3-3':
        return case([draw(arrays((b, 2, n))), draw(arrays((b, n, 3)))], axes=None)
    if pattern == '3-2':
        return case([draw(arrays((b, 2, n))), draw(arrays((b, n)))], axes=None)
    if pattern == '2-3':
        return case([draw(arrays((b, n))), draw(arrays((b, n, 3)))], axes=None)
    if pattern == '4-3':
        return case([draw(arrays((b, 2, 2, n))), draw(arrays((b, n, 2)))], axes=None)
    if pattern == 'axes int':
        return case([draw(arrays((b, n, 2))), draw(arrays((b, n, 3)))], axes=1)
    if pattern == 'axes pair':  # Keras's documented example, scaled down
        return case([draw(arrays((b, n, 1))), draw(arrays((b, 3, n)))], axes=(1, 2))
    return case([draw(arrays((b, 2, n))), draw(arrays((b, 3, n)))], axes=(-1, -1))


def _batch_dot(x, y, axes=None):
    if isinstance(axes, int):
        axes = (axes, axes)
    if axes is None:
        axes = (x.ndim - 1, y.ndim - 1 if y.ndim == 2 else y.ndim - 2)
    ax, ay = axes[0] % x.ndim, axes[1] % y.ndim
    out = np.stack([np.tensordot(x[i], y[i], axes=([ax - 1], [ay - 1])) for i in range(x.shape[0])])
    return out[:, None] if out.ndim == 1 else out


@st.composite
def pow_inputs(draw):
    shape = draw(shapes())
    x = draw(arrays(shape, floats(0.2, 3.0)))
    if draw(st.booleans()):
        return case([x], a=draw(st.sampled_from([2, 3, 0.5, -1.5])))
    return case([x, draw(arrays(shape, floats(-2.0, 2.0)))])


@st.composite
def clip_inputs(draw):
    shape = draw(shapes())
    low, high = draw(st.sampled_from([(None, 1.05), (-1.05, None), (-0.55, 2.05), (1.05, -1.05)]))
    return case([draw(arrays(shape, grid(0.0)))], min_value=low, max_value=high)


def _clip(x, min_value, max_value):
    if max_value is not None and min_value is not None and max_value < min_value:
        max_value = min_value  # Keras 2
    return np.clip(x, -np.inf if min_value is None else min_value, np.inf if max_value is None else max_value)


@st.composite
def switch_inputs(draw):
    shape = draw(shapes(min_dims=1))
    cond_rank = draw(st.integers(0, len(shape)))
    cond = draw(hnp.arrays(np.bool_, shape[:cond_rank]))
    return case([cond, draw(arrays(shape)), draw(arrays(shape))])


def _switch(cond, then, other):
    cond = np.asarray(cond).reshape(np.shape(cond) + (1,) * (then.ndim - np.ndim(cond)))
    return np.where(cond, then, other)


@st.composite
def axis_inputs(draw, min_dims=1, elements=None, min_side=1):
    shape = draw(shapes(min_dims=min_dims, min_side=min_side))
    return case([draw(arrays(shape, elements))], axis=draw(st.integers(-len(shape), len(shape) - 1)))


@st.composite
def relu_inputs(draw):
    shape = draw(shapes())
    params = draw(st.fixed_dictionaries({'alpha': st.sampled_from([0.0, 0.1, 0.3]),
                                         'max_value': st.sampled_from([None, 1.05, 6.0]),
                                         'threshold': st.sampled_from([0.0, 0.55, -0.45])}))
    return case([draw(arrays(shape, grid(0.013)))], **params)


def _relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """Keras 2's definition, step by step."""
    negative = np.maximum(threshold - x, 0)
    y = x * (x > threshold) if threshold != 0 else np.maximum(x, 0)
    if max_value is not None:
        y = np.clip(y, 0, max_value)
    return y - alpha * negative


@st.composite
def reshape_inputs(draw):
    shape = draw(shapes())
    size = int(np.prod(shape))
    return case([draw(arrays(shape))], shape=draw(st.sampled_from([(-1,), (size,), tuple(shape[::-1]),
                                                                   (1, size)])))


@st.composite
def permute_inputs(draw):
    shape = draw(shapes())
    return case([draw(arrays(shape))], pattern=tuple(draw(st.permutations(range(len(shape))))))


@st.composite
def transpose_inputs(draw):
    shape = draw(shapes())
    axes = draw(st.one_of(st.none(), st.permutations(range(len(shape))).map(tuple)))
    return case([draw(arrays(shape))], axes=axes)


@st.composite
def squeeze_inputs(draw):
    shape = list(draw(shapes(max_dims=2)))
    at = draw(st.integers(0, len(shape)))
    shape.insert(at, 1)
    return case([draw(arrays(tuple(shape)))], axis=draw(st.sampled_from([at, at - len(shape)])))


@st.composite
def list_inputs(draw, same_shape=True):
    shape = list(draw(shapes(min_dims=1)))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    inputs = []
    for _ in range(draw(st.integers(1, 3))):
        if not same_shape:
            shape[axis] = draw(st.integers(1, 3))
        inputs.append(draw(arrays(tuple(shape))))
    return case(inputs, axis=axis)


@st.composite
def stack_inputs(draw):
    shape = draw(shapes())
    inputs = [draw(arrays(shape)) for _ in range(draw(st.integers(1, 3)))]
    return case(inputs, axis=draw(st.integers(-len(shape) - 1, len(shape))))


@st.composite
def batch_inputs(draw, min_dims=2):
    return case([draw(arrays(draw(shapes(min_dims=min_dims))))])


@st.composite
def repeat_elements_inputs(draw):
    shape = draw(shapes(min_dims=1))
    return case([draw(arrays(shape))], rep=draw(st.integers(1, 3)), axis=draw(st.integers(0, len(shape) - 1)))


@st.composite
def repeat_inputs(draw):
    return case([draw(arrays((draw(st.integers(1, 3)), draw(st.integers(1, 3)))))], n=draw(st.integers(1, 3)))


@st.composite
def tile_inputs(draw):
    shape = draw(shapes(min_dims=1, max_dims=2))
    n = draw(st.one_of(st.tuples(*[st.integers(1, 3)] * len(shape)), st.integers(1, 3)))
    return case([draw(arrays(shape))], n=n)


@st.composite
def gather_inputs(draw):
    shape = draw(shapes(min_dims=1))
    idx_shape = draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3))
    indices = draw(hnp.arrays(np.int64, idx_shape, elements=st.integers(0, shape[0] - 1)))
    as_list = draw(st.booleans()) and indices.ndim > 0
    return case([draw(arrays(shape))], indices=indices.tolist() if as_list else indices)


@st.composite
def take_inputs(draw):
    shape = draw(shapes(min_dims=1))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    indices = draw(hnp.arrays(np.int64, (draw(st.integers(1, 3)),), elements=st.integers(0, shape[axis] - 1)))
    return case([draw(arrays(shape))], indices=indices, axis=axis)


@st.composite
def pad_inputs(draw):
    shape = draw(shapes(min_dims=1))
    return case([draw(arrays(shape))], pad_width=[(draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in shape],
                constant=draw(st.sampled_from([0.0, -1.0])))


@st.composite
def reverse_inputs(draw):
    shape = draw(shapes(min_dims=1))
    return case([draw(arrays(shape))], axes=draw(axes_of(len(shape), allow_none=False)))


@st.composite
def broadcast_inputs(draw):
    target = draw(shapes(min_dims=1))
    shape = tuple(1 if draw(st.booleans()) else s for s in target[draw(st.integers(0, len(target))):])
    return case([draw(arrays(shape))], shape=target)


@st.composite
def bias_add_inputs(draw):
    fmt = draw(st.sampled_from([None, 'channels_last', 'channels_first']))
    shape = draw(shapes(min_dims=2, max_dims=4))
    channels = shape[1] if fmt == 'channels_first' else shape[-1]
    return case([draw(arrays(shape)), draw(arrays((channels,)))], data_format=fmt)


def _bias_add(x, bias, data_format=None):
    if data_format == 'channels_first':
        return x + bias.reshape((1, -1) + (1,) * (x.ndim - 2))
    return x + bias


@st.composite
def l2_inputs(draw):
    shape = draw(shapes(min_dims=1))
    return case([draw(arrays(shape, floats(gap=0.1)))], axis=draw(st.one_of(st.none(), st.integers(-len(shape),
                                                                                              len(shape) - 1))))


def _l2_normalize(x, axis=None):
    return x / np.sqrt(np.maximum(np.sum(x * x, axis=axis, keepdims=True), 1e-12))


def _keras_var(x, axis=None, keepdims=False):
    return np.var(x, axis=axis, keepdims=keepdims)


def _fn(name):
    return getattr(K, name)


#: K function -> (strategy, NumPy reference, how to call it: 'list' passes the inputs as one list)
DIFFERENTIABLE = {
    'exp': (unary(), np.exp), 'log': (unary(0.1, 5.0), np.log), 'log1p': (unary(-0.5, 5.0), np.log1p),
    'expm1': (unary(), np.expm1), 'sqrt': (unary(0.1, 5.0), np.sqrt), 'square': (unary(), np.square),
    'abs': (unary(gap=0.01), np.abs), 'sin': (unary(), np.sin), 'cos': (unary(), np.cos),
    'tanh': (unary(), np.tanh), 'sigmoid': (unary(-20.0, 20.0), _sigmoid),
    'softplus': (unary(-20.0, 20.0), lambda x: np.logaddexp(x, 0)), 'softsign': (unary(), lambda x: x / (1 + abs(x))),
    'erf': (unary(), _erf), 'negative': (unary(), np.negative), 'identity': (unary(), lambda x: x),
    'add': (binary(), np.add), 'subtract': (binary(), np.subtract), 'multiply': (binary(), np.multiply),
    'divide': (binary(y=floats(gap=0.3)), np.divide),
    'maximum': (binary(grid(0.013), grid(0.061)), np.maximum), 'minimum': (binary(grid(0.013), grid(0.061)), np.minimum),
    'pow': (pow_inputs(), lambda x, a: np.power(x, a)),
    'clip': (clip_inputs(), _clip),
    'switch': (switch_inputs(), _switch), 'where': (switch_inputs(), _switch),
    'sum': (reduction(), lambda x, axis, keepdims: np.sum(x, axis=axis, keepdims=keepdims)),
    'mean': (reduction(), lambda x, axis, keepdims: np.mean(x, axis=axis, keepdims=keepdims)),
    'max': (reduction(grid(), unique=True), lambda x, axis, keepdims: np.max(x, axis=axis, keepdims=keepdims)),
    'min': (reduction(grid(), unique=True), lambda x, axis, keepdims: np.min(x, axis=axis, keepdims=keepdims)),
    'prod': (reduction(floats(0.5, 1.5)), lambda x, axis, keepdims: np.prod(x, axis=axis, keepdims=keepdims)),
    'logsumexp': (reduction(), lambda x, axis, keepdims: np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims))),
    'var': (reduction(), _keras_var),
    'std': (reduction(grid(), unique=True, min_side=2, min_dims=1), lambda x, axis, keepdims: np.std(x, axis=axis,
                                                                                          keepdims=keepdims)),
    'cumsum': (axis_inputs(), lambda x, axis: np.cumsum(x, axis=axis)),
    'dot': (dot_inputs(), _dot), 'matmul': (matmul_inputs(), np.matmul),
    'batch_dot': (batch_dot_inputs(), _batch_dot),
    'reshape': (reshape_inputs(), lambda x, shape: x.reshape(shape)),
    'transpose': (transpose_inputs(), lambda x, axes: np.transpose(x, axes)),
    'permute_dimensions': (permute_inputs(), lambda x, pattern: np.transpose(x, pattern)),
    'expand_dims': (expand_dims_inputs(), lambda x, axis: np.expand_dims(x, axis)),
    'squeeze': (squeeze_inputs(), lambda x, axis: np.squeeze(x, axis)),
    'flatten': (unary(), lambda x: x.reshape(-1)),
    'batch_flatten': (batch_inputs(), lambda x: x.reshape(x.shape[0], -1)),
    'concatenate': (list_inputs(same_shape=False), lambda *xs, axis: np.concatenate(xs, axis)),
    'stack': (stack_inputs(), lambda *xs, axis: np.stack(xs, axis)),
    'unstack': (axis_inputs(), lambda x, axis: list(np.moveaxis(x, axis, 0))),
    'repeat_elements': (repeat_elements_inputs(), lambda x, rep, axis: np.repeat(x, rep, axis)),
    'repeat': (repeat_inputs(), lambda x, n: np.repeat(x[:, None, :], n, axis=1)),
    'tile': (tile_inputs(), lambda x, n: np.tile(x, n)),
    'gather': (gather_inputs(), lambda x, indices: np.take(x, np.asarray(indices), axis=0)),
    'take': (take_inputs(), lambda x, indices, axis: np.take(x, indices, axis=axis)),
    'pad': (pad_inputs(), lambda x, pad_width, constant: np.pad(x, pad_width, constant_values=constant)),
    'reverse': (reverse_inputs(), lambda x, axes: np.flip(x, axes)),
    'broadcast_to': (broadcast_inputs(), lambda x, shape: np.broadcast_to(x, shape)),
    'cast': (unary().map(lambda c: case(c[0], dtype='float64')), lambda x, dtype: x.astype(dtype)),
    'relu': (relu_inputs(), _relu),
    'hard_sigmoid': (unary(-4.0, 4.0).filter(lambda c: np.all(np.abs(np.abs(c[0][0]) - 2.5) > 1e-3)),
                     lambda x: np.clip(0.2 * x + 0.5, 0, 1)),
    'softmax': (axis_inputs(elements=floats(-5.0, 5.0)), _softmax),
    'log_softmax': (axis_inputs(elements=floats(-5.0, 5.0)), lambda x, axis: np.log(_softmax(x, axis))),
    'elu': (unary(gap=0.01, params=st.fixed_dictionaries({'alpha': st.sampled_from([1.0, 0.3])})),
            lambda x, alpha: np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))),
    'selu': (unary(gap=0.01), lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(
        np.minimum(x, 0)))),
    'gelu': (unary(params=st.fixed_dictionaries({'approximate': st.booleans()})),
             lambda x, approximate: (0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3))))
             if approximate else 0.5 * x * (1 + _erf(x / np.sqrt(2)))),
    'swish': (unary(), lambda x: x * _sigmoid(x)), 'silu': (unary(), lambda x: x * _sigmoid(x)),
    'leaky_relu': (unary(gap=0.01, params=st.fixed_dictionaries({'alpha': st.sampled_from([0.2, 0.05])})),
                   lambda x, alpha: np.where(x > 0, x, alpha * x)),
    'l2_normalize': (l2_inputs(), _l2_normalize),
    'bias_add': (bias_add_inputs(), _bias_add),
}

LIST_INPUT = {'concatenate', 'stack'}


@st.composite
def _ints(draw):
    return case([draw(hnp.arrays(np.int64, draw(shapes(max_dims=2)), elements=st.integers(0, 4)))],
                num_classes=draw(st.integers(5, 7)))


@st.composite
def _argmax_inputs(draw):
    shape = draw(shapes(min_dims=1))
    return case([draw(arrays(shape, grid(), unique=True))], axis=draw(st.integers(-len(shape), len(shape) - 1)))


@st.composite
def _bools(draw):
    shape = draw(shapes())
    return case([draw(hnp.arrays(np.float64, shape, elements=st.sampled_from([0.0, 1.0, -1.5])))],
                axis=draw(axes_of(len(shape))), keepdims=draw(st.booleans()))


def _one_hot(indices, num_classes):
    return np.eye(num_classes, dtype=np.float32)[indices]


#: K functions with no gradient: (strategy, NumPy reference)
NOT_DIFFERENTIABLE = {
    'argmax': (_argmax_inputs(), lambda x, axis: np.argmax(x, axis)),
    'argmin': (_argmax_inputs(), lambda x, axis: np.argmin(x, axis)),
    'sign': (unary(gap=0.01), np.sign), 'round': (unary(), np.round), 'floor': (unary(), np.floor),
    'ceil': (unary(), np.ceil),
    'equal': (binary(grid(), grid()), np.equal), 'not_equal': (binary(grid(), grid()), np.not_equal),
    'greater': (binary(grid(), grid()), np.greater), 'greater_equal': (binary(grid(), grid()), np.greater_equal),
    'less': (binary(grid(), grid()), np.less), 'less_equal': (binary(grid(), grid()), np.less_equal),
    'logical_and': (binary(st.sampled_from([0.0, 1.0]), st.sampled_from([0.0, 1.0])), np.logical_and),
    'logical_or': (binary(st.sampled_from([0.0, 1.0]), st.sampled_from([0.0, 1.0])), np.logical_or),
    'any': (_bools(), lambda x, axis, keepdims: np.any(x, axis=axis, keepdims=keepdims)),
    'all': (_bools(), lambda x, axis, keepdims: np.all(x, axis=axis, keepdims=keepdims)),
    'one_hot': (_ints(), _one_hot),
    'stop_gradient': (unary(), lambda x: x),
}

#: facts and conversions, tested in test_ops_reference.py
UTILITIES = {'as_array', 'to_tensor', 'is_tensor', 'shape', 'int_shape', 'ndim', 'dtype', 'count_params', 'epsilon',
             'logits_of'}


def test_every_op_is_covered():
    classified = set(DIFFERENTIABLE) | set(NOT_DIFFERENTIABLE) | UTILITIES
    assert set(K.__all__) == classified, (set(K.__all__) - classified, classified - set(K.__all__))


def _call(name, tensors, params):
    fn = _fn(name)
    return fn(list(tensors), **params) if name in LIST_INPUT else fn(*tensors, **params)


@pytest.mark.parametrize('name', sorted(DIFFERENTIABLE))
@given(data=st.data())
def test_op_forward_and_gradient(name, data):
    strategy, reference = DIFFERENTIABLE[name]
    inputs, params = data.draw(strategy)
    out = _call(name, [Tensor(a) for a in inputs], params)
    expected = reference(*inputs, **params)
    for o, e in zip(out if isinstance(out, list) else [out], expected if isinstance(expected, list) else [expected]):
        assert o.shape == np.shape(e), (o.shape, np.shape(e))
        np.testing.assert_allclose(o.numpy(), e, rtol=1e-6, atol=1e-6 if name in ('erf', 'gelu') else 1e-12)
    if name == 'clip':
        x = inputs[0]
        assume(all(np.all(np.abs(x - b) > 1e-3) for b in (params['min_value'], params['max_value']) if b is not None))
    noncontiguous = data.draw(st.booleans())
    check_gradients(lambda *ts: _call(name, ts, params), inputs, noncontiguous=noncontiguous)


@pytest.mark.parametrize('name', sorted(NOT_DIFFERENTIABLE))
@given(data=st.data())
def test_op_without_gradient(name, data):
    strategy, reference = NOT_DIFFERENTIABLE[name]
    inputs, params = data.draw(strategy)
    tensors = [Tensor(a, requires_grad=a.dtype.kind == 'f') for a in inputs]
    out = _fn(name)(*tensors, **params)
    expected = reference(*inputs, **params)
    assert out.dtype == np.asarray(expected).dtype or name == 'one_hot'
    np.testing.assert_array_equal(out.numpy(), expected)
    assert all(g is None for g in gradients(out, tensors))


@pytest.mark.parametrize('name', sorted(DIFFERENTIABLE))
@given(data=st.data())
def test_op_keeps_float32(name, data):
    strategy, _ = DIFFERENTIABLE[name]
    inputs, params = data.draw(strategy)
    if name == 'cast':
        params = dict(params, dtype='float32')
    tensors = [Tensor(a.astype(np.float32), requires_grad=True) if a.dtype.kind == 'f' else a for a in inputs]
    out = _call(name, tensors, params)
    for o in out if isinstance(out, list) else [out]:
        assert o.dtype == np.float32, (name, o.dtype)
    loss = sum(K.sum(o) for o in (out if isinstance(out, list) else [out]))
    grads = gradients(loss, [t for t in tensors if isinstance(t, Tensor)])
    assert all(g is None or g.dtype == np.float32 for g in grads)


@pytest.mark.parametrize('name', ['sum', 'mean', 'max', 'prod', 'logsumexp'])
def test_reductions_take_a_list_of_axes_as_keras_2(name):
    """``K.sum(x, axis=[1, 3])`` (TensorFlow-era Keras code): the same as the tuple, gradients too."""
    from kcore import backend as K
    x = np.random.default_rng(3).random((2, 3, 4, 2)) + 0.5
    fn = getattr(K, name)
    assert np.allclose(K.eval(fn(K.constant(x), axis=[1, 3])), K.eval(fn(K.constant(x), axis=(1, 3))))
    check_gradients(lambda t: fn(t, axis=[1, 3]), [x])
    assert K.eval(K.any(K.constant(x > 1.2), axis=[0, 2])).shape == (3, 2)
