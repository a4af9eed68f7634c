"""Convolution kernels (array level): N-d, grouped, strided, dilated, and their
transposed, depthwise and separable forms.

Layouts are Keras's: inputs ``(batch, *spatial, channels)`` (or channels first),
kernels ``(*kernel_size, in_channels // groups, filters)``; a transposed
convolution's kernel is ``(*kernel_size, filters, in_channels)``, a depthwise
kernel ``(*kernel_size, in_channels, depth_multiplier)``.  Groups are implied by
the shapes (``in_channels // kernel.shape[-2]``), as in TensorFlow.

Three array routines do all the work, each chunked over the batch:
``_correlate`` (im2col + one GEMM per group), ``_correlate_adjoint`` (GEMM +
col2im) and ``_weight_gradient`` (im2col + GEMM).  A convolution's backward
pass is the adjoint and the weight gradient; a transposed convolution is the
same three used the other way round.
"""
import math

from kcore.backend.device import ACTIVE
from kcore_conv import geometry
from kcore_conv.windows import (batch_chunks, crop_spatial, from_channels_last, pad_spatial,
                                scatter_windows, to_channels_last, window_view)


# -- the three array routines -------------------------------------------------------
def _grouped_weights(w, groups):
    """``(*k, cin_g, cout)`` to ``(groups, k * cin_g, cout // groups)`` (a view when possible)."""
    cout = w.shape[-1]
    return w.reshape(-1, groups, cout // groups).transpose(1, 0, 2)


def _ungrouped_weights(gw, w_shape):
    return gw.transpose(1, 0, 2).reshape(w_shape)


def _correlate(xpad, wg, kernel, strides, dilation, out_sizes):
    """``out[n, o, :] = sum over window(o) of xpad * w``: ``(n, *out_sizes, cout)``."""
    xp = ACTIVE.xp
    groups, depth, cout_g = wg.shape
    batch = xpad.shape[0]
    rows = math.prod(out_sizes)
    out = xp.empty((batch,) + tuple(out_sizes) + (groups * cout_g,), dtype=xpad.dtype)
    for sl in batch_chunks(batch, rows * groups * depth * xpad.itemsize):
        cols = _cols(xpad[sl], kernel, strides, dilation, out_sizes, groups)
        target = out[sl].reshape(-1, groups * cout_g)
        if groups == 1:
            xp.matmul(cols[0], wg[0], out=target)
        else:
            target.reshape(-1, groups, cout_g)[...] = xp.matmul(cols, wg).transpose(1, 0, 2)
    return out


def _cols(x, kernel, strides, dilation, out_sizes, groups):
    view = window_view(x, kernel, strides, dilation, out_sizes)
    c = view.shape[-1]
    rows = view.shape[0] * math.prod(out_sizes)
    if groups == 1:
        return view.reshape(1, rows, -1)
    v = view.reshape(view.shape[:-1] + (groups, c // groups))
    return ACTIVE.xp.moveaxis(v, -2, 0).reshape(groups, rows, -1)


def _grouped_rows(g, groups):
    """``(n, *out, cout)`` to ``(groups, rows, cout // groups)`` (a view)."""
    cout = g.shape[-1]
    return g.reshape(-1, groups, cout // groups).transpose(1, 0, 2)


def _correlate_adjoint(g, wg, kernel, strides, dilation, target_sizes, in_channels):
    """The adjoint of ``_correlate`` with respect to its input: ``(n, *target_sizes, cin)``.

    Each chunk's window gradients (``g @ w.T``) are added back with ``scatter_windows``.
    """
    xp = ACTIVE.xp
    groups, depth, cout_g = wg.shape
    batch = g.shape[0]
    rank = len(kernel)
    out_sizes = g.shape[1:1 + rank]
    rows = math.prod(out_sizes)
    cin_g = in_channels // groups
    target = xp.zeros((batch,) + tuple(target_sizes) + (groups, cin_g), dtype=g.dtype)
    wt = wg.transpose(0, 2, 1)
    for sl in batch_chunks(batch, rows * groups * depth * g.itemsize):
        gcols = xp.matmul(_grouped_rows(g[sl], groups), wt)  # (groups, rows, k * cin_g)
        n = sl.stop - sl.start
        gcols = gcols.reshape((groups, n) + tuple(out_sizes) + tuple(kernel) + (cin_g,))
        scatter_windows(target[sl], xp.moveaxis(gcols, 0, -2), strides, dilation)
    return target.reshape(target.shape[:-2] + (in_channels,))


def _weight_gradient(xpad, g, kernel, strides, dilation, groups):
    """``d out / d w`` contracted with ``g``: ``(groups, k * cin_g, cout_g)``."""
    xp = ACTIVE.xp
    rank = len(kernel)
    out_sizes = g.shape[1:1 + rank]
    rows = math.prod(out_sizes)
    depth = math.prod(kernel) * xpad.shape[-1] // groups
    total = None
    for sl in batch_chunks(xpad.shape[0], rows * groups * depth * xpad.itemsize):
        cols = _cols(xpad[sl], kernel, strides, dilation, out_sizes, groups)
        part = xp.matmul(cols.transpose(0, 2, 1), _grouped_rows(g[sl], groups))
        if total is None:
            total = part
        else:
            total += part
    return total


# -- kernels ----------------------------------------------------------------------------
def _plan(in_sizes, kernel, strides, padding, dilation):
    pads = [geometry.padding_amounts(n, k, padding, s, d)
            for n, k, s, d in zip(in_sizes, kernel, strides, dilation)]
    out = tuple(geometry.output_length(n, k, padding, s, d)
                for n, k, s, d in zip(in_sizes, kernel, strides, dilation))
    return pads, out


def conv(x, w, b=None, strides=None, padding='valid', dilation_rate=None,
         data_format='channels_last', activation=None):
    """N-d convolution (cross-correlation, as in every DL framework), optional bias and
    fused ReLU (``activation='relu'``: one pass over the output fewer, forward and back)."""
    xp = ACTIVE.xp
    rank = w.ndim - 2
    strides = strides or (1,) * rank
    dilation = dilation_rate or (1,) * rank
    kernel = w.shape[:rank]
    xl = to_channels_last(x, data_format)
    in_channels = xl.shape[-1]
    groups = in_channels // w.shape[-2]
    in_sizes = xl.shape[1:-1]
    pads, out_sizes = _plan(in_sizes, kernel, strides, padding, dilation)
    xpad = pad_spatial(xl, pads)
    wg = _grouped_weights(w, groups)
    out = _correlate(xpad, wg, kernel, strides, dilation, out_sizes)
    if b is not None:
        out += b
    if activation == 'relu':
        xp.maximum(out, 0, out=out)

    def vjp(gy, needs):
        g = to_channels_last(gy, data_format)
        if activation == 'relu':
            g = g * (out > 0)
        gx = gw = gb = None
        if needs[0]:
            gpad = _correlate_adjoint(g, wg, kernel, strides, dilation, xpad.shape[1:-1], in_channels)
            gx = from_channels_last(crop_spatial(gpad, pads, in_sizes), data_format)
        if needs[1]:
            gw = _ungrouped_weights(_weight_gradient(xpad, g, kernel, strides, dilation, groups), w.shape)
        if b is not None and needs[2]:
            gb = g.reshape(-1, g.shape[-1]).sum(axis=0)
        return gx, gw, gb
    return from_channels_last(out, data_format), vjp


def conv_transpose(x, w, b=None, output_sizes=None, strides=None, padding='valid', dilation_rate=None,
                   data_format='channels_last'):
    """N-d transposed convolution: the adjoint of ``conv`` (TensorFlow's ``conv_transpose``).

    ``w`` is ``(*kernel_size, filters, in_channels)``; ``output_sizes`` are the
    spatial sizes of the result (they fix the cropping of 'same' padding and the
    output padding).
    """
    xp = ACTIVE.xp
    rank = w.ndim - 2
    strides = strides or (1,) * rank
    dilation = dilation_rate or (1,) * rank
    kernel = w.shape[:rank]
    filters, in_channels = w.shape[-2], w.shape[-1]
    xl = to_channels_last(x, data_format)
    in_sizes = xl.shape[1:-1]
    starts = [geometry.transpose_crop(n, o, k, padding, s, d)
              for n, o, k, s, d in zip(in_sizes, output_sizes, kernel, strides, dilation)]
    full = [(n - 1) * s + geometry.effective_size(k, d)
            for n, k, s, d in zip(in_sizes, kernel, strides, dilation)]
    buf_sizes = tuple(max(f, a + o) for f, a, o in zip(full, starts, output_sizes))
    crops = [(a, bs - a - o) for a, bs, o in zip(starts, buf_sizes, output_sizes)]
    wg = w.reshape(1, -1, in_channels)  # the forward convolution's weights, filters -> in_channels
    buf = _correlate_adjoint(xl, wg, kernel, strides, dilation, buf_sizes, filters)
    out = crop_spatial(buf, crops, output_sizes)
    if out is not buf:
        out = xp.ascontiguousarray(out)
    if b is not None:
        out += b

    def vjp(gy, needs):
        g = to_channels_last(gy, data_format)
        gbuf = pad_spatial(g, crops)
        gx = gw = gb = None
        if needs[0]:
            gx = from_channels_last(_correlate(gbuf, wg, kernel, strides, dilation, in_sizes), data_format)
        if needs[1]:
            gw = _weight_gradient(gbuf, xl, kernel, strides, dilation, 1).reshape(w.shape)
        if b is not None and needs[2]:
            gb = g.reshape(-1, g.shape[-1]).sum(axis=0)
        return gx, gw, gb
    return from_channels_last(out, data_format), vjp


def depthwise_conv(x, w, b=None, strides=None, padding='valid', dilation_rate=None,
                   data_format='channels_last', activation=None):
    """Each input channel convolved with its own ``depth_multiplier`` filters: a grouped
    convolution with ``groups = in_channels``; output channel ``c * multiplier + m``."""
    rank = w.ndim - 2
    channels, multiplier = w.shape[-2], w.shape[-1]
    w_grouped = w.reshape(w.shape[:rank] + (1, channels * multiplier))
    out, inner = conv(x, w_grouped, b, strides, padding, dilation_rate, data_format, activation)

    def vjp(g, needs):
        gx, gw, gb = inner(g, needs)
        return gx, None if gw is None else gw.reshape(w.shape), gb
    return out, vjp


def separable_conv(x, dw, pw, b=None, strides=None, padding='valid', dilation_rate=None,
                   data_format='channels_last', activation=None):
    """A depthwise convolution followed by a pointwise (1x1) one, as one node."""
    rank = dw.ndim - 2
    mid, depthwise_vjp = depthwise_conv(x, dw, None, strides, padding, dilation_rate, data_format)
    out, pointwise_vjp = conv(mid, pw, b, (1,) * rank, 'valid', (1,) * rank, data_format, activation)

    def vjp(g, needs):
        gmid, gpw, gb = pointwise_vjp(g, (needs[0] or needs[1], needs[2], b is not None and needs[3]))
        gx = gdw = None
        if needs[0] or needs[1]:
            gx, gdw, _ = depthwise_vjp(gmid, (needs[0], needs[1], False))
        return gx, gdw, gpw, gb
    return out, vjp
