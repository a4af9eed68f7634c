"""Learning-rate schedules: ``schedule(step) -> learning rate``, with Keras 3's formulas.

Pass one as ``learning_rate=`` to any optimizer; it is evaluated at the
optimizer's iteration count (0 for the first step) before each update, and it is
saved inside the optimizer's config.  Deliberate difference from Keras 3:
``__call__`` returns a Python float computed in double precision (Keras returns a
scalar tensor of the initial rate's dtype).
"""
import bisect
import inspect
import math
import numbers
from kcore.serialization import serialize as _serialize
from kcore.serialization import deserialize as _deserialize
from kcore.serialization import resolve


def number_arg(owner, name, value, lo=None, hi=None, lo_open=False, hi_open=False):
    """``value`` as a float, or a ValueError naming ``owner``'s argument, its range and its default.

    ``owner`` is the class whose constructor takes the argument (optimizers use it too).
    """
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if ok:
        x = float(value)
        ok = (x == x and (lo is None or (x > lo if lo_open else x >= lo))
              and (hi is None or (x < hi if hi_open else x <= hi)))
    if ok:
        return x
    where = '%s%s, %s%s' % ('(' if lo_open else '[', '-inf' if lo is None else lo,
                            'inf' if hi is None else hi, ')' if hi_open or hi is None else ']')
    param = inspect.signature(owner).parameters.get(name)
    default = '' if param is None or param.default is inspect.Parameter.empty else \
        ' (the default is %r)' % (param.default,)
    raise ValueError('%s: argument `%s` must be a number in %s. Received: %s=%r. Pass a value in that range%s.'
                     % (owner.__name__, name, where, name, value, default))


def _plain(x):
    """A JSON-friendly copy of a checked number: int stays int, anything else becomes float."""
    return int(x) if isinstance(x, numbers.Integral) else float(x)


class LearningRateSchedule:
    """Base class: implement ``__call__(step)`` (returns the rate) and ``get_config``.

    A subclass registered with ``kcore.plugins.register`` is saved and loaded with
    the optimizer that uses it.
    """

    def __call__(self, step):
        raise NotImplementedError('Learning rate schedule %s must implement __call__(self, step).'
                                  % type(self).__name__)

    def get_config(self):
        raise NotImplementedError('Learning rate schedule %s must implement get_config() to be saved.'
                                  % type(self).__name__)

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def _positive_steps(self, name, value):
        number_arg(type(self), name, value, 0, lo_open=True)
        return _plain(value)


class _StepDecay(LearningRateSchedule):
    """What ExponentialDecay and InverseTimeDecay share: their arguments, the
    (optionally floored) progress ``step / decay_steps``, and the config."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name=None):
        self.initial_learning_rate = _plain(number_arg(type(self), 'initial_learning_rate',
                                                       initial_learning_rate, 0))
        self.decay_steps = self._positive_steps('decay_steps', decay_steps)
        self.decay_rate = _plain(number_arg(type(self), 'decay_rate', decay_rate, 0))
        self.staircase = bool(staircase)
        self.name = name or type(self).__name__

    def _progress(self, step):
        p = float(step) / self.decay_steps
        return math.floor(p) if self.staircase else p

    def get_config(self):
        return {'initial_learning_rate': self.initial_learning_rate, 'decay_steps': self.decay_steps,
                'decay_rate': self.decay_rate, 'staircase': self.staircase, 'name': self.name}


class ExponentialDecay(_StepDecay):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)``; the exponent is
    floored when ``staircase`` (Keras 3's formula)."""

    def __call__(self, step):
        return self.initial_learning_rate * self.decay_rate ** self._progress(step)


