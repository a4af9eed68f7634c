"""The NumPy backend's convolution kernels (``conv2d@numpy`` and so on): N-d, grouped,
strided, dilated, and their transposed, depthwise and separable forms.

They override the device-neutral ``generic_conv`` kernels on the CPU, where
strided views, reused buffers, cache-sized chunks and threads make a training
step of the benchmark CNNs 2-3 times as fast (one thread, ``bench_conv_kernels.py``);
their results are the generic kernels' (tested).

Layouts are Keras's: inputs ``(batch, *spatial, channels)`` (or channels first),
kernels ``(*kernel_size, in_channels // groups, filters)``; a transposed
convolution's kernel is ``(*kernel_size, filters, in_channels)``, a depthwise
kernel ``(*kernel_size, in_channels, depth_multiplier)``.  Groups are implied by
the shapes (``in_channels // kernel.shape[-2]``), as in TensorFlow.

Two array routines do all the work, chunk by chunk so that buffers stay in
cache: ``_correlate`` (im2col + one GEMM per group) and ``_correlate_backward``
(its input gradient by GEMM + col2im, its weight gradient by im2col + GEMM).
A transposed convolution is the same two used the other way round.
"""
import math

from kcore.backend.device import ACTIVE
from kcore_conv import buffers, geometry, parallel
from kcore_conv.kernels.common import bias_relu_epilogue, plan_windows, separable
from kcore_conv.kernels.depthwise import depthwise_conv
from kcore_conv.windows import (chunks, crop_spatial, from_channels_last, pad_spatial, padded_buffer,
                                scatter_windows, to_channels_last, window_view)


