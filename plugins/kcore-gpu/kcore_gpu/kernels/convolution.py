"""Convolutions on the GPU: im2col and col2im RawKernels around cuBLAS GEMMs (``matmul``).

N-d up to 3 (lower ranks are sizes of 1 to the kernels), strides, dilation,
groups, 'valid'/'same'/'causal' padding, both data formats (channels first is
transposed to channels last and back), a fused bias + ReLU epilogue; the
transposed convolution is the adjoint (GEMM then col2im); a depthwise
convolution is the grouped one with one input channel per group.  Geometry
(paddings, output sizes, transposed crops) comes from kcore-conv, whose generic
kernels these replace, so both agree on every shape.
"""
import math

import numpy as np

from kcore.runtime.device import ACTIVE
from kcore_gpu.launch import i32, i64, run
from kcore_gpu.overrides import dense_floats, override

GEOMETRY = np.dtype([('batch', np.int64)] + [(n, np.int32) for n in (
    'D', 'H', 'W', 'OD', 'OH', 'OW', 'KD', 'KH', 'KW', 'SD', 'SH', 'SW', 'DD', 'DH', 'DW',
    'PD', 'PH', 'PW', 'groups', 'cg')], align=True)


def _three(values, fill):
    return (fill,) * (3 - len(values)) + tuple(int(v) for v in values)


def geometry_struct(batch, in_sizes, out_sizes, kernel, strides, dilation, pads_before, groups, cg):
    """The ``Geom`` struct of conv.cu: a one-element NumPy array of a structured dtype with
    the C layout, which CuPy passes to a kernel by value (as CuPy's custom-struct example)."""
    values = ((int(batch),) + _three(in_sizes, 1) + _three(out_sizes, 1) + _three(kernel, 1)
              + _three(strides, 1) + _three(dilation, 1) + _three(pads_before, 0) + (int(groups), int(cg)))
    return np.array([values], dtype=GEOMETRY)


def to_last(x, data_format):
    """``x`` channels last and C-contiguous."""
    if data_format == 'channels_first':
        x = ACTIVE.xp.moveaxis(x, 1, -1)
    return ACTIVE.xp.ascontiguousarray(x)


def from_last(x, data_format):
    """A channels-last ``x`` back in ``data_format``."""
    if data_format == 'channels_first':
        return ACTIVE.xp.ascontiguousarray(ACTIVE.xp.moveaxis(x, -1, 1))
    return x


def im2col(xl, geom, groups, rows, depth):
    """``(groups, rows, depth)`` columns of the channels-last ``xl``."""
    cols = ACTIVE.xp.empty((groups, rows, depth), dtype=xl.dtype)
    run('conv', 'im2col', xl.dtype, cols.size, xl, cols, i64(cols.size), geom)
    return cols


def col2im(cols, geom, shape):
    """The adjoint of ``im2col``: an array of ``shape`` (channels last)."""
    out = ACTIVE.xp.empty(shape, dtype=cols.dtype)
    run('conv', 'col2im', cols.dtype, out.size, ACTIVE.xp.ascontiguousarray(cols), out, i64(out.size), geom)
    return out


def _epilogue(out, b, relu):
    if b is None and not relu:
        return
    run('conv', 'bias_act', out.dtype, out.size, out, out if b is None else b, i64(out.size),
        i64(out.shape[-1]), i32(b is not None), i32(bool(relu)))


def _relu_mask(g, out):
    gx = ACTIVE.xp.empty_like(out)
    run('activations', 'relu_backward', out.dtype, out.size, g, out, gx, i64(out.size))
    return gx


def _conv_ok(x, w, b=None, strides=None, padding='valid', dilation_rate=None, data_format='channels_last',
             activation=None):
    return (dense_floats(x, w, b) and 1 <= w.ndim - 2 <= 3 and x.ndim == w.ndim and activation in (None, 'relu')
            and padding in ('valid', 'same', 'causal') and data_format in ('channels_last', 'channels_first'))


