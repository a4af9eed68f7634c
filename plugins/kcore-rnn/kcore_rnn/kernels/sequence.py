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

``SequenceRun`` holds the time loop every kernel shares, forward and BPTT;
a kernel supplies only its cell's step (and the step's gradient).
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


def gru_weight_gradients(run, h_prev, dz, dinner, saved, kernel, bias, needs, reset_after):
    """The GRU's gradients after its time loop, shared by every backend's ``gru_sequence``.

    Args:
        run: the ``SequenceRun`` of the forward pass.
        h_prev: ``(T, B, U)`` states each step read (after recurrent dropout).
        dz: ``(T, B, 3U)`` gradients of the input-side pre-activations.
        dinner: ``(T, B, 3U)`` gradients of the recurrent-side pre-activations (reset_after).
        saved: ``(T, B, U)`` ``r * h`` of each step (without reset_after).
        kernel: the input kernel.
        bias: the bias, or None.
        needs: which of the kernel's inputs want a gradient.
        reset_after: the GRU variant.

    Returns:
        ``(dx, dkernel, drecurrent_kernel, dbias)``, None where not needed.
    """
    xp = ACTIVE.xp
    u = dz.shape[2] // 3
    drk = db = None
    if needs[2]:
        if reset_after:
            drk = recurrent_kernel_gradient(h_prev, dinner)
        else:
            drk = xp.concatenate([recurrent_kernel_gradient(h_prev, dz[:, :, :2 * u]),
                                  recurrent_kernel_gradient(saved, dz[:, :, 2 * u:])], axis=1)
    dx, dk, db_in = run.input_gradients(dz, kernel, needs[0], needs[1], bias is not None and needs[3])
    if db_in is not None:
        db = xp.stack([db_in, dinner.sum(axis=(0, 1))]) if reset_after else db_in
    return dx, dk, drk, db


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
    """A zero array of ``shape`` and ``dtype`` on the active backend."""
    return ACTIVE.xp.zeros(shape, dtype=dtype)


class SequenceRun:
    """One run of a fused kernel over time: the inputs in processing order, the step
    masks, the outputs ``hs`` (``hs[0]`` the initial state) and, with recurrent
    dropout, the dropped states ``hd`` the recurrent products read.

    ``z`` holds the input projection of every step (``(T, B, G)``), for the cell to
    turn into its gates in place; ``xd`` is the input after dropout.
    """

    def __init__(self, x, kernel, bias, h0, units, mask, input_mask, recurrent_mask, go_backwards):
        xp = ACTIVE.xp
        xs = time_major(x, go_backwards)
        self.steps, self.batch, self.units, self.dtype = xs.shape[0], xs.shape[1], units, xs.dtype
        self.m, self.seen = step_masks(mask, go_backwards, self.dtype)
        self.z, self.xd = project_inputs(xs, kernel, bias, input_mask)
        self.hs = xp.empty((self.steps + 1, self.batch, units), dtype=self.dtype)
        self.hs[0] = h0
        self.hd = None if recurrent_mask is None else xp.empty((self.steps, self.batch, units), dtype=self.dtype)
        self.input_mask, self.recurrent_mask, self.go_backwards = input_mask, recurrent_mask, go_backwards

    def state_array(self, initial=None):
        """A ``(T + 1, B, U)`` array for another state the cell carries (``[0] = initial``)."""
        a = ACTIVE.xp.empty((self.steps + 1, self.batch, self.units), dtype=self.dtype)
        if initial is not None:
            a[0] = initial
        return a

    def forward(self, step):
        """Runs ``step(t, h, hp, h_new, m_t)`` for every step: ``h`` the previous output,
        ``hp`` it after recurrent dropout, ``h_new`` (``hs[t + 1]``) to write, ``m_t`` the
        ``(B, 1)`` step mask or None (for the cell's other states; ``h_new`` is carried
        here)."""
        xp, hs, hd, rmask, m = ACTIVE.xp, self.hs, self.hd, self.recurrent_mask, self.m
        for t in range(self.steps):
            h = hs[t]
            hp = h if hd is None else xp.multiply(h, rmask, out=hd[t])
            mt = None if m is None else m[t]
            step(t, h, hp, hs[t + 1], mt)
            if mt is not None:
                carry(hs[t + 1], h, mt)

    def output(self, return_sequences, zero_output_for_mask):
        return assemble_output(self.hs, self.m, self.seen, return_sequences, zero_output_for_mask)

    def backward(self, step_back, gy, gh, others, return_sequences, zero_output_for_mask):
        """BPTT: the state gradients ``(dh, *others)`` at the first step.

        ``others`` are the gradients of the cell's other states at the end (None: zero).
        ``step_back(t, dh, others)`` returns ``(dh_product, dh_direct, others)``: the
        gradient reaching the previous output through the recurrent product (recurrent
        dropout applies to it here), the part reaching it directly (or None), and the
        other states' gradients; masked steps carry the gradients through here.
        """
        m, rmask = self.m, self.recurrent_mask
        dy_steps, dy_last = output_gradients(gy, m, self.seen, return_sequences, zero_output_for_mask)
        dh = add_grad(gh, dy_last)
        shape = (self.batch, self.units)
        dh = zeros(shape, self.dtype) if dh is None else dh
        others = [zeros(shape, self.dtype) if d is None else d for d in others]
        for t in range(self.steps - 1, -1, -1):
            if dy_steps is not None:
                dh = dh + dy_steps[t]
            if m is not None:
                mt = m[t]
                dh, dh_keep = split_carried(dh, mt)
                kept = [split_carried(d, mt) for d in others]
                others = [d for d, _ in kept]
            dh, direct, others = step_back(t, dh, others)
            if rmask is not None:
                dh *= rmask
            if direct is not None:
                dh += direct
            if m is not None:
                dh += dh_keep
                for d, (_, keep) in zip(others, kept):
                    d += keep
        return [dh] + list(others)

    def recurrent_inputs(self):
        """The states the recurrent products read, ``(T, B, U)`` (after recurrent dropout)."""
        return self.hs[:-1] if self.hd is None else self.hd

    def input_gradients(self, dz, kernel, need_x, need_kernel, need_bias):
        return input_gradients(dz, self.xd, kernel, self.input_mask, self.go_backwards,
                               need_x, need_kernel, need_bias)
