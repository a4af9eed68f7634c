"""The generic convolution kernels: device-neutral, registered without a backend suffix.

Each is a whole-batch im2col plus one ``xp.matmul`` (batched over groups),
written only against the active array module, so a backend whose ``xp`` is
CuPy (or any array-API namespace) runs them unchanged: no conversion to
NumPy, no reading of values on the host, no loop over the batch.  The NumPy
backend replaces them with the cache-chunked, threaded kernels of
``convolution``, ``depthwise`` and ``pool`` (registered as ``conv2d@numpy``
and so on); the two must agree, which the tests check.

Shapes and arguments are those of ``kcore_conv.kernels`` (channels last
inside; groups implied by ``in_channels // kernel.shape[-2]``):

- forward: ``y[g] = cols[g] @ w[g]`` with ``cols`` ``(groups, rows, taps * cin_g)``;
- input gradient: ``gy[g] @ w[g].T``, added back into the windows (col2im);
- weight gradient: ``cols[g].T @ gy[g]`` (im2col again rather than keeping ``cols``).

A transposed convolution is the adjoint: col2im forward, im2col backward.
"""
import math

from kcore.backend.device import ACTIVE
from kcore_conv import geometry
from kcore_conv.kernels.common import plan_windows, separable
from kcore_conv.kernels.generic_windows import col2im, crop, im2col, pad
from kcore_conv.windows import from_channels_last, to_channels_last


def _swap_last(a):
    return ACTIVE.xp.moveaxis(a, -1, -2)


