"""Every kcore-conv op against the float64 loop references in ``conv_reference.py``.

Hypothesis draws ranks, shapes, strides, paddings, dilations, groups and both
data formats; each op is called through its public ``K`` function where
Keras 2 has one (``K.conv2d``, ``K.pool3d``, ...) and through the N-d op
otherwise (1D/3D transposes, 1D pooling, up-sampling).
"""
import pathlib
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import conv_reference as ref
import kcore.backend as K
from kcore.autodiff.tensor import Tensor
from kcore.backend.device import ACTIVE
from kcore.errors import ShapeError
from kcore_conv import ops

FORMATS = st.sampled_from(['channels_last', 'channels_first'])


def _t(a):
    return Tensor(np.asarray(a, dtype=np.float64))


def _as_format(x_last, data_format):
    return x_last if data_format == 'channels_last' else ref.to_first(x_last)


def _from_format(y, data_format):
    y = np.asarray(y.data)
    return y if data_format == 'channels_last' else ref.to_last(y)


@st.composite
def conv_cases(draw, ranks=(1, 2, 3), grouped=True):
    rank = draw(st.sampled_from(ranks))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(rank))
    strides = tuple(draw(st.integers(1, 3)) for _ in range(rank))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(rank))
    paddings = ['valid', 'same'] + (['causal'] if rank == 1 else [])
    padding = draw(st.sampled_from(paddings))
    spans = [(k - 1) * d + 1 for k, d in zip(kernel, dilation)]
    top = 7 if rank < 3 else 5
    sizes = tuple(draw(st.integers(s if padding == 'valid' else 1, max(s, top))) for s in spans)
    groups = draw(st.integers(1, 2)) if grouped else 1
    cin_g, fout_g = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    batch = draw(st.integers(1, 2))
    seed = draw(st.integers(0, 2 ** 16))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch,) + sizes + (groups * cin_g,))
    w = rng.standard_normal(kernel + (cin_g, groups * fout_g))
    return dict(rank=rank, x=x, w=w, strides=strides, padding=padding, dilation=dilation,
                data_format=draw(FORMATS))


_K_CONV = {1: 'conv1d', 2: 'conv2d', 3: 'conv3d'}


@given(conv_cases())
def test_conv_matches_the_loop_reference(case):
    fn = getattr(K, _K_CONV[case['rank']])
    fmt = case['data_format']
    y = fn(_t(_as_format(case['x'], fmt)), _t(case['w']), strides=case['strides'], padding=case['padding'],
           data_format=fmt, dilation_rate=case['dilation'])
    expected = ref.conv(case['x'], case['w'], case['strides'], case['padding'], case['dilation'])
    assert y.dtype == np.float64
    np.testing.assert_allclose(_from_format(y, fmt), expected, rtol=1e-10, atol=1e-10)


@given(conv_cases(), st.booleans())
def test_conv_with_bias_and_fused_relu_is_relu_of_conv_plus_bias(case, relu):
    fmt = case['data_format']
    b = np.linspace(-1, 1, case['w'].shape[-1])
    y = ops.convolve(_t(_as_format(case['x'], fmt)), _t(case['w']), _t(b), case['strides'], case['padding'], fmt,
                     case['dilation'], activation='relu' if relu else None)
    expected = ref.conv(case['x'], case['w'], case['strides'], case['padding'], case['dilation']) + b
    if relu:
        expected = np.maximum(expected, 0)
    np.testing.assert_allclose(_from_format(y, fmt), expected, rtol=1e-10, atol=1e-10)


@st.composite
def transpose_cases(draw):
    rank = draw(st.sampled_from([1, 2, 3]))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(rank))
    strides = tuple(draw(st.integers(1, 3)) for _ in range(rank))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(rank))
    padding = draw(st.sampled_from(['valid', 'same']))
    sizes = tuple(draw(st.integers(1, 4 if rank < 3 else 3)) for _ in range(rank))
    output_padding = None
    if draw(st.booleans()):
        output_padding = tuple(draw(st.integers(0, s - 1)) for s in strides)
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))
    cin, filters = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    x = rng.standard_normal((draw(st.integers(1, 2)),) + sizes + (cin,))
    w = rng.standard_normal(kernel + (filters, cin))
    return dict(rank=rank, x=x, w=w, strides=strides, padding=padding, dilation=dilation,
                output_padding=output_padding, data_format=draw(FORMATS))


