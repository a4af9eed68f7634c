"""Inputs for every kernel of ``kcore/autodiff/primitives.py``: a hypothesis strategy of
``(arrays, params)`` and a NumPy reference per kernel.  Used by the kernel tests and by the
test that runs every backend's kernel overrides against the generic kernels."""
import math

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np

from kcore.autodiff.fused import BIAS_ACTIVATIONS

from helpers.strategies import arrays, axes_of, binary, case, floats, grid, shapes, unary


@st.composite
def axes_of(draw, ndim, allow_none=True, allow_tuple=True):
    options = []
    if allow_none:
        options.append(st.none())
    if ndim:
        options.append(st.integers(-ndim, ndim - 1))
        if allow_tuple:
            options.append(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).map(
                lambda axes: tuple(a - ndim if i % 2 else a for i, a in enumerate(axes))))
    return draw(st.one_of(options)) if options else None


@st.composite
def reduction(draw, elements=None, unique=False, min_dims=0):
    shape = draw(shapes(min_dims=min_dims))
    x = draw(arrays(shape, elements, unique=unique))
    return case([x], axis=draw(axes_of(len(shape))), keepdims=draw(st.booleans()))


MATMUL_PATTERNS = {
    'mm': lambda b, n, k, m: ((n, k), (k, m)),
    'vm': lambda b, n, k, m: ((k,), (k, m)),
    'mv': lambda b, n, k, m: ((n, k), (k,)),
    'vv': lambda b, n, k, m: ((k,), (k,)),
    'bmm': lambda b, n, k, m: ((b, n, k), (b, k, m)),
    'b3_m': lambda b, n, k, m: ((b, n, k), (k, m)),
    'm_b3': lambda b, n, k, m: ((n, k), (b, k, m)),
    'v_b3': lambda b, n, k, m: ((k,), (b, k, m)),
    'b3_v': lambda b, n, k, m: ((b, n, k), (k,)),
    'broadcast': lambda b, n, k, m: ((2, 1, n, k), (b, k, m)),
}


@st.composite
def matmul_inputs(draw):
    dims = [draw(st.integers(1, 3)) for _ in range(4)]
    sx, sy = MATMUL_PATTERNS[draw(st.sampled_from(sorted(MATMUL_PATTERNS)))](*dims)
    return case([draw(arrays(sx)), draw(arrays(sy))])


@st.composite
def dense_inputs(draw):
    k, m = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    lead = draw(st.sampled_from([(3,), (2, 3), (1,)]))
    inputs = [draw(arrays(lead + (k,))), draw(arrays((k, m)))]
    if draw(st.booleans()):
        inputs.append(draw(arrays((m,))))
    # the activations without a kink (relu's is covered by bias_activation, on grids)
    activation = draw(st.sampled_from(['linear', 'linear', 'tanh', 'sigmoid', 'softplus', 'softsign', 'softmax']))
    return case(inputs, **({} if activation == 'linear' and draw(st.booleans()) else {'activation': activation}))


@st.composite
def bias_activation_inputs(draw):
    """x and a bias on the last axis (or axis 1, channels_first), values on grids that keep
    ``x + b`` 0.026 or more from relu's and elu's kinks."""
    shape = draw(shapes(min_dims=1))
    axis = draw(st.sampled_from([-1, 1] if len(shape) > 2 else [-1]))
    inputs = [draw(arrays(shape, grid(0.013))), draw(arrays((shape[axis],), grid(0.061)))]
    return case(inputs, activation=draw(st.sampled_from(BIAS_ACTIVATIONS)), axis=axis)


@st.composite
def reshape_inputs(draw):
    shape = draw(shapes())
    size = int(np.prod(shape))
    target = draw(st.sampled_from([(-1,), (size,), tuple(shape[::-1]), (1,) + tuple(shape), tuple(shape) + (1,),
                                   (size, -1) if size else (-1,)]))
    return case([draw(arrays(shape))], shape=target)


