"""The hot optimizer updates as named kernels: ``sgd_update``, ``rmsprop_update``, ``adam_update``.

Why: the update runs on every variable at every step; as registered kernels
(``ACTIVE.kernels[name]``) a device backend can replace each by one fused
kernel (``register(fn, name='adam_update@cuda')``), as it can a convolution.
These generic ones work on NumPy/CuPy arrays in place: ``w`` (the variable's
own array) and the slots are written, nothing is returned.  The optimizer
feeds them slices of large variables (``update_chunk_size``) so that the
one temporary stays in the CPU cache; hyperparameters arrive as Python floats
(no float64 up-casts).
"""
from kcore.runtime.device import ACTIVE


def sgd_update(g, w, velocity, lr, momentum, nesterov):
    """``w -= lr * g``; with a ``velocity`` slot ``velocity = momentum * velocity - lr * g`` and
    ``w += velocity`` (Nesterov: ``w += momentum * velocity - lr * g``)."""
    xp = ACTIVE.xp
    t = xp.multiply(g, lr, out=xp.empty_like(w))
    if velocity is None:
        w -= t
        return
    velocity *= momentum
    velocity -= t
    if nesterov:
        w -= t
        xp.multiply(velocity, momentum, out=t)
        w += t
    else:
        w += velocity


def _moving_average(avg, x, rate, out):
    """``avg = rate * avg + (1 - rate) * x`` in place, using ``out`` (which may be ``x``)."""
    ACTIVE.xp.subtract(x, avg, out=out)
    out *= 1.0 - rate
    avg += out


def rmsprop_update(g, w, velocity, momentum_slot, average_gradient, lr, rho, momentum, epsilon):
    """``velocity = rho * velocity + (1 - rho) * g**2``; the step ``lr * g / (sqrt(velocity) + eps)``
    (Keras 2.3), or centred when ``average_gradient`` is given: ``lr * g / sqrt(velocity -
    average**2 + eps)`` (Keras 3);
    with a ``momentum_slot``: ``mom = momentum * mom + step``, ``w -= mom``."""
    xp = ACTIVE.xp
    t = xp.multiply(g, g, out=xp.empty_like(w))
    _moving_average(velocity, t, rho, out=t)
    if average_gradient is not None:  # Keras 3's centred variant: epsilon under the root
        _moving_average(average_gradient, g, rho, out=t)
        xp.multiply(average_gradient, average_gradient, out=t)
        xp.subtract(velocity, t, out=t)
        t += epsilon
        xp.sqrt(t, out=t)
    else:  # Keras 2.3: sqrt(velocity) + eps
        xp.sqrt(velocity, out=t)
        t += epsilon
    xp.divide(g, t, out=t)
    t *= lr
    if momentum_slot is not None:
        momentum_slot *= momentum
        momentum_slot += t
        w -= momentum_slot
    else:
        w -= t


def adam_update(g, w, m, v, v_hat, alpha, beta_1, beta_2, epsilon):
    """``m``, ``v`` the moving averages of ``g`` and ``g**2``; ``w -= alpha * m / (sqrt(v) + eps)``
    (``alpha`` carries the bias correction); with a ``v_hat`` slot (AMSGrad) the running
    maximum of ``v`` replaces it."""
    xp = ACTIVE.xp
    t = xp.empty_like(w)
    _moving_average(m, g, beta_1, out=t)
    xp.multiply(g, g, out=t)
    _moving_average(v, t, beta_2, out=t)
    if v_hat is not None:
        v = xp.maximum(v_hat, v, out=v_hat)
    xp.sqrt(v, out=t)
    t += epsilon
    xp.divide(m, t, out=t)
    t *= alpha
    w -= t


#: kernels this module adds, registered by kcore's built-in plugin
KERNELS = {'sgd_update': sgd_update, 'rmsprop_update': rmsprop_update, 'adam_update': adam_update}
