"""``simple_rnn_sequence``: a whole SimpleRNN layer's forward pass and its BPTT.

Keras's layout: ``kernel`` ``(D, U)``, ``recurrent_kernel`` ``(U, U)``, ``bias`` ``(U,)``::

    h = activation(x_t @ kernel + h @ recurrent_kernel + bias)
"""
from kcore.backend.device import ACTIVE
from kcore_rnn.kernels import activations
from kcore_rnn.kernels import sequence as S


def simple_rnn_sequence(x, kernel, recurrent_kernel, bias, h0, mask=None, input_mask=None,
                        recurrent_mask=None, activation='tanh', go_backwards=False,
                        return_sequences=False, zero_output_for_mask=False):
    """Returns ``(output, h_T)``; arguments as ``lstm_sequence``'s."""
    xp = ACTIVE.xp
    act, act_grad = activations.get(activation)
    xs = S.time_major(x, go_backwards)
    steps, batch = xs.shape[0], xs.shape[1]
    u = recurrent_kernel.shape[0]
    dtype = xs.dtype
    m, seen = S.step_masks(mask, go_backwards, dtype)
    pre, xd = S.project_inputs(xs, kernel, bias, input_mask)  # activated in place below
    hs = xp.empty((steps + 1, batch, u), dtype=dtype)
    hs[0] = h0
    hd = None if recurrent_mask is None else xp.empty((steps, batch, u), dtype=dtype)

    for t in range(steps):
        h = hs[t]
        if hd is not None:
            h = xp.multiply(h, recurrent_mask, out=hd[t])
        a = pre[t]
        a += xp.matmul(h, recurrent_kernel)
        act(a)
        hs[t + 1] = a
        if m is not None:
            S.carry(hs[t + 1], hs[t], m[t])

    out = S.assemble_output(hs, m, seen, return_sequences, zero_output_for_mask)

    def vjp(grads, needs):
        if not any(needs[:5]):
            return (None,) * 8
        gy, gh = grads
        dy_steps, dy_last = S.output_gradients(gy, m, seen, return_sequences, zero_output_for_mask)
        dh = S.add_grad(gh, dy_last)
        dh = S.zeros((batch, u), dtype) if dh is None else dh
        da = xp.empty_like(pre)
        rk_t = recurrent_kernel.T
        for t in range(steps - 1, -1, -1):
            if dy_steps is not None:
                dh = dh + dy_steps[t]
            if m is not None:
                dh, dh_keep = S.split_carried(dh, m[t])
            xp.multiply(dh, act_grad(pre[t]), out=da[t])
            dh = xp.matmul(da[t], rk_t)
            if recurrent_mask is not None:
                dh *= recurrent_mask
            if m is not None:
                dh += dh_keep
        drk = None
        if needs[2]:
            drk = S.recurrent_kernel_gradient(hs[:-1] if hd is None else hd, da)
        dx, dk, db = S.input_gradients(da, xd, kernel, input_mask, go_backwards, needs[0], needs[1],
                                       bias is not None and needs[3])
        return (dx, dk, drk, db, dh if needs[4] else None, None, None, None)

    return (out, hs[-1]), vjp
