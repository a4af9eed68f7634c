"""``lstm_sequence`` with the cell step fused: per step one cuBLAS GEMM (``h @ U``) and one
launch for all gate arithmetic, forward and backward; the time loop, masks, dropout
and the big input/weight GEMMs are kcore-rnn's ``SequenceRun``, shared with the generic."""
import importlib.util

from kcore.runtime.device import ACTIVE
from kcore_gpu.launch import i32, i64, run
from kcore_gpu.overrides import dense_floats, override


def _ok(x, kernel, recurrent_kernel, bias, h0, c0, mask=None, input_mask=None, recurrent_mask=None,
        activation='tanh', recurrent_activation='sigmoid', go_backwards=False, return_sequences=False,
        zero_output_for_mask=False):
    return (activation == 'tanh' and recurrent_activation == 'sigmoid' and x.ndim == 3
            and dense_floats(kernel, recurrent_kernel, bias) and x.dtype == kernel.dtype
            and all(a is None or a.dtype == kernel.dtype for a in (h0, c0)))


def lstm_sequence(x, kernel, recurrent_kernel, bias, h0, c0, mask=None, input_mask=None, recurrent_mask=None,
                  activation='tanh', recurrent_activation='sigmoid', go_backwards=False, return_sequences=False,
                  zero_output_for_mask=False):
    """Returns ``(output, h_T, c_T)`` as kcore-rnn's generic kernel (tanh/sigmoid cells)."""
    from kcore_rnn.kernels import sequence as S
    xp = ACTIVE.xp
    u = recurrent_kernel.shape[0]
    run_ = S.SequenceRun(x, kernel, bias, h0, u, mask, input_mask, recurrent_mask, go_backwards)
    gates = run_.z
    cs = run_.state_array(c0)
    act_c = xp.empty((run_.steps, run_.batch, u), dtype=run_.dtype)
    n = run_.batch * u

    def step(t, h, hp, h_new, mt):
        z = gates[t]
        z += xp.matmul(hp, recurrent_kernel)
        run('rnn', 'lstm_cell_forward', z.dtype, n, z, cs[t], cs[t + 1], act_c[t], h_new, i64(n), i64(u))
        if mt is not None:
            S.carry(cs[t + 1], cs[t], mt)

    run_.forward(step)
    out = run_.output(return_sequences, zero_output_for_mask)

    def vjp(grads, needs):
        if not any(needs[:6]):
            return (None,) * 9
        gy, gh, gc = grads
        dz = xp.empty_like(gates)
        rk_t = recurrent_kernel.T

        def step_back(t, dh, others):
            dc, = others
            dc_prev = xp.empty_like(dc)
            run('rnn', 'lstm_cell_backward', dz.dtype, n, gates[t], act_c[t], cs[t], xp.ascontiguousarray(dh),
                xp.ascontiguousarray(dc), dz[t], dc_prev, i64(n), i64(u))
            return xp.matmul(dz[t], rk_t), None, [dc_prev]

        dh, dc = run_.backward(step_back, gy, gh, [gc], return_sequences, zero_output_for_mask)
        drk = S.recurrent_kernel_gradient(run_.recurrent_inputs(), dz) if needs[2] else None
        dx, dk, db = run_.input_gradients(dz, kernel, needs[0], needs[1], bias is not None and needs[3])
        return (dx, dk, drk, db, dh if needs[4] else None, dc if needs[5] else None, None, None, None)

    return (out, run_.hs[-1], cs[-1]), vjp


if importlib.util.find_spec('kcore_rnn') is not None:
    override('lstm_sequence', _ok)(lstm_sequence)


def _gru_ok(x, kernel, recurrent_kernel, bias, h0, mask=None, input_mask=None, recurrent_mask=None,
            activation='tanh', recurrent_activation='sigmoid', reset_after=True, go_backwards=False,
            return_sequences=False, zero_output_for_mask=False):
    return (activation == 'tanh' and recurrent_activation == 'sigmoid' and x.ndim == 3
            and dense_floats(kernel, recurrent_kernel, bias) and x.dtype == kernel.dtype
            and (h0 is None or h0.dtype == kernel.dtype))


