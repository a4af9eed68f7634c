"""Gradients of every kcore-conv op, for inputs and weights, against finite differences (float64).

``kcore.testing.check_gradients`` compares autodiff with central differences
along random directions; hypothesis draws the configurations (small shapes).
Inputs are drawn without ties (max pooling) and away from ReLU's kink.  The
whole module runs twice: on the NumPy backend (its ``@numpy`` overrides) and on
a backend without overrides (the device-neutral generic kernels).
"""
import contextlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import backends

from kcore.autodiff.tensor import Tensor, Variable, gradients
from kcore.backend import ops as K
from kcore.backend.device import ACTIVE
from kcore.testing import check_gradients
from kcore_conv import ops
from kcore_conv.kernels import generic_conv

FORMATS = st.sampled_from(['channels_last', 'channels_first'])


@pytest.fixture(autouse=True, scope='module', params=['numpy overrides', 'generic kernels'])
def kernels(request):
    """Run every test of this module with the NumPy overrides, then with the generic kernels."""
    generic = request.param == 'generic kernels'
    with backends.active(backends.GenericNumpyBackend()) if generic else contextlib.nullcontext():
        assert (ACTIVE.kernels['conv2d'] is generic_conv.conv) == generic
        yield request.param


def _var(a):
    return Variable(np.asarray(a, dtype=np.float64))


@st.composite
def windows(draw, rank):
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(rank))
    strides = tuple(draw(st.integers(1, 2)) for _ in range(rank))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(rank))
    padding = draw(st.sampled_from(['valid', 'same'] + (['causal'] if rank == 1 else [])))
    sizes = tuple(draw(st.integers((k - 1) * d + 1, (k - 1) * d + 3)) for k, d in zip(kernel, dilation))
    return kernel, strides, dilation, padding, sizes


def _input(draw, batch_sizes, channels, data_format):
    x = np.random.default_rng(draw(st.integers(0, 999))).standard_normal((2,) + batch_sizes + (channels,))
    return x if data_format == 'channels_last' else np.moveaxis(x, -1, 1)


@given(rank=st.sampled_from([1, 2, 3]), data=st.data(), fmt=FORMATS)
def test_conv_gradients_for_input_kernel_and_bias(rank, data, fmt):
    kernel, strides, dilation, padding, sizes = data.draw(windows(rank))
    groups, depth = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 2))  # depth 1: depthwise path
    x = _input(data.draw, sizes, depth * groups, fmt)
    w = _var(np.random.default_rng(1).standard_normal(kernel + (depth, 2 * groups)))
    b = _var(np.linspace(-0.5, 0.5, 2 * groups))
    check_gradients(lambda t: ops.convolve(t, w, b, strides, padding, fmt, dilation), [x], wrt=[w, b])


@given(rank=st.sampled_from([1, 2]), data=st.data())
def test_fused_relu_has_the_gradient_of_relu_after_conv(rank, data):
    kernel, strides, dilation, padding, sizes = data.draw(windows(rank))
    x = Variable(_input(data.draw, sizes, 3, 'channels_last'))
    w = _var(np.random.default_rng(2).standard_normal(kernel + (3, 4)))
    b = _var(np.linspace(-0.5, 0.5, 4))
    proj = None
    results = []
    for fused in (True, False):
        y = ops.convolve(x, w, b, strides, padding, 'channels_last', dilation, activation='relu' if fused else None)
        if not fused:
            y = K.relu(y)
        proj = np.random.default_rng(3).standard_normal(y.shape) if proj is None else proj
        results.append((y.data, gradients(K.sum(y * Tensor(proj)), [x, w, b])))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12, atol=1e-12)
    for fused_grad, plain_grad in zip(results[0][1], results[1][1]):
        np.testing.assert_allclose(fused_grad, plain_grad, rtol=1e-10, atol=1e-12)


