"""The device-neutral generic kernels against the NumPy overrides, and on another array module.

Each test calls the registry's generic kernel (``conv2d``) and the NumPy
backend's override (``conv2d@numpy``) on the same NumPy inputs and compares
outputs and vector-Jacobian products (``kcore.testing.check_override`` with
drawn inputs); hypothesis draws shapes, strides,
dilations, groups, paddings and both data formats.  The generic kernels then
run on ``array_api_strict`` arrays under a backend whose ``xp`` is that module:
a hidden ``np.*`` call, ``.flags``/``.strides`` use or host conversion fails
there.  Their gradients against finite differences are in
``test_conv_gradients.py`` (run once per backend).
"""
import inspect

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import backends
from kcore import plugins
from kcore.autodiff.tensor import Tensor
from kcore.backend.device import ACTIVE
from kcore.testing import check_override
from kcore_conv import geometry, ops
from kcore_conv.kernels import NUMPY_KERNELS, generic_conv, generic_pool

FORMATS = st.sampled_from(['channels_last', 'channels_first'])


def _compare(name, inputs, params, rtol=1e-10, atol=1e-10):
    """Run ``name`` and ``name@numpy`` on ``inputs`` (``kcore.testing.check_override``: outputs, and
    gradients for one cotangent, every input asking for one); return the generic kernel's output.
    A kernel without a bias gets ``None`` in its place: its vjp answers for the bias slot too."""
    assert check_override(name, 'numpy', inputs=inputs, params=params, rtol=rtol, atol=atol)
    return plugins.registry('kernels').get(name)(*inputs, **params)[0]


def _x(draw, batch_sizes, channels, data_format, ties=False):
    rng = np.random.default_rng(draw(st.integers(0, 999)))
    shape = (draw(st.integers(1, 3)),) + tuple(batch_sizes) + (channels,)
    x = rng.integers(0, 3, shape).astype(np.float64) if ties else rng.standard_normal(shape)
    return x if data_format == 'channels_last' else np.ascontiguousarray(np.moveaxis(x, -1, 1))


@st.composite
def windows(draw, rank, causal=True):
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(rank))
    strides = tuple(draw(st.integers(1, 3)) for _ in range(rank))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(rank))
    padding = draw(st.sampled_from(['valid', 'same'] + (['causal'] if rank == 1 and causal else [])))
    sizes = tuple(draw(st.integers((k - 1) * d + 1, (k - 1) * d + 4)) for k, d in zip(kernel, dilation))
    return kernel, strides, dilation, padding, sizes


def _w(shape, seed=2):
    return np.random.default_rng(seed).standard_normal(shape)


@given(rank=st.sampled_from([1, 2, 3]), data=st.data(), fmt=FORMATS, relu=st.booleans(), bias=st.booleans())
def test_conv_matches_the_numpy_override(rank, data, fmt, relu, bias):
    kernel, strides, dilation, padding, sizes = data.draw(windows(rank))
    groups, depth, per_group = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3)), data.draw(st.integers(1, 2))
    x = _x(data.draw, sizes, groups * depth, fmt)
    inputs = [x, _w(kernel + (depth, groups * per_group)), _w(groups * per_group, 3) if bias else None]
    _compare('conv%dd' % rank, inputs, dict(strides=strides, padding=padding, dilation_rate=dilation,
                                            data_format=fmt, activation='relu' if relu else None))


@given(rank=st.sampled_from([1, 2, 3]), data=st.data(), fmt=FORMATS, bias=st.booleans())
def test_conv_transpose_matches_the_numpy_override(rank, data, fmt, bias):
    kernel = tuple(data.draw(st.integers(1, 3)) for _ in range(rank))
    strides = tuple(data.draw(st.integers(1, 3)) for _ in range(rank))
    dilation = tuple(data.draw(st.integers(1, 2)) for _ in range(rank))
    padding = data.draw(st.sampled_from(['valid', 'same']))
    sizes = tuple(data.draw(st.integers(1, 4)) for _ in range(rank))
    output_padding = tuple(data.draw(st.integers(0, s - 1)) for s in strides) if data.draw(st.booleans()) else None
    out_sizes = tuple(geometry.transpose_output_length(n, k, padding, None if output_padding is None else p, s, d)
                      for n, k, p, s, d in zip(sizes, kernel, output_padding or (0,) * rank, strides, dilation))
    assume(all(o > 0 and geometry.output_length(o, k, padding, s, d) == n
               for o, n, k, s, d in zip(out_sizes, sizes, kernel, strides, dilation)))
    cin, filters = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    inputs = [_x(data.draw, sizes, cin, fmt), _w(kernel + (filters, cin)), _w(filters, 3) if bias else None]
    _compare('conv%dd_transpose' % rank, inputs, dict(output_sizes=out_sizes, strides=strides, padding=padding,
                                                      dilation_rate=dilation, data_format=fmt))


