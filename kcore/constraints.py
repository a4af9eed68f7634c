"""Weight constraints, applied to a variable after each optimizer update."""
from kcore.runtime import ops as K
from kcore import _legacy_paths
from kcore.recorded_config import RecordsArguments
from kcore.serialization import deserialize as _deserialize
from kcore.serialization import serialize as _serialize
from kcore.serialization import resolve


class Constraint(RecordsArguments):
    """Base class: ``__call__(w) -> projected w``."""

    def __call__(self, w):
        return w

    def get_config(self):
        """A subclass that keeps this ``get_config`` gets its constructor arguments recorded."""
        return self._config_from_arguments(Constraint, 'constraint')

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class MaxNorm(Constraint):
    """Rescale so the norm along ``axis`` is at most ``max_value``."""

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        norms = K.sqrt(K.sum(K.square(w), axis=self.axis, keepdims=True))
        desired = K.clip(norms, 0, self.max_value)
        return w * (desired / (K.epsilon() + norms))

    def get_config(self):
        return {'max_value': self.max_value, 'axis': self.axis}


class NonNeg(Constraint):
    """Clip negative weights to zero."""

    def __call__(self, w):
        return K.relu(w)


class UnitNorm(Constraint):
    """Constraint scaling each weight vector to unit L2 norm.

    Args:
        axis: The axis along which norms are taken (0: each column of a ``Dense`` kernel).
    """
    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        return w / (K.epsilon() + K.sqrt(K.sum(K.square(w), axis=self.axis, keepdims=True)))

    def get_config(self):
        return {'axis': self.axis}


class MinMaxNorm(Constraint):
    """Constraint keeping each weight vector's L2 norm between two bounds.

    Args:
        min_value: The smallest norm.
        max_value: The largest norm.
        rate: How far to move toward the bounds per step (1: all the way).
        axis: The axis along which norms are taken.
    """
    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis

    def __call__(self, w):
        norms = K.sqrt(K.sum(K.square(w), axis=self.axis, keepdims=True))
        desired = self.rate * K.clip(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        return w * (desired / (K.epsilon() + norms))

    def get_config(self):
        return {'min_value': self.min_value, 'max_value': self.max_value, 'rate': self.rate, 'axis': self.axis}


def get(identifier):
    """A constraint from a name, a config dict, an instance or None.

    Args:
        identifier: ``'max_norm'``, ``{'class_name': ..., 'config': ...}``, a callable or None.

    Returns:
        The constraint (None for None).

    Raises:
        UnknownNameError: The name is unknown (a KeyError).
    """
    return resolve('constraints', identifier)


BUILTINS = [(MaxNorm, ('max_norm', 'maxnorm')), (NonNeg, ('non_neg', 'nonneg')),
            (UnitNorm, ('unit_norm', 'unitnorm')), (MinMaxNorm, ('min_max_norm',))]


def serialize(obj):
    """``{'class_name': ..., 'config': ...}`` of a constraint (a name for a registered function)."""
    return _serialize(obj, 'constraints')


def deserialize(config, custom_objects=None):
    """A constraint from its ``serialize`` output (a name or a config dict)."""
    return _deserialize(config, 'constraints', custom_objects)


# Keras 2's lower-case names
max_norm = maxnorm = MaxNorm
non_neg = nonneg = NonNeg
unit_norm = unitnorm = UnitNorm
min_max_norm = MinMaxNorm

__getattr__ = _legacy_paths.module_getattr(__name__, ('K', 'serialize_keras_object', 'deserialize_keras_object'))