@given(rank=st.sampled_from([1, 2, 3]), data=st.data(), fmt=FORMATS)
def test_conv_transpose_gradients_for_input_kernel_and_bias(rank, data, fmt):
    kernel = tuple(data.draw(st.integers(1, 3)) for _ in range(rank))
    strides = tuple(data.draw(st.integers(1, 2)) for _ in range(rank))
    padding = data.draw(st.sampled_from(['valid', 'same']))
    sizes = tuple(data.draw(st.integers(1, 3)) for _ in range(rank))
    x = _input(data.draw, sizes, 2, fmt)
    w = _var(np.random.default_rng(4).standard_normal(kernel + (3, 2)))
    b = _var(np.linspace(-0.5, 0.5, 3))
    out_sizes = ops.transpose_output_sizes('test', sizes, kernel, padding, None, strides, (1,) * rank)
    check_gradients(lambda t: ops.convolve_transpose(t, w, b, out_sizes, strides, padding, fmt), [x], wrt=[w, b])


@given(rank=st.sampled_from([1, 2]), data=st.data(), fmt=FORMATS)
def test_depthwise_and_separable_gradients(rank, data, fmt):
    kernel, strides, dilation, padding, sizes = data.draw(windows(rank))
    x = _input(data.draw, sizes, 3, fmt)
    rng = np.random.default_rng(5)
    dw = _var(rng.standard_normal(kernel + (3, 2)))
    pw = _var(rng.standard_normal((1,) * rank + (6, 2)))
    b6, b2 = _var(np.linspace(-1, 1, 6)), _var(np.linspace(-1, 1, 2))
    check_gradients(lambda t: ops.depthwise_convolve(t, dw, b6, strides, padding, fmt, dilation), [x], wrt=[dw, b6])
    check_gradients(lambda t: ops.separable_convolve(t, dw, pw, b2, strides, padding, fmt, dilation), [x],
                    wrt=[dw, pw, b2])


@given(rank=st.sampled_from([1, 2, 3]), data=st.data(), fmt=FORMATS, mode=st.sampled_from(['max', 'avg']))
def test_pooling_gradients(rank, data, fmt, mode):
    pool_size = tuple(data.draw(st.integers(1, 3)) for _ in range(rank))
    strides = tuple(data.draw(st.integers(1, 3)) for _ in range(rank))
    padding = data.draw(st.sampled_from(['valid', 'same']))
    sizes = tuple(data.draw(st.integers(k, k + 2)) for k in pool_size)
    n = int(np.prod(sizes)) * 2 * 2
    # distinct values spaced far apart compared with the finite-difference step: no ties
    x = np.random.default_rng(data.draw(st.integers(0, 99))).permutation(n).reshape((2,) + sizes + (2,)) * 0.1
    x = x if fmt == 'channels_last' else np.moveaxis(x, -1, 1)
    check_gradients(lambda t: ops.pool(t, pool_size, strides, padding, fmt, mode), [x])


def test_max_pool_gradient_goes_to_the_first_of_tied_maxima():
    x = Variable(np.zeros((1, 2, 2, 1)))
    y = ops.pool(x, 2, 2, 'valid', 'channels_last', 'max')
    (g,) = gradients(K.sum(y), [x])
    np.testing.assert_array_equal(g.ravel(), [1, 0, 0, 0])


@given(rank=st.sampled_from([1, 2, 3]), data=st.data(), fmt=FORMATS,
       interpolation=st.sampled_from(['nearest', 'bilinear']))
def test_upsampling_gradients(rank, data, fmt, interpolation):
    sizes = tuple(data.draw(st.integers(1, 3)) for _ in range(rank))
    size = tuple(data.draw(st.integers(1, 3)) for _ in range(rank))
    x = _input(data.draw, sizes, 2, fmt)
    check_gradients(lambda t: ops.upsample(t, size, fmt, interpolation), [x])


