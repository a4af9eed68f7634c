"""The optimizer base: ``Optimizer``, its update loop, and the learning-rate float Keras 2
scripts set (``SettableFloat``).  The update rules live in ``kcore.training.optimizers``,
which re-exports these names.

``Optimizer`` holds what every rule shares: the learning rate (a float, a
``LearningRateSchedule`` or a no-argument callable, as in Keras 3) with Keras 2's
legacy ``lr=`` and ``decay=``; gradient clipping (``clipnorm``, ``clipvalue``,
``global_clipnorm``); decoupled weight decay; constraints applied after the
update; the iteration counter; and the per-variable slot arrays that
``state()``/``set_state()`` hand to saving.  A subclass names its slots and
implements ``update_step(g, w, lr, slots)`` on backend arrays, writing into
``w`` (the variable's own array, so every alias of it stays valid) and into its
slots in place.  Each step runs, as in Keras 3: clip, weight decay, update,
constraints, ``iterations += 1``.

Speed: the update runs every training step, so the rules work in place with one
or two temporaries (``out=``) and scalars kept as Python floats (no float64
up-casts).  A backend that sets ``update_chunk_size`` (the NumPy backend does)
gets large variables fed to the rule in slices of that many elements, so the
temporaries stay in the CPU cache.  A fused update over one flat buffer of all
variables was measured and not kept (see ``benchmarks/bench_optimizers.py``):
slower for the MLP's large kernels, and it only saved ~9 us a step on a
10-10-1 model.

Deliberate differences from Keras 3: ``learning_rate`` reads as a Python float
(not a backend variable; set it with ``optimizer.learning_rate = x``, or with
Keras 2's ``K.set_value(optimizer.lr, x)``, which the float supports), and
``decay=`` works as in Keras 2 (``lr / (1 + decay * iterations)``) instead of
being ignored.
"""
import inspect
import numbers
import re

from kcore._deprecated import warn_renamed
from kcore.autodiff.tensor import Tensor, no_grad
from kcore.layers.keras_tensor import KerasTensor, SymbolicGradient
from kcore.runtime.device import ACTIVE
from kcore.training.schedules import LearningRateSchedule, number_arg
from kcore.utils.naming import snake_case
from kcore.recorded_config import RecordsArguments
from kcore.serialization import deserialize
from kcore.autodiff.tensor import gradients
from kcore.serialization import serialize

# Keras 3 arguments kcore accepts only at their "off" value (value -> is it off?)
_UNSUPPORTED = {'use_ema': lambda v: not v, 'loss_scale_factor': lambda v: v is None,
                'gradient_accumulation_steps': lambda v: not v}
# Keras 3 arguments that only tune the features above or the graph compiler
_IGNORED = ('ema_momentum', 'ema_overwrite_frequency', 'jit_compile', 'is_legacy_optimizer')
_KERAS3_KWARGS = frozenset(_IGNORED) | frozenset(_UNSUPPORTED)


def clip_norm(g, c, n):
    """Keras 2's clipping of one gradient: ``g * c / n`` when the norm ``n`` is at least ``c``,
    else ``g``; ``c <= 0`` turns clipping off."""
    if c <= 0:
        return g
    return g * (c / n) if n >= c else g


def keras2_clip(grads, clipnorm=None, clipvalue=None):
    """Keras 2.3's clipping in ``get_gradients``: all gradients scaled by ``clipnorm / norm``
    when their *global* norm exceeds ``clipnorm``, then each value clipped to
    ``[-clipvalue, clipvalue]``.  Works on backend arrays; returns new ones."""
    xp = ACTIVE.xp
    if clipnorm is not None and clipnorm > 0 and grads:
        # clip_norm's rule with the norm kept on the device: scale by c / max(norm, c)
        norm = xp.sqrt(sum(xp.vdot(g.ravel(), g.ravel()) for g in grads))
        grads = [g * _shrink(clipnorm, norm, g.dtype, xp) for g in grads]
    if clipvalue is not None and clipvalue > 0:
        grads = [xp.clip(g, -clipvalue, clipvalue) for g in grads]
    return list(grads)