@st.composite
def transpose_inputs(draw):
    shape = draw(shapes())
    ndim = len(shape)
    if draw(st.booleans()):
        axes = None
    else:
        perm = draw(st.permutations(range(ndim)))
        axes = tuple(a - ndim if draw(st.booleans()) else a for a in perm)  # negative axes too
    return case([draw(arrays(shape))], axes=axes)


@st.composite
def expand_dims_inputs(draw):
    shape = draw(shapes())
    return case([draw(arrays(shape))], axis=draw(st.integers(-len(shape) - 1, len(shape))))


@st.composite
def squeeze_inputs(draw):
    shape = list(draw(shapes(max_dims=2)))
    for _ in range(draw(st.integers(1, 2))):
        shape.insert(draw(st.integers(0, len(shape))), 1)
    ones = [i for i, s in enumerate(shape) if s == 1]
    axis = draw(st.one_of(st.none(), st.sampled_from(ones), st.sampled_from(ones).map(lambda a: a - len(shape)),
                          st.just(tuple(ones))))
    return case([draw(arrays(tuple(shape)))], axis=axis)


@st.composite
def broadcast_to_inputs(draw):
    target = draw(shapes(min_dims=1))
    keep = draw(st.integers(0, len(target)))
    shape = tuple(1 if draw(st.booleans()) else s for s in target[len(target) - keep:])
    return case([draw(arrays(shape))], shape=target)


@st.composite
def concatenate_inputs(draw):
    shape = list(draw(shapes(min_dims=1)))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    inputs = []
    for _ in range(draw(st.integers(1, 3))):
        shape[axis] = draw(st.integers(1, 3))
        inputs.append(draw(arrays(tuple(shape))))
    return case(inputs, axis=axis)


@st.composite
def stack_inputs(draw):
    shape = draw(shapes())
    inputs = [draw(arrays(shape)) for _ in range(draw(st.integers(1, 3)))]
    return case(inputs, axis=draw(st.integers(-len(shape) - 1, len(shape))))


@st.composite
def basic_index(draw, shape):
    key = []
    for s in shape:
        kind = draw(st.sampled_from(['int', 'slice', 'slice', 'all']))
        if kind == 'int':
            key.append(draw(st.integers(-s, s - 1)))
        elif kind == 'slice':
            key.append(slice(draw(st.integers(-s, s) | st.none()), draw(st.integers(-s, s) | st.none()),
                             draw(st.sampled_from([None, 1, 2, -1, -2]))))
        else:
            key.append(slice(None))
    if key and draw(st.booleans()):
        key.insert(draw(st.integers(0, len(key))), None)
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(key)))
        key = key[:cut] + [Ellipsis]
    return tuple(key)


@st.composite
def getitem_inputs(draw):
    shape = draw(shapes(min_dims=1))
    x = draw(arrays(shape))
    kind = draw(st.sampled_from(['basic', 'integer array', 'mask', 'mixed']))
    if kind == 'basic':
        key = draw(basic_index(shape))
    elif kind == 'integer array':  # repeated indices: their gradients add up
        key = np.array(draw(st.lists(st.integers(-shape[0], shape[0] - 1), min_size=1, max_size=5)))
    elif kind == 'mask':
        key = draw(hnp.arrays(np.bool_, shape))
    else:
        rows = np.array(draw(st.lists(st.integers(0, shape[0] - 1), min_size=1, max_size=4)))
        key = (rows,) + (slice(None, None, -1),) * (len(shape) > 1)
    return case([x], key=key)


@st.composite
def take_inputs(draw):
    shape = draw(shapes(min_dims=1))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    n = shape[axis]
    index_shape = draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3))
    indices = draw(hnp.arrays(np.int64, index_shape, elements=st.integers(-n, n - 1)))
    return case([draw(arrays(shape)), indices], axis=axis)


@st.composite
def tile_inputs(draw):
    shape = draw(shapes(max_dims=2))
    reps = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=len(shape) + 1)))
    return case([draw(arrays(shape))], reps=reps)


@st.composite
def repeat_inputs(draw):
    shape = draw(shapes(min_dims=1))
    return case([draw(arrays(shape))], repeats=draw(st.integers(1, 3)),
                axis=draw(st.integers(-len(shape), len(shape) - 1)))


