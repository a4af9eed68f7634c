"""Activations the fused sequence kernels can run: in place, with the derivative
taken from the output.

The BPTT loops keep only each gate's activated value, so an activation is
fusable when its derivative can be written in terms of its output (``tanh``:
``1 - y**2``).  A layer whose activation is not listed here (a user's own
function, ``elu``, ...) runs the generic per-step path instead, which any
activation supports.

Sigmoid is computed as ``0.5 * tanh(0.5 * x) + 0.5``: exact, and it never
overflows (``1 / (1 + exp(-x))`` warns for large negative float32 inputs).
"""
from kcore.backend.device import ACTIVE


def _tanh(a, out=None):
    return ACTIVE.xp.tanh(a, out=a if out is None else out)


def _tanh_grad(y):
    return 1 - y * y


def _sigmoid(a, out=None):
    xp = ACTIVE.xp
    out = a if out is None else out
    xp.multiply(a, 0.5, out=out)
    xp.tanh(out, out=out)
    out *= 0.5
    out += 0.5
    return out


def _sigmoid_grad(y):
    return y * (1 - y)


def _hard_sigmoid(a, out=None):
    """Keras 2's ``clip(0.2 x + 0.5, 0, 1)`` (kcore's ``hard_sigmoid``)."""
    xp = ACTIVE.xp
    out = a if out is None else out
    xp.multiply(a, 0.2, out=out)
    out += 0.5
    return xp.clip(out, 0, 1, out=out)


def _hard_sigmoid_grad(y):
    return ((y > 0) & (y < 1)) * y.dtype.type(0.2)


def _relu(a, out=None):
    return ACTIVE.xp.maximum(a, 0, out=a if out is None else out)


def _relu_grad(y):
    return (y > 0).astype(y.dtype)


def _linear(a, out=None):
    if out is not None and out is not a:
        out[...] = a
        return out
    return a


def _linear_grad(y):
    return ACTIVE.xp.ones_like(y)


def _softsign(a, out=None):
    xp = ACTIVE.xp
    return xp.divide(a, 1 + xp.abs(a), out=a if out is None else out)


def _softsign_grad(y):
    d = 1 - ACTIVE.xp.abs(y)
    return d * d


#: registered activation name -> (``fn(a, out=None)`` writing into ``out`` (default: ``a``
#: itself), derivative from the output)
FUSED = {
    'tanh': (_tanh, _tanh_grad),
    'sigmoid': (_sigmoid, _sigmoid_grad),
    'hard_sigmoid': (_hard_sigmoid, _hard_sigmoid_grad),
    'relu': (_relu, _relu_grad),
    'linear': (_linear, _linear_grad),
    'softsign': (_softsign, _softsign_grad),
}


def get(name):
    """``(apply_inplace, grad_from_output)`` for a fusable activation name."""
    try:
        return FUSED[name]
    except KeyError:
        raise ValueError('Activation %r cannot run inside a fused recurrent kernel. Fusable '
                         'activations: %s. Other activations run on the generic per-step path.'
                         % (name, ', '.join(sorted(FUSED)))) from None


def fusable_name(fn):
    """The name of activation function ``fn`` if the kernels can fuse it, else None."""
    from kcore.plugins import registry
    name = registry('activations').name_of(fn)  # by identity: a look-alike user function is not fused
    return name if name in FUSED else None


# sigmoid(x) = 0.5 * tanh(0.5 * x) + 0.5 and tanh(x) = 1 * tanh(1 * x) + 0:
# name -> (input scale, output scale, output shift, beta, gamma), where the
# derivative from the output y is y * (beta - y) + gamma.
_TANH_FAMILY = {
    'sigmoid': (0.5, 0.5, 0.5, 1.0, 0.0),
    'tanh': (1.0, 1.0, 0.0, 0.0, 1.0),
}


class GateBlocks:
    """The activations of a row of equal-width gate blocks (LSTM's i, f, c, o).

    When every block is sigmoid or tanh (Keras's defaults) the whole row is
    activated by one ``tanh`` over contiguous memory plus a per-column scale and
    shift; the input scale is folded into the weights once per call
    (``prescale``).  Column slices of a row are strided views, which NumPy
    handles at half speed, so this matters on the per-step path.  Other
    activations run block by block.
    """

    def __init__(self, names, units, dtype):
        xp = ACTIVE.xp
        self.units = units
        self.blocks = [get(n) for n in names]
        self.fused = all(n in _TANH_FAMILY for n in names)
        if self.fused:
            cols = [xp.repeat(xp.asarray([_TANH_FAMILY[n][k] for n in names], dtype=dtype), units)
                    for k in range(5)]
            self._pre, self._scale, self._shift, self._beta, self._gamma = cols

    def prescale(self, w):
        """``w`` with the row's input scale folded in (gate columns last); None passes."""
        if w is None or not self.fused:
            return w
        return w * self._pre

    def apply(self, z):
        """Activate ``z`` ``(B, k * U)`` in place (``z`` computed with prescaled weights)."""
        if self.fused:
            xp = ACTIVE.xp
            xp.tanh(z, out=z)
            z *= self._scale
            z += self._shift
            return z
        u = self.units
        for k, (fn, _) in enumerate(self.blocks):
            fn(z[:, k * u:(k + 1) * u])
        return z

    def apply_unscaled(self, z):
        """Activate ``z`` ``(B, k * U)`` in place, ``z`` computed with the weights as they are."""
        if self.fused:
            ACTIVE.xp.multiply(z, self._pre, out=z)
        return self.apply(z)

    def grad(self, y, out):
        """Multiply ``out`` in place by the derivative of the activations, from their outputs ``y``."""
        if self.fused:
            d = self._beta - y
            d *= y
            d += self._gamma
            out *= d
            return out
        u = self.units
        for k, (_, g) in enumerate(self.blocks):
            out[:, k * u:(k + 1) * u] *= g(y[:, k * u:(k + 1) * u])
        return out
