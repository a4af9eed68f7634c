"""``lstm_sequence``: a whole LSTM layer's forward pass and its BPTT, as one kernel.

Keras's layout: ``kernel`` ``(D, 4U)`` and ``recurrent_kernel`` ``(U, 4U)``
with the gates in i, f, c, o order, ``bias`` ``(4U,)``::

    z = x_t @ kernel + h @ recurrent_kernel + bias      # one GEMM per step for all gates
    i, f, o = recurrent_activation(z_i, z_f, z_o);  g = activation(z_c)
    c = f * c + i * g;  h = o * activation(c)
"""
from kcore.backend.device import ACTIVE
from kcore_rnn.kernels import activations
from kcore_rnn.kernels import sequence as S


def lstm_sequence(x, kernel, recurrent_kernel, bias, h0, c0, mask=None, input_mask=None,
                  recurrent_mask=None, activation='tanh', recurrent_activation='sigmoid',
                  go_backwards=False, return_sequences=False, zero_output_for_mask=False):
    """Returns ``(output, h_T, c_T)``; ``output`` is ``(B, T, U)`` or ``(B, U)``.

    ``mask`` ``(B, T)``: steps to use; ``input_mask`` ``(B, D)`` and
    ``recurrent_mask`` ``(B, U)``: dropout masks (already scaled), the same
    for every step.  None where absent.
    """
    xp = ACTIVE.xp
    act, act_grad = activations.get(activation)
    xs = S.time_major(x, go_backwards)
    steps, batch = xs.shape[0], xs.shape[1]
    u = recurrent_kernel.shape[0]
    dtype = xs.dtype
    blocks = activations.GateBlocks([recurrent_activation, recurrent_activation, activation,
                                     recurrent_activation], u, dtype)
    rk_scaled = blocks.prescale(recurrent_kernel)
    m, seen = S.step_masks(mask, go_backwards, dtype)
    # gate pre-activations of all steps, activated in place step by step
    gates, xd = S.project_inputs(xs, blocks.prescale(kernel), blocks.prescale(bias), input_mask)
    hs = xp.empty((steps + 1, batch, u), dtype=dtype)
    cs = xp.empty((steps + 1, batch, u), dtype=dtype)
    act_c = xp.empty((steps, batch, u), dtype=dtype)
    hs[0] = h0
    cs[0] = c0
    hd = None if recurrent_mask is None else xp.empty((steps, batch, u), dtype=dtype)

    for t in range(steps):
        h = hs[t]
        if hd is not None:
            h = xp.multiply(h, recurrent_mask, out=hd[t])
        z = gates[t]
        z += xp.matmul(h, rk_scaled)
        blocks.apply(z)
        c = cs[t + 1]
        xp.multiply(z[:, u:2 * u], cs[t], out=c)
        c += z[:, :u] * z[:, 2 * u:3 * u]
        if m is not None:
            S.carry(c, cs[t], m[t])
        act(c, out=act_c[t])
        xp.multiply(z[:, 3 * u:], act_c[t], out=hs[t + 1])
        if m is not None:
            S.carry(hs[t + 1], hs[t], m[t])

    out = S.assemble_output(hs, m, seen, return_sequences, zero_output_for_mask)

    def vjp(grads, needs):
        if not any(needs[:6]):
            return (None,) * 9
        gy, gh, gc = grads
        dy_steps, dy_last = S.output_gradients(gy, m, seen, return_sequences, zero_output_for_mask)
        dh = S.add_grad(gh, dy_last)
        dh = S.zeros((batch, u), dtype) if dh is None else dh
        dc = S.zeros((batch, u), dtype) if gc is None else gc
        dz = xp.empty_like(gates)
        rk_t = recurrent_kernel.T
        for t in range(steps - 1, -1, -1):
            if dy_steps is not None:
                dh = dh + dy_steps[t]
            if m is not None:
                dh, dh_keep = S.split_carried(dh, m[t])
                dc, dc_keep = S.split_carried(dc, m[t])
            z = gates[t]
            i, f, g, o = z[:, :u], z[:, u:2 * u], z[:, 2 * u:3 * u], z[:, 3 * u:]
            ac = act_c[t]
            dzt = dz[t]
            xp.multiply(dh, ac, out=dzt[:, 3 * u:])             # d o
            dc = dc + dh * o * act_grad(ac)
            xp.multiply(dc, g, out=dzt[:, :u])                   # d i
            xp.multiply(dc, cs[t], out=dzt[:, u:2 * u])          # d f
            xp.multiply(dc, i, out=dzt[:, 2 * u:3 * u])          # d g
            dc = dc * f
            blocks.grad(z, dzt)
            dh = xp.matmul(dzt, rk_t)
            if recurrent_mask is not None:
                dh *= recurrent_mask
            if m is not None:
                dh += dh_keep
                dc += dc_keep
        drk = None
        if needs[2]:
            drk = S.recurrent_kernel_gradient(hs[:-1] if hd is None else hd, dz)
        dx, dk, db = S.input_gradients(dz, xd, kernel, input_mask, go_backwards, needs[0], needs[1],
                                       bias is not None and needs[3])
        return (dx, dk, drk, db, dh if needs[4] else None, dc if needs[5] else None, None, None, None)

    return (out, hs[-1], cs[-1]), vjp