def _transpose_sizes(case):
    try:
        return ops.transpose_output_sizes('test', case['x'].shape[1:-1], case['w'].shape[:case['rank']],
                                          case['padding'], case['output_padding'], case['strides'],
                                          case['dilation'])
    except ShapeError:  # an output_padding Keras would refuse too (e.g. 'same' with an even span)
        return None


@given(transpose_cases())
def test_conv_transpose_matches_the_loop_reference(case):
    out_sizes = _transpose_sizes(case)
    if out_sizes is None:
        return
    fmt = case['data_format']
    x = _t(_as_format(case['x'], fmt))
    if case['rank'] == 2:
        n, filters = case['x'].shape[0], case['w'].shape[-2]
        shape = (n,) + out_sizes + (filters,) if fmt == 'channels_last' else (n, filters) + out_sizes
        y = K.conv2d_transpose(x, _t(case['w']), shape, strides=case['strides'], padding=case['padding'],
                               data_format=fmt, dilation_rate=case['dilation'])
    else:
        y = ops.convolve_transpose(x, _t(case['w']), None, out_sizes, case['strides'], case['padding'], fmt,
                                   case['dilation'])
    expected = ref.conv_transpose(case['x'], case['w'], out_sizes, case['strides'], case['padding'],
                                  case['dilation'])
    np.testing.assert_allclose(_from_format(y, fmt), expected, rtol=1e-10, atol=1e-10)


@given(conv_cases(grouped=False), st.integers(0, 2 ** 16))
def test_conv_transpose_is_the_adjoint_of_conv(case, seed):
    """<conv(x), y> == <x, conv_transpose(y)> for the kernel read the other way round."""
    if case['padding'] == 'causal':
        case['padding'] = 'same'
    x, w, rank = case['x'], case['w'], case['rank']
    y_shape = ref.conv(x, w, case['strides'], case['padding'], case['dilation']).shape
    y = np.random.default_rng(seed).standard_normal(y_shape)
    forward = ops.convolve(_t(x), _t(w), None, case['strides'], case['padding'], 'channels_last', case['dilation'])
    back = ops.convolve_transpose(_t(y), _t(w), None, x.shape[1:-1], case['strides'], case['padding'],
                                  'channels_last', case['dilation'])
    assert back.shape == x.shape
    np.testing.assert_allclose(float((forward.data * y).sum()), float((x * back.data).sum()), rtol=1e-9)
    assert rank == w.ndim - 2


@st.composite
def depthwise_cases(draw):
    case = draw(conv_cases(ranks=(1, 2), grouped=False))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))
    channels, multiplier = draw(st.integers(1, 3)), draw(st.integers(1, 2))
    x = rng.standard_normal(case['x'].shape[:-1] + (channels,))
    case.update(x=x, dw=rng.standard_normal(case['w'].shape[:-2] + (channels, multiplier)),
                pw=rng.standard_normal((1,) * case['rank'] + (channels * multiplier, draw(st.integers(1, 3)))))
    return case


@given(depthwise_cases())
def test_depthwise_conv_matches_the_loop_reference(case):
    fmt = case['data_format']
    args = (case['strides'], case['padding'], fmt, case['dilation'])
    x = _t(_as_format(case['x'], fmt))
    if case['rank'] == 2 and case['padding'] != 'causal':
        y = K.depthwise_conv2d(x, _t(case['dw']), *args)
    else:
        y = ops.depthwise_convolve(x, _t(case['dw']), None, *args)
    expected = ref.depthwise_conv(case['x'], case['dw'], case['strides'], case['padding'], case['dilation'])
    np.testing.assert_allclose(_from_format(y, fmt), expected, rtol=1e-10, atol=1e-10)


