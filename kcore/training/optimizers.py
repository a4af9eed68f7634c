"""Optimizers: Keras 2.3's update rules and defaults (Keras 3's extras where Keras 2.3 has
none: AdamW, weight decay, RMSprop's momentum and centered variant, clipping by global
norm), updating variables in place.

Keras 2.3's choices, as its scripts expect: SGD 0.01, RMSprop 0.001, Adagrad 0.01 with
accumulators starting at 0, Adadelta 1.0, Adam 0.001, Adamax and Nadam 0.002;
``epsilon=None`` means ``K.epsilon()``; RMSprop and Adagrad add epsilon outside the square
root (``g / (sqrt(v) + eps)``), Adadelta inside; Nadam's momentum schedule decays as
``0.96 ** (t * schedule_decay)``.

``Optimizer``, the machinery every rule shares (learning rate and its schedule, clipping,
weight decay, constraints, slots, the update loop), lives in
``kcore.training.optimizer_base`` and is re-exported here.  A rule names its slots and
implements ``update_step(g, w, lr, slots)`` on backend arrays, writing in place.

Every rule runs its arithmetic through a named kernel of
``kcore.training.update_kernels`` (``sgd_update``, ``rmsprop_update``, ``adam_update``,
``adamax_update``, ``nadam_update``, ``adagrad_update``, ``adadelta_update``), which a
device backend may replace by one fused kernel.
"""
import math

from kcore import config
from kcore.runtime.device import ACTIVE
from kcore.serialization import resolve
from kcore.training.optimizer_base import Optimizer, SettableFloat, clip_norm  # noqa: F401


def _epsilon(value):
    """Keras 2.3: ``epsilon=None`` means ``K.epsilon()`` (read when the optimizer is made)."""
    return config.epsilon() if value is None else value


# -- the rules ------------------------------------------------------------------------------
class SGD(Optimizer):
    """Gradient descent with optional momentum, Keras 2.3's rule (Keras 3's too).

    ``w -= lr * g`` without momentum; otherwise ``velocity = momentum * velocity -
    lr * g`` then ``w += velocity``, or with ``nesterov=True``
    ``w += momentum * velocity - lr * g``.

    Args:
        learning_rate: A float, a ``LearningRateSchedule`` or a no-argument callable; 0.01 by default.
        momentum: The velocity factor in [0, 1]; 0 for plain gradient descent.
        nesterov: Use Nesterov momentum.
        name: The optimizer's name.
        **kwargs: The options every optimizer takes: ``clipnorm``, ``clipvalue``,
            ``global_clipnorm``, ``weight_decay``, and Keras 2's ``decay`` and ``lr``.
    """

    _config_keys = ('momentum', 'nesterov')

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, *, name='SGD', **kwargs):
        super().__init__(learning_rate, name=name, **kwargs)
        self.momentum = self._hyper('momentum', momentum, 0, 1)
        self.nesterov = bool(nesterov)
        self.slot_names = ('momentum',) if self.momentum else ()

    def update_step(self, g, w, lr, slots):
        ACTIVE.kernels['sgd_update'](g, w, slots.get('momentum'), lr, self.momentum, self.nesterov)