def gru_sequence(x, kernel, recurrent_kernel, bias, h0, mask=None, input_mask=None, recurrent_mask=None,
                 activation='tanh', recurrent_activation='sigmoid', reset_after=True, go_backwards=False,
                 return_sequences=False, zero_output_for_mask=False):
    """Returns ``(output, h_T)`` as kcore-rnn's generic kernel (sigmoid gates, tanh candidate),
    both ``reset_after`` variants; per step one GEMM (two before the reset) and fused gates."""
    from kcore_rnn.kernels import sequence as S
    xp = ACTIVE.xp
    u = recurrent_kernel.shape[0]
    b_in = b_rec = None
    if bias is not None:
        b_in, b_rec = (bias[0], xp.ascontiguousarray(bias[1])) if reset_after else (bias, None)
    run_ = S.SequenceRun(x, kernel, b_in, h0, u, mask, input_mask, recurrent_mask, go_backwards)
    gates, hs = run_.z, run_.hs
    saved = xp.empty((run_.steps, run_.batch, u), dtype=run_.dtype)
    rk_zr = xp.ascontiguousarray(recurrent_kernel[:, :2 * u])
    rk_h = xp.ascontiguousarray(recurrent_kernel[:, 2 * u:])
    n = run_.batch * u
    dt = gates.dtype

    def step(t, h, hp, hn, mt):
        z = gates[t]
        if reset_after:
            inner = xp.matmul(hp, recurrent_kernel)
            run('rnn', 'gru_forward_after', dt, n, z, inner, inner if b_rec is None else b_rec,
                xp.ascontiguousarray(h), hn, saved[t], i64(n), i64(u), i32(b_rec is not None))
        else:
            z[:, :2 * u] += xp.matmul(hp, rk_zr)
            run('rnn', 'gru_gates_before', dt, n, z, xp.ascontiguousarray(hp), saved[t], i64(n), i64(u))
            z[:, 2 * u:] += xp.matmul(saved[t], rk_h)
            run('rnn', 'gru_output_before', dt, n, z, xp.ascontiguousarray(h), hn, i64(n), i64(u))

    run_.forward(step)
    out = run_.output(return_sequences, zero_output_for_mask)

    def vjp(grads, needs):
        if not any(needs[:5]):
            return (None,) * 8
        gy, gh = grads
        dz = xp.empty_like(gates)
        dinner = xp.empty_like(gates) if reset_after else None
        h_prev = run_.recurrent_inputs()

        def step_back(t, dh, others):
            dh = xp.ascontiguousarray(dh)
            direct = xp.empty_like(dh)
            run('rnn', 'gru_backward_common', dt, n, gates[t], hs[t], dh, dz[t], direct, i64(n), i64(u))
            if reset_after:
                run('rnn', 'gru_backward_after', dt, n, gates[t], saved[t], dz[t], dinner[t], i64(n), i64(u))
                dhp = xp.matmul(dinner[t], recurrent_kernel.T)
            else:
                d_rh = xp.matmul(dz[t][:, 2 * u:], rk_h.T)
                through_r = xp.empty_like(dh)
                run('rnn', 'gru_backward_before', dt, n, gates[t], d_rh, xp.ascontiguousarray(h_prev[t]), dz[t],
                    through_r, i64(n), i64(u))
                dhp = xp.matmul(dz[t][:, :2 * u], rk_zr.T)
                dhp += through_r
            return dhp, direct, others

        dh, = run_.backward(step_back, gy, gh, [], return_sequences, zero_output_for_mask)
        dx, dk, drk, db = S.gru_weight_gradients(run_, h_prev, dz, dinner, saved, kernel, bias, needs, reset_after)
        return (dx, dk, drk, db, dh if needs[4] else None, None, None, None)

    return (out, hs[-1]), vjp


if importlib.util.find_spec('kcore_rnn') is not None:
    override('gru_sequence', _gru_ok)(gru_sequence)
