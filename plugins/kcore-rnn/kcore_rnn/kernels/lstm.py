"""``lstm_sequence``: a whole LSTM layer's forward pass and its BPTT, as one kernel.

Keras's layout: ``kernel`` ``(D, 4U)`` and ``recurrent_kernel`` ``(U, 4U)``
with the gates in i, f, c, o order, ``bias`` ``(4U,)``::

    z = x_t @ kernel + h @ recurrent_kernel + bias      # one GEMM per step for all gates
    i, f, o = recurrent_activation(z_i, z_f, z_o);  g = activation(z_c)
    c = f * c + i * g;  h = o * activation(c)

Everything after the products is the kernel table's ``lstm_cell_step``
(``kernels/cells.py``), so a backend's fused cell step runs inside this loop.
"""
from kcore.backend.device import ACTIVE
from kcore_rnn.kernels import activations, cells
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
    cell = ACTIVE.kernels['lstm_cell_step']  # a backend's fused step, if it registers one
    u = recurrent_kernel.shape[0]
    extra, rk_run, kernel_run, bias_run = {}, recurrent_kernel, kernel, bias
    if cell is cells.lstm_cell_step:
        # the generic step takes z with its sigmoid columns' 1/2 folded into the weights
        # here, once per call, instead of multiplying z once per step
        blocks = activations.GateBlocks([recurrent_activation, recurrent_activation, activation,
                                         recurrent_activation], u, x.dtype)
        if blocks.fused:
            extra = {'input_scaled': True}
            rk_run, kernel_run, bias_run = (blocks.prescale(w) for w in (recurrent_kernel, kernel, bias))
    else:
        activations.get(activation)  # the same clear error for an activation that cannot be fused
        activations.get(recurrent_activation)
    # gate pre-activations of all steps (run.z); the cell step keeps its activated gates there
    run = S.SequenceRun(x, kernel_run, bias_run, h0, u, mask, input_mask, recurrent_mask, go_backwards)
    gates, hs = run.z, run.hs
    cs = run.state_array(c0)  # cell states, cs[t] before step t
    act_c = xp.empty((run.steps, run.batch, u), dtype=run.dtype)
    dz = xp.empty_like(gates)  # pre-activation gradients, written by the cell steps' vjps
    cell_vjps, dz_rows = [], list(dz)

    def step(t, h, hp, h_new, mt):
        z = gates[t]
        z += xp.matmul(hp, rk_run)
        c_new = cs[t + 1] if mt is None else xp.empty_like(h)
        (h_out, c), cell_vjp = cell(z, cs[t], activation=activation, recurrent_activation=recurrent_activation,
                                    overwrite_z=True, out=(h_new, c_new, act_c[t]), grad_out=dz_rows[t], **extra)
        if mt is not None:
            xp.add(cs[t], (c - cs[t]) * mt, out=cs[t + 1])
        elif c is not cs[t + 1]:
            cs[t + 1] = c
        if h_out is not h_new:
            h_new[...] = h_out
        cell_vjps.append(cell_vjp)

    run.forward(step)
    out = run.output(return_sequences, zero_output_for_mask)

    def vjp(grads, needs):
        if not any(needs[:6]):
            return (None,) * 9
        gy, gh, gc = grads
        rk_t = xp.ascontiguousarray(recurrent_kernel.T)  # OpenBLAS's small products run ~25% faster on it
        both = (True, True)

        def step_back(t, dh, others):
            dzt, dc = cell_vjps[t]((dh, others[0]), both)
            rows = dz_rows[t]
            if dzt is not rows:
                rows[...] = dzt  # an override's own array
            return xp.matmul(rows, rk_t), None, [dc]

        dh, dc = run.backward(step_back, gy, gh, [gc], return_sequences, zero_output_for_mask)
        drk = S.recurrent_kernel_gradient(run.recurrent_inputs(), dz) if needs[2] else None
        dx, dk, db = run.input_gradients(dz, kernel, needs[0], needs[1], bias is not None and needs[3])
        return (dx, dk, drk, db, dh if needs[4] else None, dc if needs[5] else None, None, None, None)

    return (out, hs[-1], cs[-1]), vjp
