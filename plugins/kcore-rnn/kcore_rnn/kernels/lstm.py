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
    cell = ACTIVE.kernels['lstm_cell_step']  # a backend's fused step, if it registers one
    activations.get(activation)  # a clear error for an activation the cell cannot fuse
    activations.get(recurrent_activation)
    u = recurrent_kernel.shape[0]
    # gate pre-activations of all steps (run.z); the cell step keeps its activated gates there
    run = S.SequenceRun(x, kernel, bias, h0, u, mask, input_mask, recurrent_mask, go_backwards)
    gates, hs = run.z, run.hs
    cs = [c0]           # cell states, cs[t] before step t
    cell_vjps = []

    def step(t, h, hp, h_new, mt):
        z = gates[t]
        z += xp.matmul(hp, recurrent_kernel)
        (h_out, c), cell_vjp = cell(z, cs[t], activation=activation, recurrent_activation=recurrent_activation,
                                    overwrite_z=True)
        if mt is not None:
            c = cs[t] + (c - cs[t]) * mt
        cs.append(c)
        h_new[...] = h_out
        cell_vjps.append(cell_vjp)

    run.forward(step)
    out = run.output(return_sequences, zero_output_for_mask)

    def vjp(grads, needs):
        if not any(needs[:6]):
            return (None,) * 9
        gy, gh, gc = grads
        dz = xp.empty_like(gates)
        rk_t = recurrent_kernel.T
        both = (True, True)

        def step_back(t, dh, others):
            dzt, dc = cell_vjps[t]((dh, others[0]), both)
            dz[t] = dzt
            return xp.matmul(dz[t], rk_t), None, [dc]

        dh, dc = run.backward(step_back, gy, gh, [gc], return_sequences, zero_output_for_mask)
        drk = S.recurrent_kernel_gradient(run.recurrent_inputs(), dz) if needs[2] else None
        dx, dk, db = run.input_gradients(dz, kernel, needs[0], needs[1], bias is not None and needs[3])
        return (dx, dk, drk, db, dh if needs[4] else None, dc if needs[5] else None, None, None, None)

    return (out, hs[-1], cs[-1]), vjp