@given(depthwise_cases())
def test_separable_conv_matches_the_loop_reference(case):
    fmt = case['data_format']
    args = (case['strides'], case['padding'], fmt, case['dilation'])
    x = _t(_as_format(case['x'], fmt))
    if case['rank'] == 2 and case['padding'] != 'causal':
        y = K.separable_conv2d(x, _t(case['dw']), _t(case['pw']), *args)
    else:
        y = ops.separable_convolve(x, _t(case['dw']), _t(case['pw']), None, *args)
    expected = ref.separable_conv(case['x'], case['dw'], case['pw'], case['strides'], case['padding'],
                                  case['dilation'])
    np.testing.assert_allclose(_from_format(y, fmt), expected, rtol=1e-10, atol=1e-10)


@st.composite
def pool_cases(draw):
    rank = draw(st.sampled_from([1, 2, 3]))
    pool_size = tuple(draw(st.integers(1, 3)) for _ in range(rank))
    strides = tuple(draw(st.integers(1, 3)) for _ in range(rank))
    padding = draw(st.sampled_from(['valid', 'same']))
    sizes = tuple(draw(st.integers(k if padding == 'valid' else 1, 6 if rank < 3 else 4)) for k in pool_size)
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))
    x = rng.standard_normal((draw(st.integers(1, 2)),) + sizes + (draw(st.integers(1, 3)),))
    return dict(rank=rank, x=x, pool_size=pool_size, strides=strides, padding=padding,
                mode=draw(st.sampled_from(['max', 'avg'])), data_format=draw(FORMATS))


@given(pool_cases())
def test_pooling_matches_the_loop_reference(case):
    fmt = case['data_format']
    x = _t(_as_format(case['x'], fmt))
    args = (case['pool_size'], case['strides'], case['padding'], fmt, case['mode'])
    fn = {2: K.pool2d, 3: K.pool3d}.get(case['rank'], ops.pool)
    y = fn(x, *args)
    expected = ref.pool(case['x'], case['pool_size'], case['strides'], case['padding'], case['mode'])
    np.testing.assert_allclose(_from_format(y, fmt), expected, rtol=1e-12, atol=1e-12)


@given(rank=st.sampled_from([1, 2, 3]), data=st.data(), fmt=FORMATS,
       interpolation=st.sampled_from(['nearest', 'bilinear']))
def test_upsampling_matches_the_loop_reference(rank, data, fmt, interpolation):
    sizes = tuple(data.draw(st.integers(1, 4)) for _ in range(rank))
    size = tuple(data.draw(st.integers(1, 3)) for _ in range(rank))
    x = np.random.default_rng(data.draw(st.integers(0, 99))).standard_normal((2,) + sizes + (2,))
    y = ops.upsample(_t(_as_format(x, fmt)), size, fmt, interpolation)
    np.testing.assert_allclose(_from_format(y, fmt), ref.upsample(x, size, interpolation), rtol=1e-12, atol=1e-12)


def test_bilinear_upsampling_uses_half_pixel_centres():
    """tf.image.resize([0, 1], 4, 'bilinear') is [0, 0.25, 0.75, 1]."""
    x = _t(np.array([0.0, 1.0]).reshape(1, 1, 2, 1))
    y = ops.upsample(x, (1, 2), 'channels_last', 'bilinear')
    np.testing.assert_allclose(y.data.ravel(), [0, 0.25, 0.75, 1])


def test_float32_in_float32_out_for_every_kernel():
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((2, 6, 6, 4)).astype(np.float32))
    w = Tensor(rng.standard_normal((3, 3, 2, 4)).astype(np.float32))
    dw = Tensor(rng.standard_normal((3, 3, 4, 2)).astype(np.float32))
    pw = Tensor(rng.standard_normal((1, 1, 8, 3)).astype(np.float32))
    outs = [K.conv2d(x, w, padding='same'), K.conv2d_transpose(x, w, (2, 13, 13, 2), strides=2),
            K.depthwise_conv2d(x, dw), K.separable_conv2d(x, dw, pw), K.pool2d(x, 2, pool_mode='avg'),
            K.pool2d(x, 3, padding='same'), ops.upsample(x, 2, interpolation='bilinear'), ops.upsample(x, 3)]
    assert [o.dtype for o in outs] == [np.float32] * len(outs)