@st.composite
def pad_inputs(draw):
    shape = draw(shapes(min_dims=1))
    pad_width = tuple((draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in shape)
    return case([draw(arrays(shape))], pad_width=pad_width, constant=draw(st.sampled_from([0.0, 1.5])))


@st.composite
def flip_inputs(draw):
    shape = draw(shapes(min_dims=1))
    return case([draw(arrays(shape))], axis=draw(axes_of(len(shape))))


@st.composite
def where_inputs(draw):
    sc, sx, sy = draw(hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3)).input_shapes
    return case([draw(hnp.arrays(np.bool_, sc)), draw(arrays(sx)), draw(arrays(sy))])


@st.composite
def clip_inputs(draw):
    shape = draw(shapes())
    low = draw(st.sampled_from([-np.inf, -1.05, 0.05]))
    high = draw(st.sampled_from([np.inf, 1.05, 2.05]))
    return case([draw(arrays(shape, grid(0.0)))], low=low, high=high)


@st.composite
def cast_inputs(draw):
    shape = draw(shapes())
    return case([draw(arrays(shape))], dtype=draw(st.sampled_from(['float64', 'float32'])))


@st.composite
def softmax_inputs(draw):
    shape = draw(shapes(min_dims=1))
    return case([draw(arrays(shape, floats(-5, 5)))], axis=draw(st.integers(-len(shape), len(shape) - 1)))


@st.composite
def cross_entropy_inputs(draw):
    shape = draw(shapes(min_dims=1))
    logits = draw(arrays(shape, floats(-5, 5)))
    target = draw(arrays(shape, floats(0, 1)))
    return case([logits, target], axis=draw(st.integers(-len(shape), len(shape) - 1)))


@st.composite
def sigmoid_cross_entropy_inputs(draw):
    shape = draw(shapes())
    return case([draw(arrays(shape, floats(-30, 30))), draw(arrays(shape, floats(0, 1)))])


@st.composite
def dropout_inputs(draw):
    shape = draw(shapes())
    return case([draw(arrays(shape)), draw(hnp.arrays(np.bool_, shape))], scale=draw(st.sampled_from([1.0, 2.0, 1.25])))


@st.composite
def cumsum_inputs(draw):
    shape = draw(shapes(min_dims=1))
    return case([draw(arrays(shape))], axis=draw(st.integers(-len(shape), len(shape) - 1)))


@st.composite
def power_inputs(draw):
    sx, sy = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3)).input_shapes
    return case([draw(arrays(sx, floats(0.2, 3.0))), draw(arrays(sy, floats(-2.0, 2.0)))])


def _erf(x):
    return np.vectorize(math.erf)(x)


def _np_reduction(fn):
    return lambda x, axis=None, keepdims=False: fn(x, axis=axis, keepdims=keepdims)


def _logsumexp(x, axis=None, keepdims=False):
    return np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims))


def _getitem(x, key):
    return x[key]


def _take(x, indices, axis):
    return np.take(x, indices, axis=axis)


def _elu(x, alpha=1.0):
    return np.where(x < 0, alpha * np.expm1(np.minimum(x, 0)), x)


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


_ACTIVATIONS = {'linear': lambda z: z, 'relu': lambda z: np.maximum(z, 0), 'sigmoid': lambda z: 1 / (1 + np.exp(-z)),
                'tanh': np.tanh, 'softmax': _softmax, 'elu': _elu, 'softplus': lambda z: np.logaddexp(z, 0),
                'softsign': lambda z: z / (1 + np.abs(z))}


def _dense(x, w, b=None, activation='linear'):
    return _ACTIVATIONS[activation](x @ w + (0 if b is None else b))


def _bias_activation(x, b, activation='linear', axis=-1):
    axis %= x.ndim
    return _ACTIVATIONS[activation](x + b.reshape([-1 if i == axis else 1 for i in range(x.ndim)]))


