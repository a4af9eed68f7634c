"""Plain float64 loops written from the equations, the yardstick for kcore-rnn's tests.

Deliberately naive: one Python step at a time, NumPy only, no code shared with
kcore_rnn.  The loop follows Keras 2's backend: a masked step keeps the states,
and outputs the previous output (zeros before the first), or zeros with
``zero_output_for_mask``; ``go_backwards`` reads the steps last to first and
returns the outputs in that order.
"""
import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


ACTIVATIONS = {
    'tanh': np.tanh,
    'sigmoid': sigmoid,
    'hard_sigmoid': lambda x: np.clip(0.2 * x + 0.5, 0.0, 1.0),
    'relu': lambda x: np.maximum(x, 0.0),
    'linear': lambda x: x,
    'softsign': lambda x: x / (1.0 + np.abs(x)),
    'elu': lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0.0))),
}


def run(step, x, states, mask=None, go_backwards=False, return_sequences=False, zero_output_for_mask=False):
    """``(output, final_states)`` of ``step(x_t, states) -> (output, new_states)``."""
    x = np.asarray(x, dtype=np.float64)
    states = [np.asarray(s, dtype=np.float64) for s in states]
    steps = x.shape[1]
    order = range(steps - 1, -1, -1) if go_backwards else range(steps)
    outputs = []
    prev = None
    for t in order:
        out, new = step(x[:, t], states)
        if mask is not None:
            m = np.asarray(mask[:, t], dtype=bool).reshape((-1,) + (1,) * (out.ndim - 1))
            new = [np.where(m, n, s) for n, s in zip(new, states)]
            if prev is None or zero_output_for_mask:
                prev = np.zeros_like(out)
            out = np.where(m, out, prev)
            prev = out
        states = new
        outputs.append(out)
    y = np.stack(outputs, axis=1) if return_sequences else outputs[-1]
    return y, states


def _dropped(v, m):
    return v if m is None else v * m


def simple_rnn_step(kernel, recurrent_kernel, bias, activation='tanh', input_mask=None, state_mask=None):
    act = ACTIVATIONS[activation]

    def step(x, states):
        (h,) = states
        a = _dropped(x, input_mask) @ kernel + _dropped(h, state_mask) @ recurrent_kernel
        if bias is not None:
            a = a + bias
        h = act(a)
        return h, [h]
    return step


def lstm_step(kernel, recurrent_kernel, bias, activation='tanh', recurrent_activation='sigmoid',
              input_mask=None, state_mask=None):
    """Keras's gate order: i, f, c, o."""
    act, ract = ACTIVATIONS[activation], ACTIVATIONS[recurrent_activation]
    u = recurrent_kernel.shape[0]

    def step(x, states):
        h, c = states
        z = _dropped(x, input_mask) @ kernel + _dropped(h, state_mask) @ recurrent_kernel
        if bias is not None:
            z = z + bias
        i = ract(z[:, :u])
        f = ract(z[:, u:2 * u])
        g = act(z[:, 2 * u:3 * u])
        o = ract(z[:, 3 * u:])
        c = f * c + i * g
        h = o * act(c)
        return h, [h, c]
    return step


def gru_step(kernel, recurrent_kernel, bias, activation='tanh', recurrent_activation='sigmoid',
             reset_after=True, input_mask=None, state_mask=None):
    """Keras's gate order z, r, h; ``bias`` is (2, 3U) with ``reset_after``, else (3U,)."""
    act, ract = ACTIVATIONS[activation], ACTIVATIONS[recurrent_activation]
    u = recurrent_kernel.shape[0]
    wz, wr, wh = kernel[:, :u], kernel[:, u:2 * u], kernel[:, 2 * u:]
    rz, rr, rh = recurrent_kernel[:, :u], recurrent_kernel[:, u:2 * u], recurrent_kernel[:, 2 * u:]
    if bias is None:
        b_in, b_rec = np.zeros(3 * u), np.zeros(3 * u)
    elif reset_after:
        b_in, b_rec = bias[0], bias[1]
    else:
        b_in, b_rec = bias, np.zeros(3 * u)

    def step(x, states):
        (h,) = states
        xd = _dropped(x, input_mask)
        hd = _dropped(h, state_mask)
        z = ract(xd @ wz + b_in[:u] + hd @ rz + b_rec[:u])
        r = ract(xd @ wr + b_in[u:2 * u] + hd @ rr + b_rec[u:2 * u])
        if reset_after:
            hh = act(xd @ wh + b_in[2 * u:] + r * (hd @ rh + b_rec[2 * u:]))
        else:
            hh = act(xd @ wh + b_in[2 * u:] + (r * hd) @ rh)
        h = z * h + (1.0 - z) * hh
        return h, [h]
    return step


def conv2d_same_or_valid(x, kernel, padding, strides=(1, 1)):
    """A direct (slow) channels-last 2D convolution, TensorFlow's padding convention."""
    b, rows, cols, _ = x.shape
    kh, kw, _, out = kernel.shape
    if padding == 'same':
        out_r, out_c = -(-rows // strides[0]), -(-cols // strides[1])
        pad_r = max((out_r - 1) * strides[0] + kh - rows, 0)
        pad_c = max((out_c - 1) * strides[1] + kw - cols, 0)
        x = np.pad(x, ((0, 0), (pad_r // 2, pad_r - pad_r // 2), (pad_c // 2, pad_c - pad_c // 2), (0, 0)))
    else:
        out_r, out_c = (rows - kh) // strides[0] + 1, (cols - kw) // strides[1] + 1
    y = np.zeros((b, out_r, out_c, out))
    for i in range(out_r):
        for j in range(out_c):
            patch = x[:, i * strides[0]:i * strides[0] + kh, j * strides[1]:j * strides[1] + kw, :]
            y[:, i, j, :] = np.tensordot(patch, kernel, axes=([1, 2, 3], [0, 1, 2]))
    return y


def conv_lstm_step(kernel, recurrent_kernel, bias, padding, strides=(1, 1), activation='tanh',
                   recurrent_activation='sigmoid'):
    act, ract = ACTIVATIONS[activation], ACTIVATIONS[recurrent_activation]
    f = recurrent_kernel.shape[2]

    def step(x, states):
        h, c = states
        z = conv2d_same_or_valid(x, kernel, padding, strides) + conv2d_same_or_valid(h, recurrent_kernel, 'same')
        if bias is not None:
            z = z + bias
        i, fg, g, o = ract(z[..., :f]), ract(z[..., f:2 * f]), act(z[..., 2 * f:3 * f]), ract(z[..., 3 * f:])
        c = fg * c + i * g
        h = o * act(c)
        return h, [h, c]
    return step
