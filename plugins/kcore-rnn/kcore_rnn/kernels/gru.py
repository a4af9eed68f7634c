"""``gru_sequence``: a whole GRU layer's forward pass and its BPTT, as one kernel.

Keras's layout: ``kernel`` ``(D, 3U)`` and ``recurrent_kernel`` ``(U, 3U)``,
gates in z, r, h order.  Two variants, as in Keras:

``reset_after=True`` (Keras 3's default, cuDNN-compatible), bias ``(2, 3U)``
(input bias, recurrent bias); one recurrent GEMM per step::

    xz, xr, xh = x_t @ kernel + b_in;   rz, rr, rh = h @ recurrent_kernel + b_rec
    z = ra(xz + rz);  r = ra(xr + rr);  hh = a(xh + r * rh)

``reset_after=False`` (the original, Keras 2's default), bias ``(3U,)``; the
candidate needs ``r`` first, so two recurrent GEMMs per step::

    z = ra(xz + h @ Rz);  r = ra(xr + h @ Rr);  hh = a(xh + (r * h) @ Rh)

and in both ``h = z * h + (1 - z) * hh``.  With recurrent dropout the dropped
state feeds the recurrent products only; the blend uses the state itself.

With ``reset_after=True`` everything after the products is the kernel table's
``gru_cell_step`` (``kernels/cells.py``), so a backend's fused cell step runs
inside this loop; ``reset_after=False`` has a product between its gates and
keeps its own step here.
"""
from kcore.backend.device import ACTIVE
from kcore_rnn.kernels import activations
from kcore_rnn.kernels import sequence as S


def gru_sequence(x, kernel, recurrent_kernel, bias, h0, mask=None, input_mask=None, recurrent_mask=None,
                 activation='tanh', recurrent_activation='sigmoid', reset_after=True, go_backwards=False,
                 return_sequences=False, zero_output_for_mask=False):
    """Returns ``(output, h_T)``; arguments as ``lstm_sequence``'s."""
    xp = ACTIVE.xp
    act, act_grad = activations.get(activation)
    ract, ract_grad = activations.get(recurrent_activation)
    u = recurrent_kernel.shape[0]
    b_in = b_rec = None
    if bias is not None:
        b_in, b_rec = (bias[0], bias[1]) if reset_after else (bias, None)
    run = S.SequenceRun(x, kernel, b_in, h0, u, mask, input_mask, recurrent_mask, go_backwards)
    gates, hs = run.z, run.hs  # z, r, hh activated in place
    # reset_after=False: r * h (for the backward); reset_after keeps its terms in the cell steps
    saved = None if reset_after else xp.empty((run.steps, run.batch, u), dtype=run.dtype)
    rk_zr = xp.ascontiguousarray(recurrent_kernel[:, :2 * u])
    rk_h = xp.ascontiguousarray(recurrent_kernel[:, 2 * u:])

    cell = ACTIVE.kernels['gru_cell_step']  # a backend's fused step, if it registers one
    cell_vjps = []
    if reset_after:  # the gradients of the input-side and the recurrent-side pre-activations
        dz_all, dinner_all = xp.empty_like(gates), xp.empty_like(gates)
        grad_rows = list(zip(dz_all, dinner_all))

    def step(t, h, hp, hn, mt):
        z = gates[t]
        if reset_after:
            inner = xp.matmul(hp, recurrent_kernel)
            if b_rec is not None:
                inner += b_rec
            h_out, cell_vjp = cell(z, inner, h, activation=activation, recurrent_activation=recurrent_activation,
                                   overwrite_z=True, out=hn, grad_out=grad_rows[t])
            if h_out is not hn:
                hn[...] = h_out
            cell_vjps.append(cell_vjp)
            return
        z[:, :2 * u] += xp.matmul(hp, rk_zr)
        ract(z[:, :2 * u])
        xp.multiply(z[:, u:2 * u], hp, out=saved[t])
        z[:, 2 * u:] += xp.matmul(saved[t], rk_h)
        hh = act(z[:, 2 * u:])
        xp.subtract(h, hh, out=hn)
        hn *= z[:, :u]
        hn += hh

    run.forward(step)
    out = run.output(return_sequences, zero_output_for_mask)

    def vjp(grads, needs):
        if not any(needs[:5]):
            return (None,) * 8
        gy, gh = grads
        if reset_after:
            dz, dinner = dz_all, dinner_all
        else:
            dz, dinner = xp.empty_like(gates), None
        h_prev = run.recurrent_inputs()
        # contiguous transposes: OpenBLAS's small per-step products run ~25% faster on them
        rk_t = xp.ascontiguousarray(recurrent_kernel.T) if reset_after else None
        rk_zr_t, rk_h_t = (None, None) if reset_after else (xp.ascontiguousarray(rk_zr.T), xp.ascontiguousarray(rk_h.T))

        def step_back(t, dh, others):
            if reset_after:
                dzx, dzh, dh_direct = cell_vjps[t](dh, (True, True, True))
                rows_x, rows_h = grad_rows[t]
                if dzx is not rows_x:  # an override's own arrays
                    rows_x[...] = dzx
                if dzh is not rows_h:
                    rows_h[...] = dzh
                return xp.matmul(rows_h, rk_t), dh_direct, others
            z = gates[t]
            zg, r, hh = z[:, :u], z[:, u:2 * u], z[:, 2 * u:]
            dzt = dz[t]
            dzg, dr, dhh = dzt[:, :u], dzt[:, u:2 * u], dzt[:, 2 * u:]
            xp.subtract(hs[t], hh, out=dzg)
            dzg *= dh
            dzg *= ract_grad(zg)
            xp.multiply(dh, 1 - zg, out=dhh)
            dhh *= act_grad(hh)
            dh_direct = dh * zg
            d_rh = xp.matmul(dhh, rk_h_t)
            xp.multiply(d_rh, h_prev[t], out=dr)
            dr *= ract_grad(r)
            dhp = xp.matmul(dzt[:, :2 * u], rk_zr_t)
            dhp += d_rh * r
            return dhp, dh_direct, others

        dh, = run.backward(step_back, gy, gh, [], return_sequences, zero_output_for_mask)
        dx, dk, drk, db = S.gru_weight_gradients(run, h_prev, dz, dinner, saved, kernel, bias, needs, reset_after)
        return (dx, dk, drk, db, dh if needs[4] else None, None, None, None)

    return (out, hs[-1]), vjp
