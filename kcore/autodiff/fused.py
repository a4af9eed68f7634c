"""Kernels that exist so that a device backend can fuse them: ``bias_activation`` and
``dense`` (with its bias and activation).

Each is a composite of primitives, written once against ``xp`` like them and
registered in the same ``KERNELS`` table; a backend replaces it by one launch
(``register(fn, name='bias_activation', backend='cuda')``).  The generic
versions cost no more than the separate primitives did.
"""
from kcore.autodiff.primitives import kernel
from kcore.runtime.device import ACTIVE

#: ``example=`` inputs of these kernels, for ``kcore.testing.check_override``
EXAMPLES = {'bias_activation': {'inputs': [(4, 3), (3,)], 'params': {'activation': 'relu'}},
            'dense': {'inputs': [(4, 3), (3, 2), (2,)], 'params': {'activation': 'tanh'}}}

#: the activations ``bias_activation`` takes by name: those with a kernel of their own
BIAS_ACTIVATIONS = ('linear', 'relu', 'sigmoid', 'tanh', 'softmax', 'elu', 'softplus', 'softsign')


def _activation_in_place(z, activation, kernel_name):
    """``activation(z)``, overwriting ``z`` where that is exact (relu, tanh); returns the output
    and the rule that turns its gradient into ``z``'s (None for 'linear')."""
    if activation not in BIAS_ACTIVATIONS:
        raise ValueError('%s: unknown activation %r. Expected one of %s. Apply other activations '
                         'after the bias add.' % (kernel_name, activation, ', '.join(BIAS_ACTIVATIONS)))
    if activation == 'linear':
        return z, None
    xp = ACTIVE.xp
    if activation == 'relu':
        y = xp.maximum(z, 0, out=z)
        return y, lambda g: g * (y > 0)
    if activation == 'tanh':
        y = xp.tanh(z, out=z)
        return y, lambda g: g * (1 - y * y)
    y, inner = ACTIVE.kernels[activation](z)
    return y, lambda g: inner(g, (True,))[0]


@kernel
def bias_activation(x, b, activation='linear', axis=-1):
    """``activation(x + b)``, ``b`` (one value per channel) added along ``axis``, in one node.

    Why: a layer's bias add and activation (a convolution's) are one element-wise
    pass that a device backend fuses into one launch.  ``activation`` is one of
    ``BIAS_ACTIVATIONS``; 'softmax' normalises over the last axis (as Keras's
    does), whatever ``axis`` is.  The generic kernel works in place on its own
    sum, so it allocates no more than a separate bias add and activation.
    """
    axis = axis % x.ndim
    last = axis == x.ndim - 1
    y, act_vjp = _activation_in_place(x + (b if last else b.reshape((-1,) + (1,) * (x.ndim - 1 - axis))),
                                      activation, 'bias_activation')

    def vjp(g, needs):
        gz = g if act_vjp is None else act_vjp(g)
        gb = None
        if needs[1]:
            if last:
                gb = gz.reshape(-1, gz.shape[-1]).sum(axis=0)
            else:
                gb = gz.sum(axis=tuple(i for i in range(gz.ndim) if i != axis))
        return (gz if needs[0] else None), gb
    return y, vjp


@kernel
def dense(x, w, b=None, activation='linear'):
    """``activation(x @ w + b)`` in one node: Dense's forward pass.  The bias add and the
    activation (one of ``BIAS_ACTIVATIONS``) run in place on the product, so the node
    allocates nothing beyond it; a device backend fuses them into the GEMM's epilogue."""
    xp = ACTIVE.xp
    out = xp.matmul(x, w)
    if b is not None:
        out += b
    y, act_vjp = _activation_in_place(out, activation, 'dense')

    def vjp(g, needs):
        if act_vjp is not None:
            g = act_vjp(g)
        gx = gw = gb = None
        if needs[0]:
            gx = xp.matmul(g, w.T)
        if needs[1]:
            if x.ndim == 2:
                gw = xp.matmul(x.T, g)
            else:
                gw = xp.matmul(x.reshape(-1, x.shape[-1]).T, g.reshape(-1, g.shape[-1]))
        if b is not None and needs[2]:
            gb = g.reshape(-1, g.shape[-1]).sum(axis=0)
        return gx, gw, gb
    return y, vjp