@given(rank=st.sampled_from([1, 2]), data=st.data(), fmt=FORMATS, relu=st.booleans())
def test_depthwise_and_separable_match_the_numpy_overrides(rank, data, fmt, relu):
    kernel, strides, dilation, padding, sizes = data.draw(windows(rank))
    channels, multiplier, filters = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 2)), data.draw(
        st.integers(1, 3))
    x = _x(data.draw, sizes, channels, fmt)
    dw = _w(kernel + (channels, multiplier))
    params = dict(strides=strides, padding=padding, dilation_rate=dilation, data_format=fmt,
                  activation='relu' if relu else None)
    _compare('depthwise_conv%dd' % rank, [x, dw, _w(channels * multiplier, 3)], params)
    _compare('separable_conv%dd' % rank, [x, dw, _w((1,) * rank + (channels * multiplier, filters), 4),
                                          _w(filters, 5)], params)


@given(rank=st.sampled_from([1, 2, 3]), data=st.data(), fmt=FORMATS, mode=st.sampled_from(['max', 'avg']),
       ties=st.booleans())
def test_pooling_matches_the_numpy_override(rank, data, fmt, mode, ties):
    """``ties``: small integer inputs, so that max pooling must pick the same one of equal maxima."""
    pool_size = tuple(data.draw(st.integers(1, 3)) for _ in range(rank))
    strides = tuple(data.draw(st.integers(1, 3)) for _ in range(rank))
    padding = data.draw(st.sampled_from(['valid', 'same']))
    sizes = tuple(data.draw(st.integers(k, k + 3)) for k in pool_size)
    x = _x(data.draw, sizes, data.draw(st.integers(1, 3)), fmt, ties=ties)
    _compare('%s_pool%dd' % (mode, rank), [x], dict(pool_size=pool_size, strides=strides, padding=padding,
                                                    data_format=fmt))


def test_float32_stays_float32():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 6, 5, 4)).astype(np.float32)
    w = rng.standard_normal((3, 3, 2, 4)).astype(np.float32)
    out = _compare('conv2d', [x, w, None], dict(strides=(2, 1), padding='same', dilation_rate=(1, 1),
                                         data_format='channels_last', activation='relu'), rtol=1e-4, atol=1e-5)
    assert out.dtype == np.float32
    assert _compare('max_pool2d', [x], dict(pool_size=(2, 2), strides=(2, 2), padding='same',
                                            data_format='channels_last')).dtype == np.float32


def test_the_generic_kernels_are_the_unsuffixed_registry_entries():
    kernels = plugins.registry('kernels')
    assert kernels.get('conv2d') is generic_conv.conv and kernels.get('max_pool3d') is generic_pool.max_pool
    for name, override in NUMPY_KERNELS.items():
        assert kernels.get(name + '@numpy') is override
        assert kernels.get(name) is not override
    assert plugins.registry('kernels').entry('conv2d').meta.get('example')  # the override check's inputs


def test_a_backend_without_overrides_dispatches_to_the_generic_kernels():
    with backends.active(backends.GenericNumpyBackend()):
        assert ACTIVE.kernels['conv2d'] is generic_conv.conv
        y = ops.convolve(Tensor(np.ones((1, 4, 4, 2))), Tensor(np.ones((3, 3, 2, 1))), padding='same')
        assert y.shape == (1, 4, 4, 1) and float(y.data[0, 1, 1, 0]) == 18.0
    assert inspect.unwrap(ACTIVE.kernels['conv2d']) is NUMPY_KERNELS['conv2d']  # (possibly wrapped)