#: kernel -> (strategy of (inputs, params), NumPy reference, extra check_gradients arguments)
DIFFERENTIABLE = {
    'negative': (unary(), np.negative, {}),
    'exp': (unary(), np.exp, {}),
    'log': (unary(0.1, 5.0), np.log, {}),
    'log1p': (unary(-0.5, 5.0), np.log1p, {}),
    'expm1': (unary(), np.expm1, {}),
    'sqrt': (unary(0.1, 5.0), np.sqrt, {}),
    'square': (unary(), np.square, {}),
    'abs': (unary(gap=0.01), np.abs, {}),
    'sin': (unary(), np.sin, {}),
    'cos': (unary(), np.cos, {}),
    'tanh': (unary(), np.tanh, {}),
    'sigmoid': (unary(-30.0, 30.0), lambda x: 1 / (1 + np.exp(-x)), {}),
    'relu': (unary(gap=0.01), lambda x: np.maximum(x, 0), {}),
    'softplus': (unary(-30.0, 30.0), lambda x: np.logaddexp(x, 0), {}),
    'softsign': (unary(), lambda x: x / (1 + np.abs(x)), {}),
    'elu': (unary(gap=0.01, params=st.fixed_dictionaries({'alpha': st.sampled_from([1.0, 0.5, 1.7])})), _elu, {}),
    'erf': (unary(), _erf, {}),
    'add': (binary(), np.add, {}),
    'subtract': (binary(), np.subtract, {}),
    'multiply': (binary(), np.multiply, {}),
    'divide': (binary(y=floats(gap=0.3)), np.divide, {}),
    'power': (power_inputs(), np.power, {}),
    'maximum': (binary(grid(0.013), grid(0.061)), np.maximum, {}),
    'minimum': (binary(grid(0.013), grid(0.061)), np.minimum, {}),
    'matmul': (matmul_inputs(), np.matmul, {}),
    'dense': (dense_inputs(), _dense, {}),
    'bias_activation': (bias_activation_inputs(), _bias_activation, {}),
    'sum': (reduction(), _np_reduction(np.sum), {}),
    'mean': (reduction(), _np_reduction(np.mean), {}),
    'max': (reduction(grid(), unique=True), _np_reduction(np.max), {}),
    'min': (reduction(grid(), unique=True), _np_reduction(np.min), {}),
    'prod': (reduction(st.sampled_from([0.0, 0.5, -0.7, 1.3, 2.0, -1.1])), _np_reduction(np.prod), {}),
    'logsumexp': (reduction(), _logsumexp, {}),
    'cumsum': (cumsum_inputs(), lambda x, axis: np.cumsum(x, axis=axis), {}),
    'reshape': (reshape_inputs(), lambda x, shape: x.reshape(shape), {}),
    'transpose': (transpose_inputs(), lambda x, axes: np.transpose(x, axes), {}),
    'expand_dims': (expand_dims_inputs(), lambda x, axis: np.expand_dims(x, axis), {}),
    'squeeze': (squeeze_inputs(), lambda x, axis: np.squeeze(x, axis), {}),
    'broadcast_to': (broadcast_to_inputs(), lambda x, shape: np.broadcast_to(x, shape), {}),
    'concatenate': (concatenate_inputs(), lambda *xs, axis: np.concatenate(xs, axis), {}),
    'stack': (stack_inputs(), lambda *xs, axis: np.stack(xs, axis), {}),
    'getitem': (getitem_inputs(), _getitem, {}),
    'take': (take_inputs(), _take, {}),
    'tile': (tile_inputs(), lambda x, reps: np.tile(x, reps), {}),
    'repeat': (repeat_inputs(), lambda x, repeats, axis: np.repeat(x, repeats, axis), {}),
    'pad': (pad_inputs(), lambda x, pad_width, constant: np.pad(x, pad_width, constant_values=constant), {}),
    'flip': (flip_inputs(), lambda x, axis: np.flip(x, axis), {}),
    'where': (where_inputs(), np.where, {}),
    'clip': (clip_inputs(), lambda x, low, high: np.clip(x, low, high), {}),
    'cast': (cast_inputs(), lambda x, dtype: x.astype(dtype), {'eps': 1e-2, 'rtol': 1e-3, 'atol': 1e-3}),
    'identity': (unary(), lambda x: x, {}),
    'softmax': (softmax_inputs(), _softmax, {}),
    'log_softmax': (softmax_inputs(), lambda x, axis: np.log(_softmax(x, axis)), {}),
    'leaky_relu': (unary(gap=0.01, params=st.fixed_dictionaries({'alpha': st.sampled_from([0.2, 0.01, 0.5])})),
                   lambda x, alpha: np.where(x > 0, x, alpha * x), {}),
    'dropout_mask': (dropout_inputs(), lambda x, mask, scale: x * mask * scale, {}),
    'softmax_cross_entropy': (cross_entropy_inputs(),
                              lambda x, t, axis: -np.sum(t * np.log(_softmax(x, axis)), axis=axis), {}),
    'sigmoid_cross_entropy': (sigmoid_cross_entropy_inputs(),
                              lambda x, t: np.maximum(x, 0) - x * t + np.log1p(np.exp(-np.abs(x))), {}),
}


