"""Sliding windows for the generic kernels, written only against the active array module.

The NumPy kernels reach windows through strided views and reused buffers
(``kcore_conv.windows``); nothing here does: padding is a fresh array with the
input written into its interior, im2col stacks one strided slice per kernel
tap, and col2im adds each tap's slice back.  Every call is an ``xp`` function
or plain slicing, so the same code runs on NumPy, CuPy or any array-API
namespace, one vectorised step per kernel tap (never per sample or element).
Indices name every axis (a trailing ``...`` for the channels): the array-API
standard does not promise NumPy's implicit trailing slices.
"""
from kcore.backend.device import ACTIVE
from kcore_conv.windows import kernel_offsets, window_slice


def pad(x, pads, value=0):
    """``x`` ``(n, *spatial, c)`` with ``pads`` ``[(before, after), ...]`` around its spatial axes,
    filled with ``value``; ``x`` itself when there is nothing to pad."""
    if not any(a or b for a, b in pads):
        return x
    xp = ACTIVE.xp
    sizes = x.shape[1:-1]
    shape = (x.shape[0],) + tuple(n + a + b for n, (a, b) in zip(sizes, pads)) + (x.shape[-1],)
    out = xp.zeros(shape, dtype=x.dtype) if value == 0 else xp.full(shape, value, dtype=x.dtype)
    out[_interior(pads, sizes)] = x
    return out


def _interior(pads, sizes):
    return (slice(None),) + tuple(slice(a, a + n) for (a, _), n in zip(pads, sizes)) + (Ellipsis,)


def crop(x, pads, sizes):
    """The inverse of ``pad``: ``sizes`` positions starting at each ``before``."""
    if not any(a or b for a, b in pads):
        return x
    return x[_interior(pads, sizes)]


def window_index(offset, strides, dilation, out_sizes):
    """The index of what kernel tap ``offset`` sees over all windows (every axis named)."""
    return window_slice(offset, strides, dilation, out_sizes) + (Ellipsis,)


def taps(xpad, kernel, strides, dilation, out_sizes):
    """What each kernel tap sees over all windows: one ``(n, *out_sizes, c)`` slice per tap."""
    return [xpad[window_index(offset, strides, dilation, out_sizes)] for offset in kernel_offsets(kernel)]


def im2col(xpad, kernel, strides, dilation, out_sizes):
    """Every window of ``xpad`` ``(n, *spatial, c)`` as ``(n, *out_sizes, prod(kernel), c)``."""
    return ACTIVE.xp.stack(taps(xpad, kernel, strides, dilation, out_sizes), axis=-2)


def col2im(cols, sizes, kernel, strides, dilation):
    """The adjoint of ``im2col``: ``cols`` ``(n, *out, prod(kernel), c)`` added back into a zero
    array ``(n, *sizes, c)``, one slice-add per kernel tap (overlapping windows accumulate)."""
    xp = ACTIVE.xp
    rank = len(kernel)
    out_sizes = cols.shape[1:1 + rank]
    out = xp.zeros((cols.shape[0],) + tuple(sizes) + (cols.shape[-1],), dtype=cols.dtype)
    for i, offset in enumerate(kernel_offsets(kernel)):
        out[window_index(offset, strides, dilation, out_sizes)] += cols[..., i, :]
    return out