class InverseTimeDecay(_StepDecay):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)``, with
    ``step / decay_steps`` floored when ``staircase`` (Keras 3's formula; Keras 2's
    ``decay=`` argument is this with ``decay_steps=1``)."""

    def __call__(self, step):
        return self.initial_learning_rate / (1.0 + self.decay_rate * self._progress(step))


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` while ``step <= boundaries[0]``, ``values[i]`` while
    ``boundaries[i-1] < step <= boundaries[i]``, ``values[-1]`` after the last
    boundary (Keras 3's rule)."""

    def __init__(self, boundaries, values, name='PiecewiseConstant'):
        boundaries, values = list(boundaries), list(values)
        if len(boundaries) != len(values) - 1:
            raise ValueError('PiecewiseConstantDecay: `values` must have one more element than `boundaries`. '
                             'Received: boundaries=%r (%d) and values=%r (%d). Give one value for each interval '
                             'the boundaries make.' % (boundaries, len(boundaries), values, len(values)))
        boundaries = [_plain(number_arg(type(self), 'boundaries', b)) for b in boundaries]
        if any(a >= b for a, b in zip(boundaries, boundaries[1:])):
            raise ValueError('PiecewiseConstantDecay: `boundaries` must be strictly increasing. Received: '
                             'boundaries=%r. Sort them and drop duplicates.' % (boundaries,))
        self.boundaries = boundaries
        self.values = [_plain(number_arg(type(self), 'values', v, 0)) for v in values]
        self.name = name

    def __call__(self, step):
        return float(self.values[bisect.bisect_left(self.boundaries, float(step))])

    def get_config(self):
        return {'boundaries': self.boundaries, 'values': self.values, 'name': self.name}


class CosineDecay(LearningRateSchedule):
    """Cosine decay with optional linear warmup (Loshchilov & Hutter's SGDR without
    restarts; Goyal et al.'s warmup), Keras 3's rule.

    Without ``warmup_target``: ``initial_learning_rate * ((1 - alpha) * c + alpha)``
    with ``c = 0.5 * (1 + cos(pi * min(step, decay_steps) / decay_steps))``.  With
    it: a linear ramp from ``initial_learning_rate`` to ``warmup_target`` over
    ``warmup_steps``, then the same decay from ``warmup_target`` over
    ``decay_steps`` (the step counted from the end of the warmup).
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name='CosineDecay', warmup_target=None,
                 warmup_steps=0):
        cls = type(self)
        self.initial_learning_rate = _plain(number_arg(cls, 'initial_learning_rate', initial_learning_rate, 0))
        self.decay_steps = self._positive_steps('decay_steps', decay_steps)
        self.alpha = _plain(number_arg(cls, 'alpha', alpha, 0, 1))
        self.name = name
        self.warmup_target = None if warmup_target is None else \
            _plain(number_arg(cls, 'warmup_target', warmup_target, 0))
        self.warmup_steps = _plain(number_arg(cls, 'warmup_steps', warmup_steps, 0))

    def _decayed(self, step, start_lr):
        cosine = 0.5 * (1.0 + math.cos(math.pi * step / self.decay_steps))
        return start_lr * ((1.0 - self.alpha) * cosine + self.alpha)

    def __call__(self, step):
        step = float(step)
        if self.warmup_target is None:
            return self._decayed(min(step, self.decay_steps), self.initial_learning_rate)
        step = min(step, self.decay_steps + self.warmup_steps)
        if step < self.warmup_steps:
            fraction = step / self.warmup_steps
            return self.initial_learning_rate + fraction * (self.warmup_target - self.initial_learning_rate)
        return self._decayed(step - self.warmup_steps, self.warmup_target)

    def get_config(self):
        return {'initial_learning_rate': self.initial_learning_rate, 'decay_steps': self.decay_steps,
                'alpha': self.alpha, 'name': self.name, 'warmup_target': self.warmup_target,
                'warmup_steps': self.warmup_steps}


def serialize(schedule):
    """``{'class_name', 'config'}`` of a registered schedule."""
    return _serialize(schedule, 'schedules')


def deserialize(config, custom_objects=None):
    """The learning-rate schedule a ``{'class_name', 'config'}`` dict describes."""
    return _deserialize(config, 'schedules', custom_objects)


def get(identifier):
    """A schedule from a name, a config dict, a class or an instance."""
    return resolve('schedules', identifier)


BUILTINS = [ExponentialDecay, PiecewiseConstantDecay, CosineDecay, InverseTimeDecay]
