"""The optimizer updates as named kernels, one per rule: ``sgd_update``, ``rmsprop_update``,
``adam_update``, ``adamax_update``, ``nadam_update``, ``adagrad_update``, ``adadelta_update``.

Why: the update runs on every variable at every step; as registered kernels
(``ACTIVE.kernels[name]``) a device backend can replace each by one fused
kernel (``register(fn, name='adam_update@cuda')``), as it can a convolution.
These generic ones work on NumPy/CuPy arrays in place: ``w`` (the variable's
own array) and the slots are written, nothing is returned.  The optimizer
feeds them slices of large variables (``update_chunk_size``) so that the
one temporary stays in the CPU cache; hyperparameters arrive as Python floats
(no float64 up-casts), with everything that depends only on the step count
(bias corrections, Nadam's momentum schedule) already folded into them, so a
fused kernel needs no host arithmetic.  The arithmetic is Keras 2.3's, in the
order the optimizers always used (results are bit for bit the same).
"""
import numpy as np

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


def adamax_update(g, w, m, u, alpha, beta_1, beta_2, epsilon):
    """Adamax: ``m = beta_1 * m + (1 - beta_1) * g``, ``u = max(beta_2 * u, |g|)``,
    ``w -= alpha * m / (u + eps)`` (``alpha = lr / (1 - beta_1**t)`` carries the bias correction)."""
    xp = ACTIVE.xp
    t = xp.empty_like(w)
    _moving_average(m, g, beta_1, out=t)
    u *= beta_2
    xp.maximum(u, xp.abs(g, out=t), out=u)
    xp.add(u, epsilon, out=t)
    _descend(w, m, t, alpha)


def nadam_update(g, w, m, v, lr, beta_1, beta_2, epsilon, gradient_coef, momentum_coef, velocity_correction):
    """Nadam: ``m``, ``v`` as in Adam, then ``m_hat = gradient_coef * g + momentum_coef * m``,
    ``w -= lr * m_hat / (sqrt(v) * velocity_correction + eps)``.  The optimizer computes the
    coefficients from its momentum schedule: ``gradient_coef = (1 - u_t) / (1 - P_t)``,
    ``momentum_coef = u_{t+1} / (1 - P_t * u_{t+1})``, ``velocity_correction =
    1 / sqrt(1 - beta_2**t)``."""
    xp = ACTIVE.xp
    t = xp.empty_like(w)
    _moving_average(m, g, beta_1, out=t)
    _moving_average(v, xp.multiply(g, g, out=t), beta_2, out=t)
    m_hat = xp.multiply(g, gradient_coef, out=xp.empty_like(w))
    m_hat += xp.multiply(m, momentum_coef, out=t)
    xp.sqrt(v, out=t)
    t *= velocity_correction
    t += epsilon
    _descend(w, m_hat, t, lr)


def adagrad_update(g, w, accumulator, lr, epsilon):
    """Adagrad: ``accumulator += g**2``, ``w -= lr * g / (sqrt(accumulator) + eps)``."""
    xp = ACTIVE.xp
    t = xp.multiply(g, g, out=xp.empty_like(w))
    accumulator += t
    xp.sqrt(accumulator, out=t)
    t += epsilon
    _descend(w, g, t, lr)


def adadelta_update(g, w, accumulated_grad, accumulated_delta_var, lr, rho, epsilon):
    """Adadelta: ``Eg = rho * Eg + (1 - rho) * g**2``, ``step = g * sqrt(Ed + eps) / sqrt(Eg + eps)``,
    ``Ed = rho * Ed + (1 - rho) * step**2``, ``w -= lr * step``."""
    xp = ACTIVE.xp
    t = xp.multiply(g, g, out=xp.empty_like(w))
    _moving_average(accumulated_grad, t, rho, out=t)
    step = xp.add(accumulated_delta_var, epsilon, out=xp.empty_like(w))
    xp.sqrt(step, out=step)
    step *= g
    xp.add(accumulated_grad, epsilon, out=t)
    step /= xp.sqrt(t, out=t)
    _moving_average(accumulated_delta_var, xp.multiply(step, step, out=t), rho, out=t)
    step *= lr
    w -= step


def _descend(w, num, den, scale):
    """``w -= scale * num / den``, overwriting ``den``."""
    ACTIVE.xp.divide(num, den, out=den)
    den *= scale
    w -= den


_POSITIVE = np.linspace(0.05, 1.5, 12).reshape(3, 4)  # second moments and accumulators are >= 0
_G = (3, 4)  # a random (3, 4) array

#: inputs for ``kcore.testing.check_override`` (the ``example=`` each kernel is registered with)
EXAMPLES = {
    'sgd_update': {'inputs': [_G, _G, _G], 'params': {'lr': 0.1, 'momentum': 0.9, 'nesterov': True}},
    'rmsprop_update': {'inputs': [_G, _G, _POSITIVE, _G, None],
                       'params': {'lr': 0.01, 'rho': 0.9, 'momentum': 0.5, 'epsilon': 1e-7}},
    'adam_update': {'inputs': [_G, _G, _G, _POSITIVE, _POSITIVE * 1.1],
                    'params': {'alpha': 0.01, 'beta_1': 0.9, 'beta_2': 0.999, 'epsilon': 1e-7}},
    'adamax_update': {'inputs': [_G, _G, _G, _POSITIVE],
                      'params': {'alpha': 0.01, 'beta_1': 0.9, 'beta_2': 0.999, 'epsilon': 1e-7}},
    'nadam_update': {'inputs': [_G, _G, _G, _POSITIVE],
                     'params': {'lr': 0.002, 'beta_1': 0.9, 'beta_2': 0.999, 'epsilon': 1e-7, 'gradient_coef': 0.1,
                                'momentum_coef': 0.9, 'velocity_correction': 30.0}},
    'adagrad_update': {'inputs': [_G, _G, _POSITIVE], 'params': {'lr': 0.01, 'epsilon': 1e-7}},
    'adadelta_update': {'inputs': [_G, _G, _POSITIVE, _POSITIVE * 0.5],
                        'params': {'lr': 1.0, 'rho': 0.95, 'epsilon': 1e-7}},
}

#: kernels this module adds, registered by kcore's built-in plugin
KERNELS = {'sgd_update': sgd_update, 'rmsprop_update': rmsprop_update, 'adam_update': adam_update,
           'adamax_update': adamax_update, 'nadam_update': nadam_update, 'adagrad_update': adagrad_update,
           'adadelta_update': adadelta_update}
