"""Batch normalisation over every axis but the last (channels-last BatchNormalization), fused.

Why: the generic kernel (``normalization.normalize_moments``) makes a full-size
temporary per element-wise step (``x - mean``, its square, ``xhat``, ``xhat *
gamma``, ...) and keeps ``xhat`` for the backward pass; on a conv layer's
activations (several MiB) each of those is a trip to memory.  Here the
activations are a ``(rows, channels)`` matrix walked in fixed chunks of rows
that stay in the CPU cache:

- forward: one read pass for the mean, one for the centred variance (two-pass,
  so a large mean does not cancel), one pass ``y = (x - mean) * scale + beta``;
- backward: one read pass of ``x`` and ``gy`` for the two reductions
  (``sum gy`` and ``sum gy * xhat``), one pass writing ``gx``; ``xhat`` is
  recomputed from ``x`` in cache rather than stored (one activation-sized array
  less alive between forward and backward).

Partial sums are taken per chunk and added in chunk order, in float64; the
chunks depend only on the shape, so results are the same for any thread count.
"""
import numpy as np

from kcore.runtime.device import ACTIVE

#: elements per chunk: 64 Ki float32 (256 KiB) rows of x plus a temporary stay in L2
CHUNK_ELEMENTS = 1 << 16


def fused_path_applies(x, gamma, beta, axes):
    """Whether the fused path handles this call: NumPy, C-contiguous ``x``, statistics over
    every axis but the last, parameters ``None`` or one per channel."""
    if ACTIVE.xp is not np or not isinstance(x, np.ndarray) or x.ndim < 2 or not x.flags.c_contiguous:
        return False
    if tuple(axes) != tuple(range(x.ndim - 1)):
        return False
    channels = x.shape[-1]
    return all(p is None or (isinstance(p, np.ndarray) and p.size == channels and p.shape[-1] == channels)
               for p in (gamma, beta))


def _chunks(rows, channels):
    step = max(1, CHUNK_ELEMENTS // max(1, channels))
    return [slice(i, min(i + step, rows)) for i in range(0, rows, step)]


def _column_sums(parts, channels):
    """Chunk partial sums added in order, in float64."""
    total = np.zeros(channels, np.float64)
    for p in parts:
        total += p
    return total


def channel_moments(x, gamma, beta, epsilon):
    """``((x - mean) / sqrt(var + epsilon)) * gamma + beta``, statistics per channel (last axis).

    Returns ``((y, mean, var), vjp)`` like ``normalize_moments``: ``mean`` and
    ``var`` kept-dims, without gradient.
    """
    channels = x.shape[-1]
    x2 = x.reshape(-1, channels)
    rows = x2.shape[0]
    dtype = x.dtype
    parts = _chunks(rows, channels)
    ones = np.ones(parts[0].stop, dtype)  # column sums of a chunk as one matrix-vector product
    tmp = np.empty((parts[0].stop, channels), dtype)

    def column_sum(block):
        return ones[:block.shape[0]] @ block

    def centred_squares(c):
        d = tmp[:c.stop - c.start]
        np.subtract(x2[c], mean, out=d)
        np.multiply(d, d, out=d)
        return column_sum(d)
    mean64 = _column_sums((column_sum(x2[c]) for c in parts), channels) / rows
    mean = mean64.astype(dtype)
    var64 = _column_sums((centred_squares(c) for c in parts), channels) / rows
    inv64 = 1.0 / np.sqrt(var64 + epsilon)
    g = None if gamma is None else gamma.reshape(channels).astype(np.float64)
    scale64 = inv64 if g is None else inv64 * g
    shift64 = -mean64 * scale64
    if beta is not None:
        shift64 += beta.reshape(channels)
    scale, shift = scale64.astype(dtype), shift64.astype(dtype)
    y = np.empty_like(x2)
    for c in parts:
        np.multiply(x2[c], scale, out=y[c])
        y[c] += shift

    def vjp(grads, needs):
        gy = grads[0]
        if gy is None:
            return None, None, None
        gy2 = np.ascontiguousarray(gy).reshape(-1, channels)

        def reductions(c):
            d = tmp[:c.stop - c.start]
            np.multiply(gy2[c], x2[c], out=d)
            return column_sum(gy2[c]), column_sum(d)
        sums = [reductions(c) for c in parts]
        sum_gy = _column_sums((s[0] for s in sums), channels)
        # sum(gy * xhat) = (sum(gy * x) - mean * sum(gy)) / sqrt(var + eps)
        sum_gy_xhat = (_column_sums((s[1] for s in sums), channels) - mean64 * sum_gy) * inv64
        gx = gg = gb = None
        if needs[2] and beta is not None:
            gb = sum_gy.astype(beta.dtype).reshape(beta.shape)
        if needs[1] and gamma is not None:
            gg = sum_gy_xhat.astype(gamma.dtype).reshape(gamma.shape)
        if needs[0]:
            # gx = k * (gy - xhat * mean(gy * xhat) - mean(gy)), k = gamma / sqrt(var + eps),
            # as gy * k + x * along + offset
            along64 = -scale64 * inv64 * sum_gy_xhat / rows
            offset64 = -along64 * mean64 - scale64 * sum_gy / rows
            k, along, offset = scale, along64.astype(dtype), offset64.astype(dtype)
            gx2 = np.empty_like(x2)
            for c in parts:
                d, out = tmp[:c.stop - c.start], gx2[c]
                np.multiply(x2[c], along, out=d)
                np.multiply(gy2[c], k, out=out)
                out += d
                out += offset
            gx = gx2.reshape(x.shape)
        return gx, gg, gb

    keep = (1,) * (x.ndim - 1) + (channels,)
    return (y.reshape(x.shape), mean.reshape(keep), var64.astype(dtype).reshape(keep)), vjp
