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
    u = recurrent_kernel.shape[0]
    blocks = activations.GateBlocks([recurrent_activation, recurrent_activation, activation,
                                     recurrent_activation], u, x.dtype)
    rk_scaled = blocks.prescale(recurrent_kernel)
    # gate pre-activations of all steps (run.z), activated in place step by step
    run = S.SequenceRun(x, blocks.prescale(kernel), blocks.prescale(bias), h0, u, mask, input_mask,
                        recurrent_mask, go_backwards)
    gates, hs = run.z, run.hs
    cs = run.state_array(c0)
    act_c = xp.empty((run.steps, run.batch, u), dtype=run.dtype)

    def step(t, h, hp, h_new, mt):
        z = gates[t]
        z += xp.matmul(hp, rk_scaled)
        blocks.apply(z)
        c = cs[t + 1]
        xp.multiply(z[:, u:2 * u], cs[t], out=c)
        c += z[:, :u] * z[:, 2 * u:3 * u]
        if mt is not None:
            S.carry(c, cs[t], mt)
        act(c, out=act_c[t])
        xp.multiply(z[:, 3 * u:], act_c[t], out=h_new)

    run.forward(step)
    out = run.output(return_sequences, zero_output_for_mask)

    def vjp(grads, needs):
        if not any(needs[:6]):
            return (None,) * 9
        gy, gh, gc = grads
        dz = xp.empty_like(gates)
        rk_t = recurrent_kernel.T

        def step_back(t, dh, others):
            dc, = others
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
            return xp.matmul(dzt, rk_t), None, [dc]

        dh, dc = run.backward(step_back, gy, gh, [gc], return_sequences, zero_output_for_mask)
        drk = S.recurrent_kernel_gradient(run.recurrent_inputs(), dz) if needs[2] else None
        dx, dk, db = run.input_gradients(dz, kernel, needs[0], needs[1], bias is not None and needs[3])
        return (dx, dk, drk, db, dh if needs[4] else None, dc if needs[5] else None, None, None, None)

    return (out, hs[-1], cs[-1]), vjp
