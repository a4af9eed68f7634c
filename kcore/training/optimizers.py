"""Optimizers: Keras 3's update rules and defaults, updating variables in place.

``Optimizer`` handles what every rule shares (learning rate and schedules,
``clipnorm``/``clipvalue``/``global_clipnorm``, weight decay, constraints, the
iteration counter, slot state for saving); a subclass implements
``update_step(grad, var, lr, slots)`` on backend arrays, writing into
``var.data`` and its slots in place.
"""
import math

from kcore._deprecated import warn_renamed
from kcore.autodiff.tensor import Tensor, no_grad
from kcore.backend.device import ACTIVE
from kcore.utils.naming import snake_case


class Optimizer:
    """Base class of optimizers; see the module docstring."""

    #: slot names a subclass creates for every variable, in order
    slot_names = ()

    def __init__(self, learning_rate=0.001, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 weight_decay=None, name=None, **kwargs):
        if 'lr' in kwargs:
            warn_renamed('%s(lr=...)' % type(self).__name__, 'learning_rate=...')
            learning_rate = kwargs.pop('lr')
        self.decay = float(kwargs.pop('decay', 0.0))  # Keras 2 time-based decay
        if kwargs:
            raise TypeError('%s got unexpected argument(s): %s.' % (type(self).__name__, ', '.join(sorted(kwargs))))
        if sum(x is not None for x in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError('Pass at most one of clipnorm, clipvalue and global_clipnorm. Received: '
                             'clipnorm=%r, clipvalue=%r, global_clipnorm=%r.' % (clipnorm, clipvalue, global_clipnorm))
        self.name = name or snake_case(type(self).__name__)
        self._learning_rate = self._check_lr(learning_rate)
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.weight_decay = weight_decay
        self.iterations = 0
        self._slots = {}       # id(var) -> {slot name: array}
        self._slot_vars = []   # variables in the order their slots were made

    @staticmethod
    def _check_lr(lr):
        from kcore.training.schedules import LearningRateSchedule
        if isinstance(lr, LearningRateSchedule) or callable(lr):
            return lr
        lr = float(lr)
        if not lr >= 0:
            raise ValueError('learning_rate must be a non-negative number or a schedule. Received: %r.' % lr)
        return lr

    # -- learning rate ------------------------------------------------------------
    @property
    def learning_rate(self):
        """The rate the next step will use (a float, schedules evaluated)."""
        return self._current_lr()

    @learning_rate.setter
    def learning_rate(self, value):
        self._learning_rate = self._check_lr(value)

    lr = learning_rate  # Keras 2 attribute name

    def _current_lr(self):
        lr = self._learning_rate
        if callable(lr):
            lr = float(lr(self.iterations))
        if self.decay:
            lr = lr / (1.0 + self.decay * self.iterations)
        return lr

    # -- state ---------------------------------------------------------------------
    def build(self, var_list):
        xp = ACTIVE.xp
        for v in var_list:
            if id(v) not in self._slots:
                self._slots[id(v)] = {n: self._init_slot(n, v, xp) for n in self.slot_names}
                self._slot_vars.append(v)

    def _init_slot(self, name, var, xp):
        return xp.zeros(var.shape, dtype=var.dtype)

    def get_slot(self, var, name):
        return self._slots[id(var)][name]

    def state(self, var_list):
        """[(name, array)] of the iteration count and every slot of ``var_list``, for saving."""
        import numpy as np
        self.build(var_list)
        out = [('iteration', np.asarray(self.iterations, dtype='int64'))]
        for v in var_list:
            for n in self.slot_names:
                out.append(('%s_%s' % (getattr(v, '_path', v.name), n), self._slots[id(v)][n]))
        return out

    def set_state(self, var_list, arrays):
        """Inverse of ``state``: arrays in the same order."""
        self.build(var_list)
        arrays = list(arrays)
        expected = 1 + len(var_list) * len(self.slot_names)
        if len(arrays) != expected:
            raise ValueError('%s: optimizer state has %d arrays, expected %d (iteration + %d slots for %d '
                             'variables).' % (type(self).__name__, len(arrays), expected,
                                              len(self.slot_names), len(var_list)))
        self.iterations = int(arrays[0])
        i = 1
        for v in var_list:
            for n in self.slot_names:
                slot = self._slots[id(v)][n]
                value = ACTIVE.backend.asarray(arrays[i])
                if tuple(value.shape) != tuple(slot.shape):
                    raise ValueError('%s: saved slot %r for %s has shape %s, expected %s.'
                                     % (type(self).__name__, n, v.name, tuple(value.shape), tuple(slot.shape)))
                slot[...] = value
                i += 1

    # -- updates ---------------------------------------------------------------------
    def apply_gradients(self, grads_and_vars):
        pairs = [(g.data if isinstance(g, Tensor) else g, v) for g, v in grads_and_vars if g is not None]
        if not pairs:
            return
        self.build([v for _, v in pairs])
        pairs = self._clip(pairs)
        lr = self._current_lr()
        with no_grad():
            for g, v in pairs:
                if self.weight_decay:
                    v.data -= v.data * (self.weight_decay * lr)
                self.update_step(g, v, lr, self._slots[id(v)])
                if v.constraint is not None:
                    v.assign(v.constraint(v))
        self.iterations += 1

    def minimize(self, loss, var_list):
        from kcore.autodiff.tensor import gradients
        self.apply_gradients(zip(gradients(loss, var_list), var_list))

    def _clip(self, pairs):
        xp = ACTIVE.xp
        if self.clipvalue is not None:
            c = self.clipvalue
            pairs = [(xp.clip(g, -c, c), v) for g, v in pairs]
        if self.clipnorm is not None:
            out = []
            for g, v in pairs:
                norm = float(xp.sqrt((g * g).sum()))
                out.append((g * (self.clipnorm / norm) if norm > self.clipnorm else g, v))
            pairs = out
        if self.global_clipnorm is not None:
            norm = math.sqrt(sum(float((g * g).sum()) for g, _ in pairs))
            if norm > self.global_clipnorm:
                scale = self.global_clipnorm / norm
                pairs = [(g * scale, v) for g, v in pairs]
        return pairs

    def update_step(self, grad, var, lr, slots):
        raise NotImplementedError

    # -- configuration -------------------------------------------------------------------
    def get_config(self):
        from kcore.saving.serialization import serialize
        lr = self._learning_rate
        cfg = {'name': self.name,
               'learning_rate': serialize(lr, 'schedules') if callable(lr) else lr,
               'clipnorm': self.clipnorm, 'clipvalue': self.clipvalue,
               'global_clipnorm': self.global_clipnorm}
        if self.weight_decay is not None:
            cfg['weight_decay'] = self.weight_decay
        if self.decay:
            cfg['decay'] = self.decay
        return cfg

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        lr = config.get('learning_rate', config.pop('lr', None))
        if isinstance(lr, dict):
            from kcore.saving.serialization import deserialize
            config['learning_rate'] = deserialize(lr, 'schedules', custom_objects)
        elif lr is not None:
            config['learning_rate'] = lr
        # keys Keras 3 writes that kcore does not use
        for key in ('use_ema', 'ema_momentum', 'ema_overwrite_frequency', 'loss_scale_factor',
                    'gradient_accumulation_steps', 'is_legacy_optimizer', 'jit_compile'):
            config.pop(key, None)
        return cls(**config)

    def __repr__(self):
        return '<%s lr=%s>' % (type(self).__name__, self._learning_rate)


class SGD(Optimizer):
    """``v = momentum * v - lr * g``; ``w += v`` (or the Nesterov form)."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if not 0 <= momentum <= 1:
            raise ValueError('SGD: momentum must be in [0, 1]. Received: momentum=%r.' % momentum)
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)
        self.slot_names = ('momentum',) if self.momentum else ()

    def update_step(self, g, var, lr, slots):
        if not self.momentum:
            var.data -= lr * g
            return
        m = slots['momentum']
        m *= self.momentum
        m -= lr * g
        if self.nesterov:
            var.data += self.momentum * m - lr * g
        else:
            var.data += m

    def get_config(self):
        cfg = super().get_config()
        cfg.update({'momentum': self.momentum, 'nesterov': self.nesterov})
        return cfg


class RMSprop(Optimizer):
    """Keras 3's RMSprop: ``lr * g / sqrt(v + eps)``, optionally centered and with momentum."""

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.rho, self.momentum, self.epsilon, self.centered = float(rho), float(momentum), float(epsilon), bool(centered)
        names = ['velocity']
        if self.momentum:
            names.append('momentum')
        if self.centered:
            names.append('average_gradient')
        self.slot_names = tuple(names)

    def update_step(self, g, var, lr, slots):
        xp = ACTIVE.xp
        v = slots['velocity']
        v *= self.rho
        v += (1 - self.rho) * (g * g)
        if self.centered:
            a = slots['average_gradient']
            a *= self.rho
            a += (1 - self.rho) * g
            denom = v - a * a + self.epsilon
        else:
            denom = v + self.epsilon
        increment = lr * g / xp.sqrt(denom)
        if self.momentum:
            m = slots['momentum']
            m *= self.momentum
            m += increment
            var.data -= m
        else:
            var.data -= increment

    def get_config(self):
        cfg = super().get_config()
        cfg.update({'rho': self.rho, 'momentum': self.momentum, 'epsilon': self.epsilon, 'centered': self.centered})
        return cfg


class Adam(Optimizer):
    """Kingma & Ba's Adam with Keras's epsilon placement: ``lr_t * m / (sqrt(v) + eps)``."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
                 name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = float(beta_1), float(beta_2), float(epsilon), bool(amsgrad)
        self.slot_names = ('momentum', 'velocity', 'velocity_hat') if self.amsgrad else ('momentum', 'velocity')

    def _step_size(self, lr):
        t = self.iterations + 1
        return lr * math.sqrt(1 - self.beta_2 ** t) / (1 - self.beta_1 ** t)

    def update_step(self, g, var, lr, slots):
        xp = ACTIVE.xp
        m, v = slots['momentum'], slots['velocity']
        m += (1 - self.beta_1) * (g - m)
        v += (1 - self.beta_2) * (g * g - v)
        if self.amsgrad:
            vhat = slots['velocity_hat']
            xp.maximum(vhat, v, out=vhat)
            v = vhat
        var.data -= self._step_size(lr) * m / (xp.sqrt(v) + self.epsilon)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({'beta_1': self.beta_1, 'beta_2': self.beta_2, 'epsilon': self.epsilon, 'amsgrad': self.amsgrad})
        return cfg


def get(identifier):
    """An optimizer instance from a name ('adam'), a config dict or an instance."""
    from kcore.saving.serialization import deserialize
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, (str, dict)):
        obj = deserialize(identifier, 'optimizers')
        return obj() if isinstance(obj, type) else obj
    if isinstance(identifier, type) and issubclass(identifier, Optimizer):
        return identifier()
    raise ValueError('Could not interpret optimizer identifier: %r. Pass a name (\'adam\', \'sgd\', ...) '
                     'or an Optimizer instance.' % (identifier,))


BUILTINS = [(SGD, ('sgd',)), (RMSprop, ('rmsprop',)), (Adam, ('adam',))]