@st.composite
def _unary_any(draw):
    shape = draw(shapes())
    x = draw(arrays(shape, st.one_of(floats(), st.sampled_from([0.0, -0.5, 0.5, 1.5, -2.5]))))
    return case([x])


@st.composite
def _special_values(draw):
    shape = draw(shapes())
    return case([draw(hnp.arrays(np.float64, shape, elements=st.sampled_from([0.0, 1.5, -2.0, np.nan, np.inf,
                                                                             -np.inf])))])


@st.composite
def _int_reduction(draw):
    shape = draw(shapes(min_dims=1))
    return case([draw(arrays(shape, grid(), unique=True))], axis=draw(st.integers(-len(shape), len(shape) - 1)),
                keepdims=draw(st.booleans()))


def _keep(fn):
    def ref(x, axis, keepdims):
        out = fn(x, axis=axis)
        return np.expand_dims(out, axis) if keepdims else out
    return ref


@st.composite
def _bool_reduction(draw):
    shape = draw(shapes())
    return case([draw(hnp.arrays(np.float64, shape, elements=st.sampled_from([0.0, 1.0, -2.0])))],
                axis=draw(axes_of(len(shape))), keepdims=draw(st.booleans()))


@st.composite
def _cast_to_int(draw):
    shape = draw(shapes())
    return case([draw(arrays(shape))], dtype=draw(st.sampled_from(['int32', 'int64', 'bool'])))


#: kernels whose outputs carry no gradient back: (strategy, NumPy reference)
NOT_DIFFERENTIABLE = {
    'sign': (_unary_any(), np.sign),
    'floor': (_unary_any(), np.floor),
    'ceil': (_unary_any(), np.ceil),
    'round': (_unary_any(), np.round),
    'isnan': (_special_values(), np.isnan),
    'isinf': (_special_values(), np.isinf),
    'isfinite': (_special_values(), np.isfinite),
    'logical_not': (_unary_any(), np.logical_not),
    'less': (binary(grid(), grid()), np.less),
    'less_equal': (binary(grid(), grid()), np.less_equal),
    'greater': (binary(grid(), grid()), np.greater),
    'greater_equal': (binary(grid(), grid()), np.greater_equal),
    'equal': (binary(grid(), grid()), np.equal),
    'not_equal': (binary(grid(), grid()), np.not_equal),
    'logical_and': (binary(st.sampled_from([0.0, 1.0]), st.sampled_from([0.0, 2.0])), np.logical_and),
    'logical_or': (binary(st.sampled_from([0.0, 1.0]), st.sampled_from([0.0, 2.0])), np.logical_or),
    'argmax': (_int_reduction(), _keep(np.argmax)),
    'argmin': (_int_reduction(), _keep(np.argmin)),
    'any': (_bool_reduction(), _np_reduction(np.any)),
    'all': (_bool_reduction(), _np_reduction(np.all)),
    'stop_gradient': (unary(), lambda x: x),
    'cast': (_cast_to_int(), lambda x, dtype: x.astype(dtype)),
}
