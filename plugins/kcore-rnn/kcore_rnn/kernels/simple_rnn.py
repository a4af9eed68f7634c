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
    run = S.SequenceRun(x, kernel, bias, h0, recurrent_kernel.shape[0], mask, input_mask,
                        recurrent_mask, go_backwards)
    pre, hs = run.z, run.hs  # activated in place below

    def step(t, h, hp, h_new, mt):
        a = pre[t]
        a += xp.matmul(hp, recurrent_kernel)
        act(a)
        h_new[...] = a

    run.forward(step)
    out = run.output(return_sequences, zero_output_for_mask)

    def vjp(grads, needs):
        if not any(needs[:5]):
            return (None,) * 8
        gy, gh = grads
        da = xp.empty_like(pre)
        rk_t = xp.ascontiguousarray(recurrent_kernel.T)  # faster small per-step products

        def step_back(t, dh, others):
            xp.multiply(dh, act_grad(pre[t]), out=da[t])
            return xp.matmul(da[t], rk_t), None, others

        dh, = run.backward(step_back, gy, gh, [], return_sequences, zero_output_for_mask)
        drk = S.recurrent_kernel_gradient(run.recurrent_inputs(), da) if needs[2] else None
        dx, dk, db = run.input_gradients(da, kernel, needs[0], needs[1], bias is not None and needs[3])
        return (dx, dk, drk, db, dh if needs[4] else None, None, None, None)

    return (out, hs[-1]), vjp
