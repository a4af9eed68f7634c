"""The generic recurrent loop: a cell's ``call`` run step by step under autodiff.

Used for cells the fused kernels do not cover (user-written cells, unusual
activations, ConvLSTM2D).  Each step is recorded like any other ops, so any
cell built from ``K`` ops trains.  Masking follows Keras 2's backend loop: a
masked step keeps every state, and its output repeats the previous output
(zeros before the first), or is zero with ``zero_output_for_mask``.
"""
from kcore.autodiff.tensor import Tensor, apply
from kcore.backend import ops as K
from kcore.backend.device import ACTIVE


def _broadcastable(mask_t, like):
    """A ``(B,)`` step mask shaped to broadcast against ``like`` ``(B, ...)``."""
    return mask_t.reshape((mask_t.shape[0],) + (1,) * (len(like.shape) - 1))


def run(step, inputs, states, mask=None, go_backwards=False, return_sequences=False,
        zero_output_for_mask=False):
    """``(output, final_states)`` of ``step(x_t, states) -> (output, new_states)`` over axis 1.

    ``inputs`` ``(B, T, ...)``; ``mask`` an array ``(B, T)`` of bools or None.
    With ``go_backwards`` the steps run last to first and the outputs stay in
    that order (as Keras returns them).
    """
    steps = inputs.shape[1]
    xs = apply('rnn_unstack', inputs, axis=1)
    order = range(steps - 1, -1, -1) if go_backwards else range(steps)
    outputs = []
    prev = None
    for t in order:
        output, new_states = step(xs[t], states)
        if mask is not None:
            m = mask[:, t]
            new_states = [apply('where', _broadcastable(m, n), n, s) for n, s in zip(new_states, states)]
            if zero_output_for_mask or prev is None:
                prev = Tensor(ACTIVE.xp.zeros(output.shape, dtype=output.dtype))
            output = apply('where', _broadcastable(m, output), output, prev)
            prev = output
        states = list(new_states)
        outputs.append(output)
    if return_sequences:
        return K.stack(outputs, axis=1), states
    return outputs[-1], states