class RMSprop(Optimizer):
    """RMSprop (Hinton, 2012), Keras 2.3's rule.

    ``v = rho * v + (1 - rho) * g**2``; the step is ``lr * g / (sqrt(v) + eps)``.
    Keras 3's extras: with ``centered=True`` the step is ``lr * g / sqrt(v - a**2 + eps)``
    where ``a`` averages ``g`` the same way (Keras 3's placement); with ``momentum > 0``,
    ``mom = momentum * mom + step``, ``w -= mom``; otherwise ``w -= step``.

    Args:
        learning_rate: A float, a ``LearningRateSchedule`` or a no-argument callable; 0.001 by default.
        rho: The decay of the squared-gradient average.
        momentum: Keras 3's momentum on the step; 0 for none.
        epsilon: The fuzz factor; None means ``K.epsilon()`` (Keras 2.3).
        centered: Divide by the centred second moment (Keras 3).
        name: The optimizer's name.
        **kwargs: The options every optimizer takes: ``clipnorm``, ``clipvalue``,
            ``global_clipnorm``, ``weight_decay``, and Keras 2's ``decay`` and ``lr``.
    """

    _config_keys = ('rho', 'momentum', 'epsilon', 'centered')

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=None, centered=False, *,
                 name='rmsprop', **kwargs):
        super().__init__(learning_rate, name=name, **kwargs)
        self.rho = self._hyper('rho', rho, 0, 1)
        self.momentum = self._hyper('momentum', momentum, 0, 1)
        self.epsilon = self._hyper('epsilon', _epsilon(epsilon), 0, lo_open=True)
        self.centered = bool(centered)
        self.slot_names = (('velocity',) + (('momentum',) if self.momentum else ())
                           + (('average_gradient',) if self.centered else ()))

    def update_step(self, g, w, lr, slots):
        ACTIVE.kernels['rmsprop_update'](g, w, slots['velocity'], slots.get('momentum'),
                                         slots.get('average_gradient'), lr, self.rho, self.momentum, self.epsilon)


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2014), Keras 2.3's rule (Keras 3's too), AMSGrad optional.

    ``m = beta_1 * m + (1 - beta_1) * g``, ``v = beta_2 * v + (1 - beta_2) * g**2``
    (with ``amsgrad``, ``v_hat = max(v_hat, v)`` replaces ``v`` below), and
    ``w -= alpha * m / (sqrt(v) + eps)`` with
    ``alpha = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)``: epsilon is the paper's
    "epsilon hat", outside the bias correction.

    Args:
        learning_rate: A float, a ``LearningRateSchedule`` or a no-argument callable; 0.001 by default.
        beta_1: The decay of the first-moment average.
        beta_2: The decay of the second-moment average.
        epsilon: The fuzz factor; None means ``K.epsilon()`` (Keras 2.3).
        amsgrad: Use the AMSGrad variant.
        name: The optimizer's name.
        **kwargs: The options every optimizer takes: ``clipnorm``, ``clipvalue``,
            ``global_clipnorm``, ``weight_decay``, and Keras 2's ``decay`` and ``lr``.
    """

    per_step_host_values = True  # the update reads the step count (not replayable)

    _config_keys = ('beta_1', 'beta_2', 'epsilon', 'amsgrad')

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=None, amsgrad=False, *,
                 name='adam', **kwargs):
        super().__init__(learning_rate, name=name, **kwargs)
        self.beta_1 = self._hyper('beta_1', beta_1, 0, 1, hi_open=True)
        self.beta_2 = self._hyper('beta_2', beta_2, 0, 1, hi_open=True)
        self.epsilon = self._hyper('epsilon', _epsilon(epsilon), 0)
        self.amsgrad = bool(amsgrad)
        self.slot_names = ('momentum', 'velocity', 'velocity_hat') if self.amsgrad else ('momentum', 'velocity')

    def update_step(self, g, w, lr, slots):
        t_ = self.iterations + 1
        alpha = lr * math.sqrt(1.0 - self.beta_2 ** t_) / (1.0 - self.beta_1 ** t_)
        ACTIVE.kernels['adam_update'](g, w, slots['momentum'], slots['velocity'], slots.get('velocity_hat'), alpha,
                                      self.beta_1, self.beta_2, self.epsilon)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019), Keras 3's rule.

    Each step first shrinks ``w *= 1 - lr * weight_decay`` (the base class does it
    for every optimizer given ``weight_decay``), then applies Adam's update.

    Args:
        learning_rate: A float, a ``LearningRateSchedule`` or a no-argument callable; 0.001 by default.
        weight_decay: The decoupled decay factor (required: AdamW without it is Adam).
        beta_1: The decay of the first-moment average.
        beta_2: The decay of the second-moment average.
        epsilon: The fuzz factor; None means ``K.epsilon()`` (Keras 2.3).
        amsgrad: Use the AMSGrad variant.
        name: The optimizer's name.
        **kwargs: The options every optimizer takes: ``clipnorm``, ``clipvalue``,
            ``global_clipnorm``, ``weight_decay``, and Keras 2's ``decay`` and ``lr``.
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=None,
                 amsgrad=False, *, name='adamw', **kwargs):
        if weight_decay is None:
            raise ValueError('AdamW: argument `weight_decay` must be a float. Received: weight_decay=None. '
                             'Pass a number (the default is 0.004), or use Adam for no weight decay.')
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad, name=name, weight_decay=weight_decay,
                         **kwargs)


class Adamax(Optimizer):
    """Adamax, Adam's infinity-norm variant (Kingma & Ba, 2014, section 7.1), Keras 2.3's rule.

    ``m = beta_1 * m + (1 - beta_1) * g``, ``u = max(beta_2 * u, |g|)``,
    ``w -= lr * m / ((1 - beta_1**t) * (u + eps))``.

    Args:
        learning_rate: A float, a ``LearningRateSchedule`` or a no-argument callable; 0.002 by default.
        beta_1: The decay of the first-moment average.
        beta_2: The decay of the infinity-norm average.
        epsilon: The fuzz factor; None means ``K.epsilon()`` (Keras 2.3).
        name: The optimizer's name.
        **kwargs: The options every optimizer takes: ``clipnorm``, ``clipvalue``,
            ``global_clipnorm``, ``weight_decay``, and Keras 2's ``decay`` and ``lr``.
    """

    per_step_host_values = True  # the update reads the step count (not replayable)

    slot_names = ('momentum', 'norm')
    _config_keys = ('beta_1', 'beta_2', 'epsilon')

    def __init__(self, learning_rate=0.002, beta_1=0.9, beta_2=0.999, epsilon=None, *, name='adamax', **kwargs):
        super().__init__(learning_rate, name=name, **kwargs)
        self.beta_1 = self._hyper('beta_1', beta_1, 0, 1, hi_open=True)
        self.beta_2 = self._hyper('beta_2', beta_2, 0, 1)
        self.epsilon = self._hyper('epsilon', _epsilon(epsilon), 0)

    def update_step(self, g, w, lr, slots):
        ACTIVE.kernels['adamax_update'](g, w, slots['momentum'], slots['norm'],
                                        lr / (1.0 - self.beta_1 ** (self.iterations + 1)),
                                        self.beta_1, self.beta_2, self.epsilon)


class Nadam(Optimizer):
    """Nadam, Adam with Nesterov momentum (Dozat, 2016), Keras 2.3's rule.

    With the momentum schedule ``u_t = beta_1 * (1 - 0.5 * 0.96**(t * schedule_decay))``
    (``schedule_decay=1`` gives Keras 3's ``0.96**t``) and
    ``P_t = u_1 * ... * u_t``: ``m`` and ``v`` as in Adam, then
    ``m_hat = u_{t+1} * m / (1 - P_t * u_{t+1}) + (1 - u_t) * g / (1 - P_t)``,
    ``v_hat = v / (1 - beta_2**t)`` and ``w -= lr * m_hat / (sqrt(v_hat) + eps)``.
    ``P_t`` follows from the iteration count, so it is not part of ``state()``.

    Args:
        learning_rate: A float, a ``LearningRateSchedule`` or a no-argument callable; 0.002 by default.
        beta_1: The decay of the first-moment average.
        beta_2: The decay of the second-moment average.
        epsilon: The fuzz factor; None means ``K.epsilon()`` (Keras 2.3).
        schedule_decay: The momentum schedule's decay (Keras 2.3).
        name: The optimizer's name.
        **kwargs: The options every optimizer takes: ``clipnorm``, ``clipvalue``,
            ``global_clipnorm``, ``weight_decay``, and Keras 2's ``decay`` and ``lr``.
    """

    per_step_host_values = True  # the update reads the step count (not replayable)

    slot_names = ('momentum', 'velocity')
    _config_keys = ('beta_1', 'beta_2', 'epsilon', 'schedule_decay')

    def __init__(self, learning_rate=0.002, beta_1=0.9, beta_2=0.999, epsilon=None, schedule_decay=0.004, *,
                 name='nadam', **kwargs):
        super().__init__(learning_rate, name=name, **kwargs)
        self.beta_1 = self._hyper('beta_1', beta_1, 0, 1, hi_open=True)
        self.beta_2 = self._hyper('beta_2', beta_2, 0, 1, hi_open=True)
        self.epsilon = self._hyper('epsilon', _epsilon(epsilon), 0)
        self.schedule_decay = self._hyper('schedule_decay', schedule_decay, 0)
        self._product = (0, 1.0)  # (t, P_t)

    def _u(self, t):
        return self.beta_1 * (1.0 - 0.5 * 0.96 ** (t * self.schedule_decay))

    def _u_product(self, t):
        done, p = self._product if self._product[0] <= t else (0, 1.0)
        for i in range(done + 1, t + 1):
            p *= self._u(i)
        self._product = (t, p)
        return p

    def update_step(self, g, w, lr, slots):
        t_ = self.iterations + 1
        u_t, u_next, p_t = self._u(t_), self._u(t_ + 1), self._u_product(t_)
        ACTIVE.kernels['nadam_update'](g, w, slots['momentum'], slots['velocity'], lr, self.beta_1, self.beta_2,
                                       self.epsilon, (1.0 - u_t) / (1.0 - p_t), u_next / (1.0 - p_t * u_next),
                                       1.0 / math.sqrt(1.0 - self.beta_2 ** t_))


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011), Keras 2.3's rule.

    ``acc += g**2`` (``acc`` starts at ``initial_accumulator_value``: 0 as in Keras 2.3,
    Keras 3 starts at 0.1), then ``w -= lr * g / (sqrt(acc) + eps)``.

    Args:
        learning_rate: A float, a ``LearningRateSchedule`` or a no-argument callable; 0.01 by default.
        initial_accumulator_value: The starting value of the accumulators (0, as Keras 2.3).
        epsilon: The fuzz factor; None means ``K.epsilon()`` (Keras 2.3).
        name: The optimizer's name.
        **kwargs: The options every optimizer takes: ``clipnorm``, ``clipvalue``,
            ``global_clipnorm``, ``weight_decay``, and Keras 2's ``decay`` and ``lr``.
    """

    slot_names = ('accumulator',)
    _config_keys = ('initial_accumulator_value', 'epsilon')

    def __init__(self, learning_rate=0.01, initial_accumulator_value=0.0, epsilon=None, *, name='adagrad',
                 **kwargs):
        super().__init__(learning_rate, name=name, **kwargs)
        self.initial_accumulator_value = self._hyper('initial_accumulator_value', initial_accumulator_value, 0)
        self.epsilon = self._hyper('epsilon', _epsilon(epsilon), 0, lo_open=True)

    def _init_slot(self, name, var, xp):
        return xp.full(var.shape, self.initial_accumulator_value, dtype=var.dtype)

    def update_step(self, g, w, lr, slots):
        ACTIVE.kernels['adagrad_update'](g, w, slots['accumulator'], lr, self.epsilon)


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012), Keras 2.3's rule (with a learning rate, 1.0 as in the paper and
    Keras 2.3; Keras 3's default is 0.001).

    ``Eg = rho * Eg + (1 - rho) * g**2``, ``delta = -sqrt(Ed + eps) / sqrt(Eg + eps) * g``,
    ``Ed = rho * Ed + (1 - rho) * delta**2``, ``w += lr * delta``.

    Args:
        learning_rate: A float, a ``LearningRateSchedule`` or a no-argument callable; 1.0 by default.
        rho: The decay of the averages.
        epsilon: The fuzz factor; None means ``K.epsilon()`` (Keras 2.3).
        name: The optimizer's name.
        **kwargs: The options every optimizer takes: ``clipnorm``, ``clipvalue``,
            ``global_clipnorm``, ``weight_decay``, and Keras 2's ``decay`` and ``lr``.
    """

    slot_names = ('accumulated_grad', 'accumulated_delta_var')
    _config_keys = ('rho', 'epsilon')

    def __init__(self, learning_rate=1.0, rho=0.95, epsilon=None, *, name='adadelta', **kwargs):
        super().__init__(learning_rate, name=name, **kwargs)
        self.rho = self._hyper('rho', rho, 0, 1)
        self.epsilon = self._hyper('epsilon', _epsilon(epsilon), 0)

    def update_step(self, g, w, lr, slots):
        ACTIVE.kernels['adadelta_update'](g, w, slots['accumulated_grad'], slots['accumulated_delta_var'], lr,
                                          self.rho, self.epsilon)


def get(identifier):
    """An optimizer instance from a name ('adam'), a config dict, a class or an instance."""
    return resolve('optimizers', identifier)


BUILTINS = [(SGD, ('sgd',)), (RMSprop, ('rmsprop',)), (Adam, ('adam',)), (AdamW, ('adamw',)),
            (Adamax, ('adamax',)), (Nadam, ('nadam',)), (Adagrad, ('adagrad',)), (Adadelta, ('adadelta',))]
