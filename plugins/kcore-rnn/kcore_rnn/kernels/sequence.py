"""What every fused recurrent kernel shares.

The kernels run time-major (``(T, B, ...)``, steps in processing order) so
each step reads and writes contiguous blocks.  The input projection of all
steps is one GEMM before the loop; after the backward loop, the weight and
input gradients are one GEMM each over all steps.  Only the recurrent
product and the gate arithmetic run per step, vectorised over batch and units.

Masks follow Keras 2's backend loop: a masked step carries every state through
unchanged; its output repeats the previous output (zeros before the first
unmasked step), or is zero with ``zero_output_for_mask``; the last output is
the last step's output either way.
"""
from kcore.backend.device import ACTIVE


def time_major(x, go_backwards):
    """``(B, T, D)`` to a contiguous ``(T, B, D)`` in processing order."""
    xp = ACTIVE.xp
    xs = xp.swapaxes(x, 0, 1)
    if go_backwards:
        xs = xs[::-1]
    return xp.ascontiguousarray(xs)


def batch_major(xs, go_backwards):
    """Inverse of ``time_major`` (a view): for the input gradient."""
    if go_backwards:
        xs = xs[::-1]
    return ACTIVE.xp.swapaxes(xs, 0, 1)


def step_masks(mask, go_backwards, dtype):
    """``(M, A)``, both ``(T, B, 1)`` of ``dtype`` in processing order, or ``(None, None)``.

    ``M`` is 1 where a step is used; ``A`` is 1 from the first used step on
    (the output before it is zero, as Keras's loop starts from a zero output).
    """
    if mask is None:
        return None, None
    xp = ACTIVE.xp
    m = xp.swapaxes(mask.astype(bool), 0, 1)
    if go_backwards:
        m = m[::-1]
    seen = xp.cumsum(m, axis=0) > 0
    return m.astype(dtype)[..., None], seen.astype(dtype)[..., None]


def project_inputs(xs, kernel, bias, input_mask):
    """``(Z, xd)``: ``xd @ kernel + bias`` for all steps in one GEMM, ``Z`` of shape
    ``(T, B, G)``; ``xd`` is the input after dropout (the weight gradient needs it)."""
    xp = ACTIVE.xp
    if input_mask is not None:
        xs = xs * input_mask
    t, b, d = xs.shape
    z = xp.matmul(xs.reshape(t * b, d), kernel).reshape(t, b, kernel.shape[1])
    if bias is not None:
        z += bias
    return z, xs


def assemble_output(hs, m, seen, return_sequences, zero_output_for_mask):
    """The layer output from the outputs ``hs`` (``(T + 1, B, U)``, ``hs[0]`` the
    initial state): all steps ``(B, T, U)`` or the last ``(B, U)``."""
    xp = ACTIVE.xp
    if m is None:
        return xp.swapaxes(hs[1:], 0, 1) if return_sequences else hs[-1]
    weight = m if zero_output_for_mask else seen
    if return_sequences:
        return xp.swapaxes(hs[1:] * weight, 0, 1)
    return hs[-1] * weight[-1]


def output_gradients(gy, m, seen, return_sequences, zero_output_for_mask):
    """``(per_step, last)``: the output gradient as time-major ``(T, B, U)`` to add
    at each step, or (for the last output only) a ``(B, U)`` to add at the end."""
    if gy is None:
        return None, None
    xp = ACTIVE.xp
    weight = None if m is None else (m if zero_output_for_mask else seen)
    if return_sequences:
        dy = xp.ascontiguousarray(xp.swapaxes(gy, 0, 1))
        if weight is not None:
            dy *= weight
        return dy, None
    return None, (gy if weight is None else gy * weight[-1])


def add_grad(total, g):
    """``total + g`` where either may be None (no gradient yet)."""
    if g is None:
        return total
    if total is None:
        return g
    return total + g


def input_gradients(dz, xd, kernel, input_mask, go_backwards, need_x, need_kernel, need_bias):
    """``(dx, dkernel, dbias)`` from the pre-activation gradients ``dz`` ``(T, B, G)``:
    one GEMM each over all steps."""
    xp = ACTIVE.xp
    t, b, g = dz.shape
    dz2 = dz.reshape(t * b, g)
    dx = dw = db = None
    if need_kernel:
        dw = xp.matmul(xd.reshape(t * b, xd.shape[2]).T, dz2)
    if need_bias:
        db = dz2.sum(axis=0)
    if need_x:
        dxs = xp.matmul(dz2, kernel.T).reshape(t, b, kernel.shape[0])
        if input_mask is not None:
            dxs *= input_mask
        dx = batch_major(dxs, go_backwards)
    return dx, dw, db


def recurrent_kernel_gradient(h_prev, dz):
    """``sum_t h_prev[t].T @ dz[t]`` as one GEMM (``h_prev`` after recurrent dropout)."""
    t, b, u = h_prev.shape
    return ACTIVE.xp.matmul(h_prev.reshape(t * b, u).T, dz.reshape(t * b, dz.shape[2]))


def carry(new, old, m):
    """In place: ``new = m ? new : old`` for a ``(B, 1)`` 0/1 step mask ``m``."""
    new -= old
    new *= m
    new += old
    return new


def split_carried(d, m):
    """A state gradient split into the part for the step's candidate (``d * m``)
    and the part carried straight to the previous state (``d * (1 - m)``)."""
    dm = d * m
    return dm, d - dm


def zeros(shape, dtype):
    return ACTIVE.xp.zeros(shape, dtype=dtype)