def _convolve(x, w, b, strides, padding, dilation_rate, data_format, activation):
    from kcore_conv.kernels.common import plan_windows
    xp = ACTIVE.xp
    rank = w.ndim - 2
    strides = tuple(strides or (1,) * rank)
    dilation = tuple(dilation_rate or (1,) * rank)
    kernel = tuple(w.shape[:rank])
    xl = to_last(x, data_format)
    n, in_sizes, cin = xl.shape[0], xl.shape[1:-1], xl.shape[-1]
    cg, cout = w.shape[-2], w.shape[-1]
    groups = cin // cg
    pads, out_sizes = plan_windows(in_sizes, kernel, strides, padding, dilation)
    geom = geometry_struct(n, in_sizes, out_sizes, kernel, strides, dilation, [a for a, _ in pads], groups, cg)
    k = math.prod(kernel)
    rows = n * math.prod(out_sizes)
    wg = w.reshape(k * cg, groups, cout // groups).transpose(1, 0, 2)
    pointwise = groups == 1 and k == 1 and all(s == 1 for s in strides) and not any(a or c for a, c in pads)

    def columns():
        return xl.reshape(1, rows, cin) if pointwise else im2col(xl, geom, groups, rows, k * cg)

    prod = xp.matmul(columns(), wg)  # (groups, rows, cout // groups)
    out_shape = (n,) + tuple(out_sizes) + (cout,)
    out = prod.reshape(out_shape) if groups == 1 else xp.ascontiguousarray(prod.transpose(1, 0, 2)).reshape(out_shape)
    _epilogue(out, b, activation == 'relu')

    def vjp(gy, needs):
        g = to_last(gy, data_format)
        if activation == 'relu':
            g = _relu_mask(g, out)
        grows = g.reshape(rows, groups, cout // groups).transpose(1, 0, 2)
        gx = gw = gb = None
        if needs[0]:
            gcols = xp.matmul(grows, wg.transpose(0, 2, 1))
            gx = gcols.reshape(xl.shape) if pointwise else col2im(gcols, geom, xl.shape)
            gx = from_last(gx, data_format)
        if needs[1]:
            gw = xp.matmul(columns().transpose(0, 2, 1), grows).transpose(1, 0, 2).reshape(w.shape)
        if b is not None and len(needs) > 2 and needs[2]:
            gb = g.reshape(-1, cout).sum(axis=0)
        return gx, gw, gb
    return from_last(out, data_format), vjp


def _register_convs():
    for r in (1, 2, 3):
        override('conv%dd' % r, _conv_ok)(conv)
        override('conv%dd_transpose' % r, _transpose_ok)(conv_transpose)
    for r in (1, 2):
        override('depthwise_conv%dd' % r, _conv_ok)(depthwise_conv)


def conv(x, w, b=None, strides=None, padding='valid', dilation_rate=None, data_format='channels_last',
         activation=None):
    """N-d (grouped) convolution as im2col + one batched GEMM per call, fused bias/ReLU."""
    return _convolve(x, w, b, strides, padding, dilation_rate, data_format, activation)


def depthwise_conv(x, w, b=None, strides=None, padding='valid', dilation_rate=None, data_format='channels_last',
                   activation=None):
    """Depthwise convolution: kernel ``(*k, channels, multiplier)`` as a grouped convolution
    with one input channel per group (output channel ``c * multiplier + m``, as Keras)."""
    rank = w.ndim - 2
    grouped = w.reshape(w.shape[:rank] + (1, w.shape[-2] * w.shape[-1]))
    out, inner = _convolve(x, grouped, b, strides, padding, dilation_rate, data_format, activation)

    def vjp(g, needs):
        gx, gw, gb = inner(g, needs)
        return gx, None if gw is None else gw.reshape(w.shape), gb
    return out, vjp


def _transpose_ok(x, w, b=None, output_sizes=None, strides=None, padding='valid', dilation_rate=None,
                  data_format='channels_last'):
    return (dense_floats(x, w, b) and 1 <= w.ndim - 2 <= 3 and x.ndim == w.ndim and output_sizes is not None
            and padding in ('valid', 'same') and data_format in ('channels_last', 'channels_first'))


def conv_transpose(x, w, b=None, output_sizes=None, strides=None, padding='valid', dilation_rate=None,
                   data_format='channels_last'):
    """Transposed convolution, the adjoint of ``conv``: one GEMM then col2im (kernel
    ``(*k, filters, in_channels)``); its gradients are im2col and GEMMs."""
    from kcore_conv import geometry
    xp = ACTIVE.xp
    rank = w.ndim - 2
    strides = tuple(strides or (1,) * rank)
    dilation = tuple(dilation_rate or (1,) * rank)
    kernel = tuple(w.shape[:rank])
    filters, cin = w.shape[-2], w.shape[-1]
    xl = to_last(x, data_format)
    n, in_sizes = xl.shape[0], xl.shape[1:-1]
    output_sizes = tuple(int(o) for o in output_sizes)
    starts = [geometry.transpose_crop(i, o, k, padding, s, d)
              for i, o, k, s, d in zip(in_sizes, output_sizes, kernel, strides, dilation)]
    # the convolution this is the adjoint of reads the output (padded by ``starts``) and
    # writes an array of x's spatial sizes
    geom = geometry_struct(n, output_sizes, in_sizes, kernel, strides, dilation, starts, 1, filters)
    k = math.prod(kernel)
    rows = n * math.prod(in_sizes)
    w2 = w.reshape(k * filters, cin)
    x2 = xl.reshape(rows, cin)
    out = col2im(xp.matmul(x2, w2.T).reshape(1, rows, k * filters), geom, (n,) + output_sizes + (filters,))
    _epilogue(out, b, False)

    def vjp(gy, needs):
        g = to_last(gy, data_format)
        cols = im2col(g, geom, 1, rows, k * filters)[0]
        gx = gw = gb = None
        if needs[0]:
            gx = from_last(xp.matmul(cols, w2).reshape(xl.shape), data_format)
        if needs[1]:
            gw = xp.matmul(cols.T, x2).reshape(w.shape)
        if b is not None and len(needs) > 2 and needs[2]:
            gb = g.reshape(-1, filters).sum(axis=0)
        return gx, gw, gb
    return from_last(out, data_format), vjp


def available():
    """Whether kcore-conv (the generic kernels and their geometry) is installed."""
    import importlib.util
    return importlib.util.find_spec('kcore_conv') is not None


if available():
    _register_convs()
