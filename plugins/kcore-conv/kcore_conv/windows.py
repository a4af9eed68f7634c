"""Sliding windows as strided views (im2col) and their adjoint (col2im), N-d.

Kernels work in one canonical layout, channels last: ``(batch, *spatial,
channels)``.  ``window_view`` exposes every window without copying, so a
convolution is one copy (``reshape`` of the view) and one matrix product;
``scatter_windows`` adds window-shaped values back with one strided slice-add
per kernel offset (``kh * kw`` vectorised adds, never a per-element loop or
``add.at``).  Large batches are processed in chunks so the im2col buffer stays
bounded (``CHUNK_BYTES``), which keeps peak memory near the activations' size.
"""
import itertools

from kcore.backend.device import ACTIVE

#: upper bound on the bytes of one im2col buffer; batches are split to fit
CHUNK_BYTES = 24 * 2 ** 20


def to_channels_last(x, data_format):
    """A channels-last view of ``x`` (no copy)."""
    if data_format == 'channels_first':
        return ACTIVE.xp.moveaxis(x, 1, -1)
    return x


def from_channels_last(x, data_format):
    if data_format == 'channels_first':
        return ACTIVE.xp.moveaxis(x, -1, 1)
    return x


def pad_spatial(x, pads, value=0):
    """Pad the spatial axes of a channels-last array; ``pads`` is ``[(before, after), ...]``."""
    if not any(a or b for a, b in pads):
        return x
    xp = ACTIVE.xp
    width = ((0, 0),) + tuple(pads) + ((0, 0),)
    return xp.pad(x, width, mode='constant', constant_values=value)


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
    return itertools.product(*(range(k) for k in kernel))


def scatter_windows(target, cols, strides, dilation):
    """Add ``cols`` ``(n, *out, *kernel, ...)`` into ``target`` ``(n, *spatial, ...)`` (col2im).

    One slice-add per kernel offset; overlapping windows accumulate.  The
    trailing (channel) axes may be several, e.g. ``(groups, channels)``.
    """
    rank = len(strides)
    out_sizes = cols.shape[1:1 + rank]
    kernel = cols.shape[1 + rank:1 + 2 * rank]
    lead = (slice(None),) * (1 + rank)
    for offset in kernel_offsets(kernel):
        target[window_slice(offset, strides, dilation, out_sizes)] += cols[lead + offset]
    return target


def batch_chunks(batch, bytes_per_sample):
    """Slices of the batch axis whose im2col buffers stay under ``CHUNK_BYTES``."""
    step = max(1, min(batch, CHUNK_BYTES // max(1, bytes_per_sample)))
    return [slice(i, min(i + step, batch)) for i in range(0, batch, step)]
