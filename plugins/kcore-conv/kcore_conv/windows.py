"""Sliding windows as strided views (im2col) and their adjoint (col2im), N-d.

Kernels work in one canonical layout, channels last: ``(batch, *spatial,
channels)``.  ``window_view`` exposes every window without copying, so a
convolution is one copy (``reshape`` of the view) and one matrix product;
``scatter_windows`` adds window-shaped values back with one strided slice-add
per kernel offset (``kh * kw`` vectorised adds, never a per-element loop or
``add.at``).  Work is done in chunks (``chunks``) whose buffers stay in
cache, which is faster than whole-batch buffers and keeps peak memory near
the activations' size.
"""
import itertools
import math

from kcore.backend.device import ACTIVE
from kcore_conv import buffers

#: about the bytes of one im2col buffer: small enough to stay in a core's cache, so the
#: copy and the matrix product that reads it do not go to memory (2 MiB was fastest for
#: the benchmark CNN; 0.5 and 8 MiB were 10-25% slower)
CHUNK_BYTES = 2 * 2 ** 20


def to_channels_last(x, data_format):
    """A channels-last view of ``x`` (no copy)."""
    if data_format == 'channels_first':
        return ACTIVE.xp.moveaxis(x, 1, -1)
    return x


def from_channels_last(x, data_format):
    """Move the channels axis back to position 1 for ``'channels_first'``."""
    if data_format == 'channels_first':
        return ACTIVE.xp.moveaxis(x, -1, 1)
    return x


def pad_spatial(x, pads, value=0):
    """Pad the spatial axes of a channels-last array; ``pads`` is ``[(before, after), ...]``."""
    if not any(a or b for a, b in pads):
        return x
    out, inner = padded_buffer(x.shape, pads, x.dtype, value)
    inner[...] = x
    return out


def padded_buffer(shape, pads, dtype, value=0):
    """``(buffer, interior view)``: a (reused) buffer for a channels-last array of ``shape``
    padded by ``pads``, its borders set to ``value`` and its interior left for the caller."""
    sizes = shape[1:-1]
    out = buffers.empty((shape[0],) + tuple(n + a + b for n, (a, b) in zip(sizes, pads)) + tuple(shape[-1:]), dtype)
    inner = [slice(a, a + n) for (a, _), n in zip(pads, sizes)]
    for d, ((a, b), n) in enumerate(zip(pads, sizes)):  # only the borders are filled
        lead = (slice(None),) + tuple(inner[:d])
        out[lead + (slice(0, a),)] = value
        out[lead + (slice(a + n, a + n + b),)] = value
    return out, out[(slice(None),) + tuple(inner)]


def crop_spatial(x, pads, sizes):
    """The inverse of ``pad_spatial``: ``sizes`` positions starting at each ``before``."""
    if not any(a or b for a, b in pads):
        return x
    return x[(slice(None),) + tuple(slice(a, a + n) for (a, _), n in zip(pads, sizes))]


def window_view(x, kernel, strides, dilation, out_sizes):
    """``(n, *spatial, c)`` to a ``(n, *out_sizes, *kernel, c)`` view: every window, no copy."""
    s = x.strides
    rank = len(kernel)
    shape = (x.shape[0],) + tuple(out_sizes) + tuple(kernel) + (x.shape[-1],)
    steps = ((s[0],) + tuple(s[1 + d] * strides[d] for d in range(rank))
             + tuple(s[1 + d] * dilation[d] for d in range(rank)) + (s[-1],))
    return ACTIVE.xp.lib.stride_tricks.as_strided(x, shape, steps)


def window_slice(offset, strides, dilation, out_sizes):
    """The index of the inputs that kernel position ``offset`` sees, over all windows."""
    return (slice(None),) + tuple(
        slice(o * d, o * d + s * (n - 1) + 1, s)
        for o, s, d, n in zip(offset, strides, dilation, out_sizes))


def kernel_offsets(kernel):
    """Every offset inside a kernel window, as tuples of ints."""
    return itertools.product(*(range(k) for k in kernel))


def scatter_windows(target, cols, kernel, strides, dilation):
    """Add offset-major ``cols`` ``(prod(kernel), n, *out, ...)`` into ``target``
    ``(n, *spatial, ...)`` (col2im): ``cols[i]`` holds what kernel offset ``i`` saw.

    One slice-add per kernel offset, overlapping windows accumulate.  With the
    offset axis first, each add runs over long contiguous rows (whole output
    rows of channels), not over one window's channels at a time.
    """
    out_sizes = cols.shape[2:2 + len(kernel)]
    for i, offset in enumerate(kernel_offsets(kernel)):
        target[window_slice(offset, strides, dilation, out_sizes)] += cols[i]
    return target


def chunks(batch, out_sizes, bytes_per_position):
    """``(batch slice, slice of the first output axis)`` pairs covering all windows, each
    with an im2col buffer of at most about ``CHUNK_BYTES`` (so it stays in cache).

    Small samples are grouped; a large one is cut into bands of output rows.
    """
    per_sample = max(1, bytes_per_position * math.prod(out_sizes))
    if per_sample <= CHUNK_BYTES or not out_sizes:
        step = max(1, CHUNK_BYTES // per_sample)
        return [(slice(i, min(i + step, batch)), slice(None)) for i in range(0, batch, step)]
    first = out_sizes[0]
    step = max(1, CHUNK_BYTES // (per_sample // first))
    return [(slice(n, n + 1), slice(r, min(r + step, first)))
            for n in range(batch) for r in range(0, first, step)]