def test_non_contiguous_inputs_give_the_same_result():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 7, 6, 3))
    w = rng.standard_normal((2, 3, 3, 4))
    strided = np.empty((2, 14, 6, 3))
    strided[:, ::2] = x
    expected = K.conv2d(_t(x), _t(w), strides=(2, 1), padding='same').data
    np.testing.assert_allclose(K.conv2d(Tensor(strided[:, ::2]), _t(w), strides=(2, 1), padding='same').data,
                               expected)
    np.testing.assert_allclose(K.conv2d(Tensor(np.asfortranarray(x)), _t(w), strides=(2, 1), padding='same').data,
                               expected)


def test_chunking_does_not_change_results(monkeypatch):
    """Large inputs are cut into batch chunks or row bands; the result must not depend on it."""
    from kcore_conv import windows
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((3, 9, 8, 2)), rng.standard_normal((3, 2, 2, 3))
    expected = ref.conv(x, w, (2, 1), 'same', (1, 2))
    g = rng.standard_normal(expected.shape)
    results = []
    for budget in (1, 200, 2 ** 20):  # row bands of one row, a few rows, whole batches
        monkeypatch.setattr(windows, 'CHUNK_BYTES', budget)
        out, vjp = ACTIVE.kernels['conv2d'](x, w, None, strides=(2, 1), padding='same', dilation_rate=(1, 2))
        results.append((out,) + vjp(g, (True, True))[:2])
    for out, gx, gw in results:
        np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(gx, results[-1][1], rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(gw, results[-1][2], rtol=1e-10, atol=1e-10)


def test_ops_dispatch_through_the_kernel_table_so_backends_can_override(monkeypatch):
    calls = []
    generic = ACTIVE.kernels['conv2d']

    def override(*arrays, **params):
        calls.append(params)
        return generic(*arrays, **params)
    monkeypatch.setitem(ACTIVE.kernels, 'conv2d', override)
    K.conv2d(_t(np.ones((1, 3, 3, 1))), _t(np.ones((2, 2, 1, 1))))
    assert calls and calls[0]['padding'] == 'valid'


def test_no_add_at_in_the_kernels():
    """The issue forbids ``np.add.at`` in the hot path: col2im is slice-adds per kernel offset."""
    root = pathlib.Path(ops.__file__).parent
    for path in root.rglob('*.py'):
        assert not re.search(r'\badd\.at\(', path.read_text()), path


@pytest.mark.parametrize('call, message', [
    (lambda: K.conv2d(_t(np.ones((1, 4, 4))), _t(np.ones((2, 2, 1, 1)))), r'K\.conv2d: x must have rank 4'),
    (lambda: K.conv2d(_t(np.ones((1, 4, 4, 3))), _t(np.ones((2, 2, 2, 1)))), r'3 channels.*Received: x.shape'),
    (lambda: K.conv2d(_t(np.ones((1, 2, 2, 1))), _t(np.ones((3, 3, 1, 1)))), r'too small.*Received'),
    (lambda: K.conv2d(_t(np.ones((1, 4, 4, 1))), _t(np.ones((2, 2, 1, 1))), strides=0), r'strides must be >= 1'),
    (lambda: K.conv2d(_t(np.ones((1, 4, 4, 1))), _t(np.ones((2, 2, 1, 1))), padding='causal'),
     r'only for 1D'),
    (lambda: K.pool2d(_t(np.ones((1, 4, 4, 1))), 2, pool_mode='min'), r"pool_mode must be 'max' or 'avg'"),
    (lambda: ops.upsample(_t(np.ones((2, 3))), 2), r'upsampling: x must have rank 3, 4 or 5'),
    (lambda: K.conv2d_transpose(_t(np.ones((1, 3, 3, 2))), _t(np.ones((3, 3, 4, 2))), (1, 9, 9, 4), strides=2),
     r'cannot come from a transposed convolution'),
    (lambda: K.depthwise_conv2d(_t(np.ones((1, 4, 4, 3))), _t(np.ones((2, 2, 2, 1)))), r'depthwise_kernel.shape'),
])
def test_bad_arguments_get_a_clear_error(call, message):
    with pytest.raises((ValueError, ShapeError), match=message):
        call()


@pytest.mark.parametrize('padding, dilation, relu, fmt', [
    ('same', 1, True, 'channels_last'), ('valid', 1, False, 'channels_last'), ('same', 2, False, 'channels_first'),
    ('causal', 1, True, 'channels_last'), ('causal', 3, False, 'channels_last'), ('same', 1, False, 'channels_first'),
])
def test_stride_one_input_gradient_by_correlation_matches_the_col2im_route(monkeypatch, padding, dilation, relu, fmt):
    """At stride 1 the input gradient is the forward routine on the padded output gradient with the
    flipped kernel; the general route (GEMM per offset + col2im) must give the same values."""
    from kcore_conv.kernels import convolution
    rng = np.random.default_rng(3)
    rank = 1 if padding == 'causal' else 2
    spatial = (9,) if rank == 1 else (7, 6)
    x = rng.standard_normal((3,) + spatial + (4,)).astype(np.float64)
    if fmt == 'channels_first':
        x = np.ascontiguousarray(np.moveaxis(x, -1, 1))
    w = rng.standard_normal((3,) * rank + (4, 3))  # no more filters than input channels: the route applies
    b = rng.standard_normal(3)
    kernel = ACTIVE.kernels['conv%dd' % rank]
    args = dict(padding=padding, dilation_rate=(dilation,) * rank, data_format=fmt,
                activation='relu' if relu else None)
    out, vjp = kernel(x, w, b, **args)
    g = rng.standard_normal(out.shape)
    fast = vjp(g, (True, True, True))
    assert convolution._full_correlation_pads((3,) * rank, (1,) * rank, (dilation,) * rank,
                                              [(0, 0)] * rank, 1, 4, 4) is not None
    monkeypatch.setattr(convolution, '_full_correlation_pads', lambda *a: None)
    out2, vjp2 = kernel(x, w, b, **args)
    general = vjp2(g, (True, True, True))
    np.testing.assert_array_equal(out, out2)
    for a, c in zip(fast, general):
        np.testing.assert_allclose(a, c, rtol=1e-12, atol=1e-12)


def test_padding_fills_the_borders_of_a_reused_dirty_buffer(monkeypatch):
    from kcore.training import heap
    from kcore_conv import buffers, windows
    monkeypatch.setattr(heap, '_applied', False)  # the buffer cache in use
    buffers.clear()
    x = np.ones((4, 300, 250, 3), np.float32)  # padded: above buffers.MIN_BYTES
    dirty = buffers.empty((4, 303, 253, 3), np.float32)
    dirty[...] = 7
    del dirty
    out = windows.pad_spatial(x, [(1, 2), (2, 1)])
    assert out.shape == (4, 303, 253, 3)
    assert out.sum() == x.sum() and out[:, 1:301, 2:252].all()
    assert not out[:, :1].any() and not out[:, 301:].any() and not out[:, :, :2].any() and not out[:, :, 252:].any()
    buffers.clear()


def test_the_correlation_route_is_kept_to_stride_one_without_more_filters_than_inputs():
    from kcore_conv.kernels.convolution import _full_correlation_pads
    same = [(1, 1), (1, 1)]
    assert _full_correlation_pads((3, 3), (1, 1), (1, 1), same, 1, 32, 32) == [(1, 1), (1, 1)]
    assert _full_correlation_pads((3, 3), (1, 1), (1, 1), [(0, 0)] * 2, 1, 32, 16) == [(2, 2), (2, 2)]
    assert _full_correlation_pads((3, 3), (1, 1), (1, 1), same, 1, 32, 64) is None  # larger gradient
    assert _full_correlation_pads((3, 3), (2, 1), (1, 1), same, 1, 32, 32) is None  # strided
    assert _full_correlation_pads((3, 3), (1, 1), (1, 1), same, 2, 32, 32) is None  # grouped