def _grouped_cols(cols, groups):
    """im2col's ``(n, *out, taps, cin)`` to ``(groups, rows, taps * cin_g)``."""
    xp = ACTIVE.xp
    taps, cin = cols.shape[-2:]
    rows = math.prod(cols.shape[:-2])
    split = xp.reshape(cols, (rows, taps, groups, cin // groups))
    return xp.reshape(xp.moveaxis(split, 2, 0), (groups, rows, taps * (cin // groups)))


def _ungrouped_cols(gcols, lead, taps):
    """The inverse of ``_grouped_cols``: ``(groups, rows, taps * cin_g)`` to ``(*lead, taps, cin)``."""
    xp = ACTIVE.xp
    groups, rows = gcols.shape[:2]
    split = xp.reshape(gcols, (groups, rows, taps, gcols.shape[-1] // taps))
    return xp.reshape(xp.moveaxis(split, 0, -2), tuple(lead) + (taps, groups * split.shape[-1]))


def _by_group(a, groups):
    """The last axis split into ``groups``, the groups first: weights ``(*k, cin_g, cout)`` become
    ``(groups, taps * cin_g, cout_g)``, outputs ``(n, *out, cout)`` become ``(groups, rows, cout_g)``."""
    xp = ACTIVE.xp
    cout = a.shape[-1]
    return xp.moveaxis(xp.reshape(a, (-1, groups, cout // groups)), 1, 0)


def _from_groups(g, lead):
    """The inverse of ``_by_group``: ``(groups, rows, cout_g)`` to ``(*lead, groups * cout_g)``."""
    xp = ACTIVE.xp
    groups, _, cout_g = g.shape
    return xp.reshape(xp.moveaxis(g, 0, 1), tuple(lead) + (groups * cout_g,))


def _relu_mask(g, out):
    """``g`` where the fused ReLU let its input through, 0 elsewhere."""
    xp = ACTIVE.xp
    return xp.where(out > 0, g, xp.zeros_like(g))


def _sum_rows(g):
    """The bias gradient: ``g`` summed over every axis but the channels."""
    return ACTIVE.xp.sum(g, axis=tuple(range(g.ndim - 1)))


def _kernel_geometry(w, strides, dilation_rate):
    """``(rank, strides, dilation, kernel, taps)`` of a kernel ``(*k, ., .)``: strides and
    dilation default to 1 on every spatial axis; ``taps`` is the number of kernel offsets."""
    rank = w.ndim - 2
    kernel = w.shape[:rank]
    return rank, strides or (1,) * rank, dilation_rate or (1,) * rank, kernel, math.prod(kernel)


def conv(x, w, b=None, strides=None, padding='valid', dilation_rate=None,
         data_format='channels_last', activation=None):
    """N-d convolution (cross-correlation), grouped, strided and dilated, with an optional
    bias and ReLU (``activation='relu'``): one im2col and one batched matmul."""
    xp = ACTIVE.xp
    rank, strides, dilation, kernel, taps = _kernel_geometry(w, strides, dilation_rate)
    xl = to_channels_last(x, data_format)
    in_sizes = xl.shape[1:-1]
    groups = xl.shape[-1] // w.shape[-2]
    pads, out_sizes = plan_windows(in_sizes, kernel, strides, padding, dilation)
    lead = (xl.shape[0],) + tuple(out_sizes)
    xpad = pad(xl, pads)
    wg = _by_group(w, groups)
    out = _from_groups(xp.matmul(_grouped_cols(im2col(xpad, kernel, strides, dilation, out_sizes), groups), wg),
                          lead)
    if b is not None:
        out = out + b
    if activation == 'relu':
        out = xp.maximum(out, xp.zeros_like(out))

    def vjp(gy, needs):
        g = to_channels_last(gy, data_format)
        if activation == 'relu':
            g = _relu_mask(g, out)
        rows = _by_group(g, groups)
        gx = gw = gb = None
        if needs[0]:
            cols = _ungrouped_cols(xp.matmul(rows, _swap_last(wg)), lead, taps)
            gpad = col2im(cols, xpad.shape[1:-1], kernel, strides, dilation)
            gx = from_channels_last(crop(gpad, pads, in_sizes), data_format)
        if needs[1]:
            cols = _grouped_cols(im2col(xpad, kernel, strides, dilation, out_sizes), groups)
            gw = _from_groups(xp.matmul(_swap_last(cols), rows), w.shape[:-1])
        if b is not None and needs[2]:
            gb = _sum_rows(g)
        return gx, gw, gb
    return from_channels_last(out, data_format), vjp


def depthwise_conv(x, w, b=None, strides=None, padding='valid', dilation_rate=None,
                   data_format='channels_last', activation=None):
    """Depthwise convolution, kernel ``(*k, in_channels, multiplier)``: the grouped ``conv``
    with one group per input channel (one batched matmul over the channels)."""
    xp = ACTIVE.xp
    rank = w.ndim - 2
    channels, multiplier = w.shape[-2:]
    grouped = xp.reshape(w, tuple(w.shape[:rank]) + (1, channels * multiplier))
    out, inner = conv(x, grouped, b, strides, padding, dilation_rate, data_format, activation)

    def vjp(g, needs):
        gx, gw, gb = inner(g, needs)
        return gx, None if gw is None else xp.reshape(gw, w.shape), gb
    return out, vjp


def conv_transpose(x, w, b=None, output_sizes=None, strides=None, padding='valid', dilation_rate=None,
                   data_format='channels_last'):
    """N-d transposed convolution (the adjoint of ``conv``), ``w`` ``(*k, filters, in_channels)``:
    one matmul to every window's values, then col2im; ``output_sizes`` fix the cropping."""
    xp = ACTIVE.xp
    rank, strides, dilation, kernel, taps = _kernel_geometry(w, strides, dilation_rate)
    filters, cin = w.shape[-2:]
    xl = to_channels_last(x, data_format)
    in_sizes = xl.shape[1:-1]
    starts = [geometry.transpose_crop(n, o, k, padding, s, d)
              for n, o, k, s, d in zip(in_sizes, output_sizes, kernel, strides, dilation)]
    full = [(n - 1) * s + geometry.effective_size(k, d) for n, k, s, d in zip(in_sizes, kernel, strides, dilation)]
    buf_sizes = tuple(max(f, a + o) for f, a, o in zip(full, starts, output_sizes))
    crops = [(a, bs - a - o) for a, bs, o in zip(starts, buf_sizes, output_sizes)]
    lead = tuple(xl.shape[:-1])
    wt = xp.reshape(w, (taps * filters, cin))
    x_rows = xp.reshape(xl, (-1, cin))
    cols = xp.reshape(xp.matmul(x_rows, _swap_last(wt)), lead + (taps, filters))
    out = crop(col2im(cols, buf_sizes, kernel, strides, dilation), crops, output_sizes)
    if b is not None:
        out = out + b

    def vjp(gy, needs):
        g = to_channels_last(gy, data_format)
        gx = gw = gb = None
        if needs[0] or needs[1]:
            gcols = xp.reshape(im2col(pad(g, crops), kernel, strides, dilation, in_sizes), (-1, taps * filters))
            if needs[0]:
                gx = from_channels_last(xp.reshape(xp.matmul(gcols, wt), lead + (cin,)), data_format)
            if needs[1]:
                gw = xp.reshape(xp.matmul(_swap_last(gcols), x_rows), w.shape)
        if b is not None and needs[2]:
            gb = _sum_rows(g)
        return gx, gw, gb
    return from_channels_last(out, data_format), vjp


separable_conv = separable(depthwise_conv, conv)
