"""``rnn_unstack``: split a sequence into its steps in one node.

The generic per-step path reads every step of its input; slicing ``x[:, t]``
T times would record T nodes whose gradients each allocate the whole input.
This kernel has T outputs and one backward that writes each step's gradient
into one array.
"""
from kcore.backend.device import ACTIVE


def rnn_unstack(x, axis=1):
    """The slices of ``x`` along ``axis`` (views), as a tuple."""
    index = [slice(None)] * x.ndim
    keys = []
    for i in range(x.shape[axis]):
        index[axis] = i
        keys.append(tuple(index))
    out = tuple(x[k] for k in keys)

    def vjp(grads, needs):
        if not isinstance(grads, tuple):  # one step: autodiff passes the gradient bare
            grads = (grads,)
        g = ACTIVE.xp.zeros(x.shape, dtype=x.dtype)
        for k, gk in zip(keys, grads):
            if gk is not None:
                g[k] = gk
        return (g,)
    return out, vjp
