"""Kernels that exist so that a device backend can fuse them: ``bias_activation``.

Each is a composite of primitives, written once against ``xp`` like them and
registered in the same ``KERNELS`` table; a backend replaces it by one launch
(``register(fn, name='bias_activation', backend='cuda')``).  The generic
versions cost no more than the separate primitives did.
"""
from kcore.autodiff.primitives import kernel
from kcore.runtime.device import ACTIVE

#: ``example=`` inputs of these kernels, for ``kcore.testing.check_override``
EXAMPLES = {'bias_activation': {'inputs': [(4, 3), (3,)], 'params': {'activation': 'relu'}}}

#: the activations ``bias_activation`` takes by name: those with a kernel of their own
BIAS_ACTIVATIONS = ('linear', 'relu', 'sigmoid', 'tanh', 'softmax', 'elu', 'softplus', 'softsign')


@kernel
def bias_activation(x, b, activation='linear', axis=-1):
    """``activation(x + b)``, ``b`` (one value per channel) added along ``axis``, in one node.

    Why: a layer's bias add and activation (Dense after its ``matmul``) are one
    element-wise pass that a device backend fuses into one launch.  ``activation``
    is one of ``BIAS_ACTIVATIONS``; 'softmax' normalises over the last axis (as
    Keras's does), whatever ``axis`` is.  The generic kernel works in place on
    its own sum, so it allocates no more than a separate bias add and activation.
    """
    xp = ACTIVE.xp
    if activation not in BIAS_ACTIVATIONS:
        raise ValueError('bias_activation: unknown activation %r. Expected one of %s. Apply other activations '
                         'after the bias add.' % (activation, ', '.join(BIAS_ACTIVATIONS)))
    axis = axis % x.ndim
    last = axis == x.ndim - 1
    z = x + (b if last else b.reshape((-1,) + (1,) * (x.ndim - 1 - axis)))
    act_vjp = None
    if activation == 'relu':
        y = xp.maximum(z, 0, out=z)
        act_vjp = lambda g: g * (y > 0)  # noqa: E731
    elif activation == 'tanh':
        y = xp.tanh(z, out=z)
        act_vjp = lambda g: g * (1 - y * y)  # noqa: E731
    elif activation != 'linear':
        y, inner = ACTIVE.kernels[activation](z)
        act_vjp = lambda g: inner(g, (True,))[0]  # noqa: E731
    else:
        y = z

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