# -- the two array routines ---------------------------------------------------------
def _grouped_weights(w, groups):
    """``(*k, cin_g, cout)`` to ``(groups, k * cin_g, cout // groups)`` (a view when possible)."""
    cout = w.shape[-1]
    return w.reshape(-1, groups, cout // groups).transpose(1, 0, 2)


def _ungrouped_weights(gw, w_shape):
    return gw.transpose(1, 0, 2).reshape(w_shape)


def _offset_weights(w, groups):
    """``(*k, cin_g, cout)`` to ``(k, groups, cout // groups, cin_g)``: per kernel offset and
    group, the matrix that maps output gradients back to input gradients."""
    k = math.prod(w.shape[:-2])
    cin_g, cout = w.shape[-2:]
    return w.reshape(k, cin_g, groups, cout // groups).transpose(0, 2, 3, 1)


def _grouped_rows(g, groups):
    """``(n, *out, cout)`` to ``(groups, rows, cout // groups)`` (a view when ``g`` is contiguous)."""
    cout = g.shape[-1]
    return g.reshape(-1, groups, cout // groups).transpose(1, 0, 2)


def _im2col(view, groups):
    """A chunk of a window view ``(n, *out, *k, c)`` as ``(groups, rows, k * cin_g)``: the
    im2col copy, into this thread's scratch buffer."""
    rank = (view.ndim - 2) // 2
    rows = view.shape[0] * math.prod(view.shape[1:1 + rank])
    if groups == 1 and view.flags.c_contiguous:  # 1x1 windows at stride 1: nothing to copy
        return view.reshape(1, rows, -1)
    if groups > 1:
        c = view.shape[-1]
        view = ACTIVE.xp.moveaxis(view.reshape(view.shape[:-1] + (groups, c // groups)), -2, 0)
    cols = parallel.scratch('im2col', view.shape, view.dtype)
    ACTIVE.xp.copyto(cols, view)
    return cols.reshape(groups, rows, -1)


def _correlate(xpad, wg, kernel, strides, dilation, out_sizes, epilogue=None):
    """``out[n, o, :] = sum over window(o) of xpad * w``: ``(n, *out_sizes, cout)``.

    ``epilogue(block)`` (bias, ReLU) runs in place on each output block while it is in cache.
    """
    xp = ACTIVE.xp
    groups, depth, cout_g = wg.shape
    out = buffers.empty((xpad.shape[0],) + tuple(out_sizes) + (groups * cout_g,), xpad.dtype)
    view = window_view(xpad, kernel, strides, dilation, out_sizes)

    def work(chunk, _):
        cols = _im2col(view[chunk], groups)
        block = out[chunk].reshape(-1, groups * cout_g)
        if groups == 1:
            xp.matmul(cols[0], wg[0], out=block)
        else:
            block.reshape(-1, groups, cout_g)[...] = xp.matmul(cols, wg).transpose(1, 0, 2)
        if epilogue is not None:
            epilogue(block)
    parallel.fold(chunks(xpad.shape[0], out_sizes, groups * depth * xpad.itemsize), work, (xpad,))
    return out


def _correlate_backward(g, w, kernel, strides, dilation, groups, input_sizes=None, x=None, relu_out=None,
                        bias=False):
    """The gradients of ``_correlate`` for output gradients ``g``, chunk by chunk (in cache).

    Returns ``(input gradient, weight gradient, bias gradient)``, each ``None``
    unless asked for: the input gradient ``(n, *input_sizes, cin)`` when
    ``input_sizes`` is given (one matrix product per kernel offset, then
    col2im); the weight gradient ``(groups, k * cin_g, cout_g)`` when the
    padded input ``x`` is given (im2col, then a matrix product); the bias
    gradient ``(cout,)`` when ``bias``.  ``relu_out`` (the output of a fused
    ReLU) masks ``g`` first.  Chunks of different samples run in parallel;
    the row bands of one sample (whose windows overlap) run in order.
    """
    xp = ACTIVE.xp
    rank = len(kernel)
    cin_g, cout = w.shape[-2:]
    out_sizes = g.shape[1:1 + rank]
    gx = None
    if input_sizes is not None:
        w_off = _offset_weights(w, groups)
        gx = buffers.empty((g.shape[0],) + tuple(input_sizes) + (groups, cin_g), g.dtype)
    view = None if x is None else window_view(x, kernel, strides, dilation, out_sizes)

    def work(sample_chunks, acc):
        gw, gb = acc or (None, None)
        for chunk in sample_chunks:
            block = g[chunk]
            if relu_out is not None:
                mask = parallel.scratch('relu_mask', block.shape, bool)
                xp.greater(relu_out[chunk], 0, out=mask)
                block = xp.multiply(block, mask, out=parallel.scratch('masked_grad', block.shape, block.dtype))
            if gx is not None:
                batch, band = chunk
                rows = _grouped_rows(block, groups)
                gcols = parallel.scratch('gcols', w_off.shape[:2] + rows.shape[1:2] + (cin_g,), g.dtype)
                xp.matmul(rows, w_off, out=gcols)  # (k, groups, rows, cin_g)
                gcols = xp.moveaxis(gcols, 1, -2).reshape(gcols.shape[:1] + block.shape[:-1] + (groups, cin_g))
                start = 0 if band.start is None else band.start * strides[0]
                if not band.start:  # zeroed here, in cache, by the thread that adds into it
                    gx[batch] = 0
                scatter_windows(gx[batch, start:], gcols, kernel, strides, dilation)
            if view is not None:
                cols = _im2col(view[chunk], groups)
                gw = _accumulate(gw, xp.matmul(cols.transpose(0, 2, 1), _grouped_rows(block, groups)))
            if bias:
                gb = _accumulate(gb, block.reshape(-1, cout).sum(axis=0))
        return gw, gb

    plan = chunks(g.shape[0], out_sizes, math.prod(kernel) * groups * cin_g * g.itemsize)
    partials = [p for p in parallel.fold(_by_sample(plan), work, (g,) if x is None else (g, x)) if p]
    gw = _sum(p[0] for p in partials)
    gb = _sum(p[1] for p in partials) if bias else None
    if gx is not None:
        gx = gx.reshape(gx.shape[:-2] + (groups * cin_g,))
    return gx, gw, gb


def _by_sample(plan):
    """Chunks grouped so that row bands of one sample stay together (their windows overlap)."""
    groups = []
    for chunk in plan:
        if groups and chunk[1].start not in (None, 0):
            groups[-1].append(chunk)
        else:
            groups.append([chunk])
    return groups


def _sum(parts):
    total = None
    for p in parts:
        if p is not None:
            total = _accumulate(total, p)
    return total


def _accumulate(total, part):
    if total is None:
        return part
    total += part
    return total


# -- kernels ----------------------------------------------------------------------------
def conv(x, w, b=None, strides=None, padding='valid', dilation_rate=None,
         data_format='channels_last', activation=None):
    """N-d convolution (cross-correlation, as in every DL framework), optional bias and
    fused ReLU (``activation='relu'``: one pass over the output fewer, forward and back)."""
    rank = w.ndim - 2
    strides = strides or (1,) * rank
    dilation = dilation_rate or (1,) * rank
    kernel = w.shape[:rank]
    xl = to_channels_last(x, data_format)
    in_channels = xl.shape[-1]
    groups = in_channels // w.shape[-2]
    if groups > 1 and w.shape[-2] == 1:  # one input channel per group: a depthwise convolution
        return _as_depthwise(x, w, b, strides, padding, dilation, data_format, activation)
    in_sizes = xl.shape[1:-1]
    pads, out_sizes = plan_windows(in_sizes, kernel, strides, padding, dilation)
    # the padded copy lives only while a kernel reads it (in a reused buffer): the backward
    # pass pads again rather than keeping a second, larger copy of every input until then
    out = _correlate(pad_spatial(xl, pads), _grouped_weights(w, groups), kernel, strides, dilation, out_sizes,
                     bias_relu_epilogue(b, activation))
    padded_sizes = tuple(n + a + c for n, (a, c) in zip(in_sizes, pads))
    gpads = _full_correlation_pads(kernel, strides, dilation, pads, groups, in_channels, w.shape[-1])

    def vjp(gy, needs):
        g = to_channels_last(gy, data_format)
        relu_out = out if activation == 'relu' else None
        by_correlation = needs[0] and gpads is not None
        gpad, gw, gb = _correlate_backward(
            g, w, kernel, strides, dilation, groups,
            input_sizes=padded_sizes if needs[0] and not by_correlation else None,
            x=pad_spatial(xl, pads) if needs[1] else None, relu_out=relu_out, bias=b is not None and needs[2])
        if by_correlation:
            gx = from_channels_last(_input_gradient_by_correlation(g, relu_out, w, kernel, dilation, gpads, in_sizes),
                                    data_format)
        else:
            gx = None if gpad is None else from_channels_last(crop_spatial(gpad, pads, in_sizes), data_format)
        return gx, None if gw is None else _ungrouped_weights(gw, w.shape), gb
    return from_channels_last(out, data_format), vjp


def _full_correlation_pads(kernel, strides, dilation, pads, groups, in_channels, filters):
    """For an ungrouped convolution at stride 1, the padding of the output gradient that turns
    the input gradient into a plain correlation with the flipped kernel (``None`` otherwise).

    Only where the output has no more channels than the input: the padded output gradient
    is then no larger than the input, so the route costs no more memory than col2im's."""
    if groups != 1 or any(s != 1 for s in strides) or filters > in_channels:
        return None
    out = [((k - 1) * d - a, (k - 1) * d - b) for k, d, (a, b) in zip(kernel, dilation, pads)]
    return out if all(a >= 0 and b >= 0 for a, b in out) else None


def _input_gradient_by_correlation(g, relu_out, w, kernel, dilation, gpads, in_sizes):
    """The input gradient of a stride-1 convolution as the forward routine computes outputs:
    the (ReLU-masked) output gradient, padded, correlated with the flipped, transposed
    kernel.  One im2col GEMM of depth ``k * cout`` per chunk, instead of ``k`` thin GEMMs
    and ``k`` slice-adds (col2im); the result has the input's size, nothing to crop."""
    xp = ACTIVE.xp
    rank = len(kernel)
    flipped = xp.ascontiguousarray(xp.swapaxes(w[(slice(None, None, -1),) * rank], -1, -2))  # (*k, cout, cin)
    gpad, inner = padded_buffer(g.shape, gpads, g.dtype)
    if relu_out is None:
        inner[...] = g
    else:
        xp.multiply(g, relu_out > 0, out=inner)
    return _correlate(gpad, _grouped_weights(flipped, 1), kernel, (1,) * rank, dilation, in_sizes)


def _as_depthwise(x, w, b, strides, padding, dilation, data_format, activation):
    in_channels = x.shape[1 if data_format == 'channels_first' else -1]
    w_depthwise = w.reshape(w.shape[:-2] + (in_channels, w.shape[-1] // in_channels))
    out, inner = depthwise_conv(x, w_depthwise, b, strides, padding, dilation, data_format, activation)

    def vjp(g, needs):
        gx, gw, gb = inner(g, needs)
        return gx, None if gw is None else gw.reshape(w.shape), gb
    return out, vjp


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
    xl = to_channels_last(x, data_format)
    in_sizes = xl.shape[1:-1]
    starts = [geometry.transpose_crop(n, o, k, padding, s, d)
              for n, o, k, s, d in zip(in_sizes, output_sizes, kernel, strides, dilation)]
    full = [(n - 1) * s + geometry.effective_size(k, d)
            for n, k, s, d in zip(in_sizes, kernel, strides, dilation)]
    buf_sizes = tuple(max(f, a + o) for f, a, o in zip(full, starts, output_sizes))
    crops = [(a, bs - a - o) for a, bs, o in zip(starts, buf_sizes, output_sizes)]
    # w is also the kernel of the forward convolution (filters -> in_channels) this is the adjoint of
    buf = _correlate_backward(xl, w, kernel, strides, dilation, 1, input_sizes=buf_sizes)[0]
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
            gx = _correlate(gbuf, _grouped_weights(w, 1), kernel, strides, dilation, in_sizes)
            gx = from_channels_last(gx, data_format)
        if needs[1]:
            gw = _correlate_backward(xl, w, kernel, strides, dilation, 1, x=gbuf)[1].reshape(w.shape)
        if b is not None and needs[2]:
            gb = g.reshape(-1, g.shape[-1]).sum(axis=0)
        return gx, gw, gb
    return from_channels_last(out, data_format), vjp


separable_conv = separable(depthwise_conv, conv)