def _k_cases():
    rng = np.random.default_rng(7)
    w2, w1, w3 = (rng.standard_normal(s) for s in ((3, 2, 2, 3), (3, 2, 3), (2, 2, 2, 2, 3)))
    wt = rng.standard_normal((3, 3, 4, 2))
    dw, pw = rng.standard_normal((3, 3, 2, 2)), rng.standard_normal((1, 1, 4, 3))
    return [
        ('conv1d', (2, 7, 2), [w1], lambda K, x, w: K.conv1d(x, w, strides=2, padding='causal', dilation_rate=1)),
        ('conv2d', (2, 6, 5, 2), [w2], lambda K, x, w: K.conv2d(x, w, strides=(1, 2), padding='same')),
        ('conv3d', (1, 4, 3, 4, 2), [w3], lambda K, x, w: K.conv3d(x, w, padding='same', dilation_rate=(2, 1, 1))),
        ('conv2d_transpose', (2, 3, 4, 2), [wt], lambda K, x, w: K.conv2d_transpose(x, w, (2, 7, 9, 4), strides=2)),
        ('conv3d_transpose', (1, 2, 3, 2, 2), [rng.standard_normal((2, 2, 2, 3, 2))],
         lambda K, x, w: K.conv3d_transpose(x, w, (1, 4, 6, 4, 3), strides=(2, 2, 2))),
        ('separable_conv1d', (2, 7, 2), [rng.standard_normal((3, 2, 2)), rng.standard_normal((1, 4, 3))],
         lambda K, x, a, b: K.separable_conv1d(x, a, b, strides=2, padding='same')),
        ('depthwise_conv2d', (2, 5, 5, 2), [dw], lambda K, x, w: K.depthwise_conv2d(x, w, padding='same')),
        ('separable_conv2d', (2, 5, 6, 2), [dw, pw],
         lambda K, x, a, b: K.separable_conv2d(x, a, b, strides=2, padding='same')),
        ('pool2d', (2, 5, 6, 2), [], lambda K, x: K.pool2d(x, (2, 3), strides=(2, 2), padding='same',
                                                           pool_mode='avg')),
        ('pool3d', (2, 4, 4, 3, 2), [], lambda K, x: K.pool3d(x, 2, strides=(2, 2, 1), pool_mode='max')),
        ('resize_images', (1, 3, 2, 2), [],
         lambda K, x: K.resize_images(x, 2, 3, 'channels_last', interpolation='bilinear')),
        ('resize_volumes', (1, 2, 2, 2, 2), [], lambda K, x: K.resize_volumes(x, 2, 1, 2, 'channels_first')),
    ]


def test_every_k_op_has_a_gradient_check_for_its_input_and_weights():
    import kcore.backend as Kb
    from kcore.plugins import known
    cases = _k_cases()
    assert sorted(name for name, *_ in cases) == sorted(known._CONV_OPS)
    for name, shape, weights, fn in cases:
        n = int(np.prod(shape))
        x = np.random.default_rng(1).permutation(n).reshape(shape) * 0.1  # distinct: no max-pool ties
        ws = [_var(w) for w in weights]
        check_gradients(lambda t, fn=fn, ws=ws: fn(Kb, t, *ws), [x], wrt=ws)


def test_conv3d_transpose_is_the_adjoint_of_conv3d_and_separable_conv1d_composes():
    import kcore.backend as Kb
    rng = np.random.default_rng(3)
    kernel = rng.standard_normal((2, 2, 2, 3, 2))          # (k, k, k, filters, in_channels)
    x = rng.standard_normal((1, 2, 3, 2, 2))               # the transposed conv's input
    y = rng.standard_normal((1, 4, 6, 4, 3))               # its output's shape
    up = Kb.eval(Kb.conv3d_transpose(x, kernel, (1, 4, 6, 4, 3), strides=(2, 2, 2)))
    down = Kb.eval(Kb.conv3d(y, kernel, strides=(2, 2, 2)))  # (k, in=3, out=2)
    np.testing.assert_allclose((up * y).sum(), (down * x).sum(), rtol=1e-4)
    xs = rng.standard_normal((2, 7, 2))
    dw, pw = rng.standard_normal((3, 2, 2)), rng.standard_normal((1, 4, 3))
    sep = Kb.eval(Kb.separable_conv1d(xs, dw, pw, padding='same'))
    depthwise = np.stack([Kb.eval(Kb.conv1d(xs[..., c:c + 1], dw[:, c:c + 1, :], padding='same')) for c in range(2)],
                         axis=-2).reshape(2, 7, 4)
    np.testing.assert_allclose(sep, depthwise @ pw[0], rtol=1e-4, atol=1e-5)