# -- the generic kernels on another array module ---------------------------------------------------------------
def _strict_cases():
    """(kernel name, NumPy inputs, params): every family, both formats, the three paddings, groups."""
    cf, cl = 'channels_first', 'channels_last'
    rng = np.random.default_rng(0)

    def r(*shape):
        return rng.standard_normal(shape)
    conv = dict(dilation_rate=None, activation=None)
    return [
        ('conv1d', [r(2, 9, 4), r(3, 2, 6), r(6)], dict(conv, strides=(1,), padding='causal', dilation_rate=(2,),
                                                        data_format=cl, activation='relu')),
        ('conv2d', [r(2, 4, 7, 6), r(3, 2, 2, 6), r(6)], dict(conv, strides=(2, 1), padding='same',
                                                              dilation_rate=(1, 2), data_format=cf)),
        ('conv3d', [r(2, 4, 5, 4, 3), r(2, 3, 2, 3, 4)], dict(conv, strides=(1, 2, 1), padding='valid',
                                                              data_format=cl)),
        ('conv2d_transpose', [r(2, 3, 4, 3), r(3, 2, 2, 3), r(2)], dict(
            output_sizes=(8, 6), strides=(2, 2), padding='same', dilation_rate=(1, 1), data_format=cf)),
        ('conv1d_transpose', [r(2, 5, 3), r(3, 2, 3)], dict(output_sizes=(11,), strides=(2,), padding='valid',
                                                            data_format=cl)),
        ('depthwise_conv2d', [r(2, 6, 5, 3), r(2, 3, 3, 2), r(6)], dict(conv, strides=(2, 1), padding='same',
                                                                        data_format=cl, activation='relu')),
        ('separable_conv1d', [r(2, 8, 3), r(3, 3, 2), r(1, 6, 4), r(4)], dict(conv, strides=(1,),
                                                                              padding='causal', data_format=cl)),
        ('max_pool2d', [r(2, 3, 7, 5)], dict(pool_size=(3, 2), strides=(1, 2), padding='same', data_format=cf)),
        ('max_pool3d', [r(2, 4, 4, 5, 2)], dict(pool_size=(2, 2, 2), strides=(2, 2, 2), padding='valid',
                                                data_format=cl)),
        ('avg_pool1d', [r(2, 7, 3)], dict(pool_size=(3,), strides=(2,), padding='same', data_format=cl)),
        ('avg_pool2d', [r(2, 6, 5, 3)], dict(pool_size=(2, 3), strides=(2, 1), padding='valid', data_format=cl)),
    ]


@pytest.mark.parametrize('name, inputs, params', _strict_cases(), ids=[c[0] for c in _strict_cases()])
def test_the_generic_kernels_run_on_array_api_strict(name, inputs, params):
    strict = pytest.importorskip('array_api_strict')
    override = plugins.registry('kernels').get(name + '@numpy')
    out_o, vjp_o = override(*inputs, **params)
    cot = np.random.default_rng(1).standard_normal(out_o.shape)
    grads_o = vjp_o(cot, (True,) * len(inputs))
    with backends.active(backends.ArrayApiStrictBackend()) as backend:
        xs = [backend.asarray(a) for a in inputs]
        out, vjp = plugins.registry('kernels').get(name)(*xs, **params)
        grads = vjp(backend.asarray(cot), (True,) * len(inputs))
        strict_array = type(strict.asarray(0.0))
        assert isinstance(out, strict_array) and all(isinstance(g, strict_array) for g in grads[:len(inputs)])
        np.testing.assert_allclose(backend.to_numpy(out), out_o, rtol=1e-10, atol=1e-10)
        for i, (g, g_o) in enumerate(zip(grads[:len(inputs)], grads_o)):
            np.testing.assert_allclose(backend.to_numpy(g), g_o, rtol=1e-10, atol=1e-10, err_msg='gradient %d' % i)


@pytest.mark.parametrize('name', ['conv2d', 'max_pool2d', 'avg_pool1d', 'conv2d_transpose'])
def test_the_numpy_overrides_fail_on_array_api_strict(name):
    """The negative control of the test above: NumPy-specific code (strided views, ``out=``,
    reused NumPy buffers) does not get through on strict arrays, so passing there means something.
    A NumPy function that converted a strict array silently would still be caught there: its
    NumPy result cannot enter a strict operation (TypeError) nor pass the output type check."""
    pytest.importorskip('array_api_strict')
    inputs, params = next((i, p) for n, i, p in _strict_cases() if n == name)
    with backends.active(backends.ArrayApiStrictBackend()) as backend:
        xs = [backend.asarray(a) for a in inputs]
        with pytest.raises((TypeError, AttributeError, IndexError, ValueError)):
            out, vjp = plugins.registry('kernels').get(name + '@numpy')(*xs, **params)
            vjp(out, (True,) * len(xs))
        with pytest.raises(TypeError):
            backend.xp.add(xs[0], np.ones(xs[0].shape))


def test_public_check_override_takes_a_conv_without_its_optional_bias():
    # the conv kernels return a gradient slot for the bias even when none is passed
    from kcore.testing import check_override
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 5, 5, 3))
    w = rng.standard_normal((3, 3, 3, 4))
    assert check_override('conv2d', 'numpy', inputs=[x, w], params={'strides': (1, 1), 'padding': 'same'})