class PendingUpdate:
    """What ``Optimizer.get_updates`` returns for a symbolic loss: one optimizer step on
    ``params`` that ``K.function(..., updates=[...])`` runs at every call, from the loss it
    computes (Keras 2's graph update, run eagerly)."""

    def __init__(self, optimizer, loss, params):
        self.optimizer = optimizer
        self.loss = loss
        self.params = list(params)

    def apply(self, grads):
        """Run the step with the gradients of ``loss`` (backend arrays or tensors, one per param)."""
        self.optimizer.apply_keras2_gradients(grads, self.params)


class Optimizer(RecordsArguments):
    """Base class of optimizers; see the module docstring."""

    #: slot names a subclass creates for every variable, in order
    slot_names = ()
    #: hyperparameters a subclass adds to ``get_config`` (attribute names)
    _config_keys = ()
    #: the arguments ``Optimizer.get_config`` carries itself (a subclass's others are recorded)
    _unrecorded = frozenset(['learning_rate', 'lr', 'decay', 'weight_decay', 'clipnorm', 'clipvalue',
                             'global_clipnorm', 'name'])

    def __init__(self, learning_rate=0.001, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, name=None, **kwargs):
        if 'lr' in kwargs:
            warn_renamed('%s(lr=...)' % type(self).__name__, 'learning_rate=...', stacklevel=4)
            learning_rate = kwargs.pop('lr')
        decay = kwargs.pop('decay', 0.0)
        self._check_keras3_kwargs(kwargs)
        self.name = name or snake_case(type(self).__name__)
        self._learning_rate = self._check_lr(learning_rate)
        self.decay = self._hyper('decay', decay, 0)  # Keras 2 time-based decay
        if self.decay:
            warn_renamed('%s(decay=...)' % type(self).__name__,
                         'learning_rate=InverseTimeDecay(learning_rate, decay_steps=1, decay_rate=decay)',
                         stacklevel=4)
        clips = {'clipnorm': clipnorm, 'clipvalue': clipvalue, 'global_clipnorm': global_clipnorm}
        if sum(v is not None for v in clips.values()) > 1:
            raise ValueError('%s: pass at most one of clipnorm, clipvalue and global_clipnorm. Received: %s. '
                             'Keep the one you mean and drop the others.'
                             % (type(self).__name__, ', '.join('%s=%r' % kv for kv in clips.items())))
        self.clipnorm, self.clipvalue, self.global_clipnorm = (
            None if v is None else self._hyper(k, v, 0, lo_open=True) for k, v in clips.items())
        self.weight_decay = None if weight_decay is None else self._hyper('weight_decay', weight_decay, 0)
        self.iterations = 0
        self._slots = {}       # id(var) -> {slot name: array}
        self._slot_vars = []   # variables in the order their slots were made (keeps ids unique)
        self._no_decay_ids, self._no_decay_names, self._decay_cache = set(), None, {}

    def _check_keras3_kwargs(self, kwargs):
        for key in _IGNORED:
            kwargs.pop(key, None)
        for key, is_off in _UNSUPPORTED.items():
            value = kwargs.pop(key, None)
            if not is_off(value):
                raise ValueError('%s: kcore does not implement Keras 3\'s %s. Received: %s=%r. Remove the '
                                 'argument.' % (type(self).__name__, key, key, value))
        if kwargs:
            raise TypeError('%s got unexpected argument(s). Received: %s. Pass only the arguments of %s%s.'
                            % (type(self).__name__, ', '.join('%s=%r' % kv for kv in sorted(kwargs.items())),
                               type(self).__name__, inspect.signature(type(self))))

    def _hyper(self, name, value, lo=None, hi=None, lo_open=False, hi_open=False):
        """``value`` as a float, or a ValueError naming the argument, its range and its default."""
        return number_arg(type(self), name, value, lo, hi, lo_open, hi_open)

    def _check_lr(self, lr):
        if isinstance(lr, LearningRateSchedule) or callable(lr):
            return lr
        if isinstance(lr, Tensor):
            lr = float(lr)
        if isinstance(lr, numbers.Real) and not isinstance(lr, bool) and lr >= 0:
            return float(lr)
        raise ValueError('%s: argument `learning_rate` must be a non-negative float, a LearningRateSchedule '
                         'or a callable returning the rate. Received: learning_rate=%r. Pass e.g. '
                         'learning_rate=0.001.' % (type(self).__name__, lr))

    # -- learning rate ------------------------------------------------------------
    @property
    def learning_rate(self):
        """The rate the next step will use (a float, schedules evaluated); Keras 2's
        ``K.set_value(optimizer.lr, x)`` / ``K.get_value(optimizer.lr)`` work on it."""
        return SettableFloat(self._current_lr(), self, 'learning_rate')

    @learning_rate.setter
    def learning_rate(self, value):
        if isinstance(self._learning_rate, LearningRateSchedule) and not callable(value):
            raise TypeError('%s was created with a LearningRateSchedule, so its learning rate cannot be set '
                            'to a number. Received: %r. Create the optimizer with a float learning_rate to '
                            'change it during training.' % (type(self).__name__, value))
        self._learning_rate = self._check_lr(value)

    lr = learning_rate  # Keras 2 attribute name

    def _current_lr(self):
        lr = self._learning_rate
        if isinstance(lr, LearningRateSchedule):
            lr = lr(self.iterations)
        elif callable(lr):
            lr = lr()
        lr = float(lr)
        if self.decay:
            lr /= 1.0 + self.decay * self.iterations
        return lr

    # -- weight decay ----------------------------------------------------------------
    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Skip weight decay for these variables, or those whose name contains one of ``var_names``."""
        self._no_decay_ids = {id(v) for v in var_list or ()}
        self._no_decay_names = re.compile('|'.join(map(re.escape, var_names))) if var_names else None
        self._decay_cache = {}

    def _decays(self, var):
        hit = self._decay_cache.get(id(var))
        if hit is None:
            hit = id(var) not in self._no_decay_ids and not (
                self._no_decay_names is not None and self._no_decay_names.search(var.name))
            self._decay_cache[id(var)] = hit
        return hit

    # -- state ---------------------------------------------------------------------
    def build(self, var_list):
        """Create the slots of variables not seen before (zeros shaped like each)."""
        xp = ACTIVE.xp
        for v in var_list:
            if id(v) not in self._slots:
                self._slots[id(v)] = {n: self._init_slot(n, v, xp) for n in self.slot_names}
                self._slot_vars.append(v)

    def _init_slot(self, name, var, xp):
        return xp.zeros(var.shape, dtype=var.dtype)

    def get_slot(self, var, name):
        """A per-variable state of the optimizer (e.g. Adam's ``'m'``), created on the first step.

        Args:
            var: The model variable.
            name: The slot's name, one of the optimizer's ``slot_names``.

        Returns:
            The slot's array.

        Raises:
            KeyError: The optimizer has no such slot for ``var`` (not yet stepped, or not its variable).
        """
        return self._slots[id(var)][name]

    def state(self, var_list):
        """[(name, array)] of the iteration count and every slot of ``var_list``, for saving.

        Order: the iteration, then for each variable of ``var_list`` its slots in
        ``slot_names`` order.  The arrays are the live slots (copy them to keep them).
        """
        import numpy as np
        self.build(var_list)
        out = [('iteration', np.asarray(self.iterations, dtype='int64'))]
        for v in var_list:
            for n in self.slot_names:
                out.append(('%s_%s' % (getattr(v, '_path', v.name), n), self._slots[id(v)][n]))
        return out

    def set_state(self, var_list, arrays):
        """Inverse of ``state``: arrays in the same order, written into the slots in place."""
        self.build(var_list)
        arrays = list(arrays)
        expected = 1 + len(var_list) * len(self.slot_names)
        if len(arrays) != expected:
            raise ValueError('%s: optimizer state has %d arrays, expected %d (iteration + %d slots for %d '
                             'variables). Restore it into an optimizer of the same class and configuration, '
                             'over the same variables.' % (type(self).__name__, len(arrays), expected,
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
        """One step over ``(gradient, variable)`` pairs; pairs whose gradient is None are skipped.

        A gradient of another float dtype is cast by the rules' ``out=`` writes.
        """
        pairs, new, slots = [], [], self._slots
        for g, v in grads_and_vars:
            if g is None:
                continue
            if isinstance(g, Tensor):
                g = g.data
            elif not hasattr(g, 'shape'):
                g = ACTIVE.backend.asarray(g, dtype=v.dtype)
            if g.shape != v.data.shape:
                raise ValueError('%s: the gradient for variable %r has the wrong shape. Expected %s (the '
                                 'variable\'s shape). Received: gradient of shape %s. Pass one gradient per '
                                 'variable, in the same order.'
                                 % (type(self).__name__, v.name, tuple(v.shape), tuple(g.shape)))
            pairs.append((g, v))
            if id(v) not in slots:
                new.append(v)
        if new:
            self.build(new)
        if not pairs:
            return self.iterations
        if self.clipnorm is not None or self.clipvalue is not None or self.global_clipnorm is not None:
            pairs = self._clip(pairs)
        lr = self._current_lr()
        decay = self.weight_decay
        chunk = getattr(ACTIVE.backend, 'update_chunk_size', None)
        with no_grad():
            for g, v in pairs:
                w = v.data
                if decay and self._decays(v):
                    w *= 1.0 - decay * lr
                if chunk and w.size > chunk and w.flags.c_contiguous:
                    self._update_in_slices(g, w, lr, slots[id(v)], chunk)
                else:
                    self.update_step(g, w, lr, slots[id(v)])
                if v.constraint is not None:
                    v.assign(v.constraint(v))
        self.iterations += 1
        return self.iterations

    # -- Keras 2's graph-style API -------------------------------------------------------
    def get_gradients(self, loss, params):
        """Keras 2.3's ``get_gradients``: the gradients of ``loss`` for ``params``, clipped as
        Keras 2.3 clips (``clipnorm`` on the global norm, then ``clipvalue``).

        For an eager loss tensor they are tensors computed now.  For a symbolic loss (e.g.
        ``model.total_loss``) they are ``K.gradients`` placeholders that ``K.function``
        evaluates (and clips) at each call.

        Raises:
            ValueError: when a parameter does not influence the loss (Keras's message).
        """
        params = list(params)
        if isinstance(loss, KerasTensor):
            return [SymbolicGradient(loss, p, clip=(self.clipnorm, self.clipvalue)) for p in params]
        grads = gradients(loss, params)
        if any(g is None for g in grads):
            raise ValueError('An operation has `None` for gradient. Please make sure that all of your ops have a '
                             'gradient defined (i.e. are differentiable). Common ops without gradient: '
                             'K.argmax, K.round, K.eval.')
        arrays = keras2_clip([g.data if isinstance(g, Tensor) else g for g in grads], self.clipnorm,
                             self.clipvalue)
        return [Tensor(a) for a in arrays]

    def get_updates(self, loss, params):
        """Keras 2's ``get_updates``, adapted to eager execution.

        For a symbolic loss it returns ``[PendingUpdate]``: pass it as ``K.function(inputs,
        outputs, updates=...)`` and every call of the function runs one step on ``params``
        from the loss it computes.  For an eager loss tensor the step runs now, and the
        updated ``params`` are returned.
        """
        params = list(params)
        if isinstance(loss, KerasTensor):
            return [PendingUpdate(self, loss, params)]
        self.apply_keras2_gradients(self.get_gradients(loss, params), params)
        return params

    def apply_keras2_gradients(self, grads, params):
        """One step from gradients clipped the Keras 2.3 way (global norm) before the update."""
        arrays = keras2_clip([g.data if isinstance(g, Tensor) else g for g in grads], self.clipnorm,
                             self.clipvalue)
        return self.apply_gradients(zip(arrays, params))

    def apply(self, grads, trainable_variables):
        """Keras 3's spelling: gradients and variables as two lists."""
        return self.apply_gradients(zip(grads, trainable_variables))

    def minimize(self, loss, var_list):
        """One step on ``loss`` (a tensor, or a no-argument callable returning one)."""
        if callable(loss):
            loss = loss()
        return self.apply_gradients(zip(gradients(loss, var_list), var_list))

    def _update_in_slices(self, g, w, lr, slots, size):
        g, w = g.reshape(-1), w.reshape(-1)  # w is contiguous: a view
        flat = {k: a.reshape(-1) for k, a in slots.items()}
        for start in range(0, w.size, size):
            part = slice(start, start + size)
            self.update_step(g[part], w[part], lr, {k: a[part] for k, a in flat.items()})

    def _clip(self, pairs):
        """Keras 3's clipping: each gradient to ``clipnorm``, all together to
        ``global_clipnorm`` (NaN when their norm is not finite), or each element to
        ``[-clipvalue, clipvalue]``.  The norms stay on the device: each gradient is
        multiplied by ``c / max(norm, c)`` (1 when it is short enough), so the step
        never reads a norm back to decide."""
        xp = ACTIVE.xp
        if self.clipvalue is not None:
            c = self.clipvalue
            return [(xp.clip(g, -c, c), v) for g, v in pairs]
        squares = [xp.vdot(g.ravel(), g.ravel()) for g, _ in pairs]
        if self.clipnorm is not None:
            c = self.clipnorm
            return [(g * _shrink(c, xp.sqrt(s), g.dtype, xp), v) for (g, v), s in zip(pairs, squares)]
        c, n = self.global_clipnorm, xp.sqrt(sum(squares))
        scale = xp.where(xp.isfinite(n), _shrink(c, n, n.dtype, xp), xp.nan)
        return [(g * scale.astype(g.dtype), v) for g, v in pairs]

    def update_step(self, g, w, lr, slots):
        """Update array ``w`` in place from gradient ``g`` at rate ``lr``; ``slots`` maps slot names to arrays."""
        raise NotImplementedError('%s must implement update_step(g, w, lr, slots).' % type(self).__name__)

    # -- configuration -------------------------------------------------------------------
    def get_config(self):
        """The optimizer's constructor arguments, as a dict ``from_config`` accepts.

        A ``LearningRateSchedule`` is stored as its own config.

        Returns:
            A JSON-able dict.

        Raises:
            ValueError: The learning rate is a plain callable, which has no config.
        """
        lr = self._learning_rate
        if isinstance(lr, LearningRateSchedule):
            lr = serialize(lr, 'schedules')
        elif callable(lr):
            raise ValueError('%s: a learning_rate given as a plain callable (%r) cannot be serialized. Use a '
                             'LearningRateSchedule subclass with get_config (registered with '
                             'kcore.plugins.register) or a float.' % (type(self).__name__, lr))
        cfg = {'name': self.name, 'learning_rate': lr, 'weight_decay': self.weight_decay,
               'clipnorm': self.clipnorm, 'global_clipnorm': self.global_clipnorm, 'clipvalue': self.clipvalue}
        if self.decay:
            cfg['decay'] = self.decay
        cfg.update((k, getattr(self, k)) for k in self._config_keys)
        # a subclass's other constructor arguments, recorded (configs for free)
        cfg.update(self._config_from_arguments(Optimizer, 'optimizer', set(self._config_keys) | _KERAS3_KWARGS))
        return cfg

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild from ``get_config``; also reads Keras 2 (``lr``) and Keras 3 configs."""
        config = dict(config)
        if 'lr' in config:
            lr = config.pop('lr')
            config.setdefault('learning_rate', lr)
        if isinstance(config.get('learning_rate'), dict):
            config['learning_rate'] = deserialize(config['learning_rate'], 'schedules', custom_objects)
        if not config.get('decay'):
            config.pop('decay', None)  # Keras 2 wrote decay=0.0 into every config
        if 'schedule_decay' not in cls._config_keys:
            config.pop('schedule_decay', None)  # Keras 2's Nadam configs, read by another optimizer class
        return cls(**config)

    def __repr__(self):
        return '<%s name=%r learning_rate=%r>' % (type(self).__name__, self.name, self._learning_rate)


def _shrink(c, norm, dtype, xp):
    """``c / max(norm, c)`` in ``dtype``: the factor that brings a norm down to ``c`` (1 below it)."""
    return (c / xp.maximum(norm, c)).astype(dtype)


class SettableFloat(float):
    """A float that remembers which attribute of which object it was read from, so
    Keras 2 code that treats hyperparameters as variables (``K.set_value(opt.lr, x)``)
    sets that attribute."""

    def __new__(cls, value, owner, attribute):
        obj = float.__new__(cls, value)
        obj._owner = owner
        obj._attribute = attribute
        return obj

    def set_value(self, value):
        setattr(self._owner, self._attribute, float(value))
