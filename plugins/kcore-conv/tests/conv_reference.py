"""Plain float64 loop implementations, written from the definitions, to test the kernels against.

Nothing here is shared with kcore_conv: the padding rules are restated from
TensorFlow's documentation, and every output element is computed by looping
over its window.  Inputs are channels-last; ``to_last``/``to_first`` convert.
Slow on purpose; use small shapes.
"""
import itertools
import math

import numpy as np


def to_last(x):
    return np.moveaxis(x, 1, -1)


def to_first(x):
    return np.moveaxis(x, -1, 1)


def same_padding(size, window, stride, dilation=1):
    """TensorFlow 'SAME': ceil(size / stride) outputs, the extra padding at the end."""
    span = (window - 1) * dilation + 1
    out = -(-size // stride)
    total = max((out - 1) * stride + span - size, 0)
    return total // 2, total - total // 2


def paddings(sizes, windows, strides, dilations, padding):
    if padding == 'valid':
        return [(0, 0)] * len(sizes)
    if padding == 'causal':
        return [((w - 1) * d, 0) for w, d in zip(windows, dilations)]
    return [same_padding(n, w, s, d) for n, w, s, d in zip(sizes, windows, strides, dilations)]


def out_size(size, window, stride, dilation, before, after):
    span = (window - 1) * dilation + 1
    return (size + before + after - span) // stride + 1


def conv(x, w, strides, padding, dilation):
    """``y[n, o, f] = sum_{k, c} xpad[n, o * s + k * d, g(f) * cg + c] * w[k, c, f]``."""
    rank = x.ndim - 2
    n, sizes, channels = x.shape[0], x.shape[1:-1], x.shape[-1]
    windows, cin_g, filters = w.shape[:rank], w.shape[-2], w.shape[-1]
    groups = channels // cin_g
    pads = paddings(sizes, windows, strides, dilation, padding)
    xpad = np.pad(x, [(0, 0)] + pads + [(0, 0)])
    outs = [out_size(s, k, st, d, a, b) for s, k, st, d, (a, b) in zip(sizes, windows, strides, dilation, pads)]
    y = np.zeros((n,) + tuple(outs) + (filters,))
    per_group = filters // groups
    for b in range(n):
        for o in itertools.product(*(range(m) for m in outs)):
            for f in range(filters):
                g = f // per_group
                total = 0.0
                for k in itertools.product(*(range(m) for m in windows)):
                    pos = tuple(oi * si + ki * di for oi, si, ki, di in zip(o, strides, k, dilation))
                    for c in range(cin_g):
                        total += xpad[(b,) + pos + (g * cin_g + c,)] * w[k + (c, f)]
                y[(b,) + o + (f,)] = total
    return y


def conv_transpose(x, w, out_sizes, strides, padding, dilation):
    """Each input position spreads ``x[n, i, c] * w[k, f, c]`` to output ``i * s + k * d - before``,
    where ``before`` is the padding a convolution of ``out_sizes`` inputs would use."""
    rank = x.ndim - 2
    n, sizes = x.shape[0], x.shape[1:-1]
    windows, filters, channels = w.shape[:rank], w.shape[-2], w.shape[-1]
    before = [0 if padding == 'valid' else max((i - 1) * s + (k - 1) * d + 1 - o, 0) // 2
              for i, o, k, s, d in zip(sizes, out_sizes, windows, strides, dilation)]
    y = np.zeros((n,) + tuple(out_sizes) + (filters,))
    for b in range(n):
        for i in itertools.product(*(range(m) for m in sizes)):
            for k in itertools.product(*(range(m) for m in windows)):
                pos = tuple(ii * si + ki * di - bi for ii, si, ki, di, bi in zip(i, strides, k, dilation, before))
                if all(0 <= p < o for p, o in zip(pos, out_sizes)):
                    for f in range(filters):
                        for c in range(channels):
                            y[(b,) + pos + (f,)] += x[(b,) + i + (c,)] * w[k + (f, c)]
    return y


def depthwise_conv(x, w, strides, padding, dilation):
    """Channel ``c`` convolved with ``w[..., c, m]`` gives output channel ``c * multiplier + m``."""
    rank = x.ndim - 2
    channels, multiplier = w.shape[-2:]
    outs = []
    for c in range(channels):
        outs.append(conv(x[..., c:c + 1], w[..., c:c + 1, :], strides, padding, dilation))
    y = np.stack(outs, axis=-2)  # (..., channels, multiplier)
    return y.reshape(y.shape[:rank + 1] + (channels * multiplier,))


def separable_conv(x, dw, pw, strides, padding, dilation):
    mid = depthwise_conv(x, dw, strides, padding, dilation)
    rank = x.ndim - 2
    return conv(mid, pw, (1,) * rank, 'valid', (1,) * rank)


def pool(x, pool_size, strides, padding, mode):
    """Max or mean over each window's real inputs (padding is never part of a window's values)."""
    rank = x.ndim - 2
    n, sizes, channels = x.shape[0], x.shape[1:-1], x.shape[-1]
    pads = paddings(sizes, pool_size, strides, (1,) * rank, padding)
    outs = [out_size(s, k, st, 1, a, b) for s, k, st, (a, b) in zip(sizes, pool_size, strides, pads)]
    y = np.zeros((n,) + tuple(outs) + (channels,))
    for b in range(n):
        for o in itertools.product(*(range(m) for m in outs)):
            for c in range(channels):
                values = []
                for k in itertools.product(*(range(m) for m in pool_size)):
                    pos = tuple(oi * si + ki - pa for oi, si, ki, (pa, _) in zip(o, strides, k, pads))
                    if all(0 <= p < s for p, s in zip(pos, sizes)):
                        values.append(x[(b,) + pos + (c,)])
                y[(b,) + o + (c,)] = max(values) if mode == 'max' else sum(values) / len(values)
    return y


def upsample(x, size, interpolation):
    """Nearest: output ``i`` copies input ``i // size``.  Bilinear (per axis): output ``i``
    samples the input at ``(i + 0.5) / size - 0.5``, clamped to the edges (tf.image.resize)."""
    rank = x.ndim - 2
    sizes = x.shape[1:-1]
    outs = [n * f for n, f in zip(sizes, size)]
    y = np.zeros((x.shape[0],) + tuple(outs) + (x.shape[-1],))
    for o in itertools.product(*(range(m) for m in outs)):
        if interpolation == 'nearest':
            y[(slice(None),) + o] = x[(slice(None),) + tuple(oi // f for oi, f in zip(o, size))]
            continue
        taps = []
        for oi, f, n in zip(o, size, sizes):
            src = min(max((oi + 0.5) / f - 0.5, 0.0), n - 1)
            low = int(math.floor(src))
            high = min(low + 1, n - 1)
            taps.append(((low, 1 - (src - low)), (high, src - low)))
        for choice in itertools.product(*taps):
            weight = np.prod([t[1] for t in choice])
            y[(slice(None),) + o] += weight * x[(slice(None),) + tuple(t[0] for t in choice)]
    assert y.ndim == rank + 2
    return y
