"""Weight and activity regularizers: a penalty added to the loss."""
from kcore.runtime import ops as K
from kcore import _legacy_paths
from kcore.recorded_config import RecordsArguments
from kcore.serialization import deserialize as _deserialize
from kcore.serialization import serialize as _serialize
from kcore.serialization import resolve


class Regularizer(RecordsArguments):
    """Base class: ``__call__(x) -> scalar tensor``."""

    def __call__(self, x):
        return 0.0

    def get_config(self):
        """A subclass that keeps this ``get_config`` gets its constructor arguments recorded."""
        return self._config_from_arguments(Regularizer, 'regularizer')

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class L1L2(Regularizer):
    """``l1 * sum(|x|) + l2 * sum(x**2)``."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = float(l1)
        self.l2 = float(l2)

    def __call__(self, x):
        total = 0.0
        if self.l1:
            total = total + self.l1 * K.sum(K.abs(x))
        if self.l2:
            total = total + self.l2 * K.sum(K.square(x))
        return total if not isinstance(total, float) else K.to_tensor(K.as_array(total, x.dtype))

    def get_config(self):
        return {'l1': self.l1, 'l2': self.l2}


class L1(L1L2):
    """Regularizer adding ``l1 * sum(abs(w))`` to the loss.

    Args:
        l1: The factor.
        **kwargs: ``l=`` is accepted as Keras 3's name for ``l1``.
    """
    def __init__(self, l1=0.01, **kwargs):
        super().__init__(l1=kwargs.pop('l', l1))

    def get_config(self):
        return {'l1': self.l1}


class L2(L1L2):
    """Regularizer adding ``l2 * sum(w ** 2)`` to the loss.

    Args:
        l2: The factor.
        **kwargs: ``l=`` is accepted as Keras 3's name for ``l2``.
    """
    def __init__(self, l2=0.01, **kwargs):
        super().__init__(l2=kwargs.pop('l', l2))

    def get_config(self):
        return {'l2': self.l2}


def l1(l=0.01):  # noqa: E741 - Keras's argument name
    """An ``L1`` regularizer (Keras 2's function form).

    Args:
        l: The factor.

    Returns:
        An ``L1`` instance.
    """
    return L1(l)


def l2(l=0.01):  # noqa: E741
    """An ``L2`` regularizer (Keras 2's function form).

    Args:
        l: The factor.

    Returns:
        An ``L2`` instance.
    """
    return L2(l)


def l1_l2(l1=0.01, l2=0.01):  # noqa: F811 - Keras's argument names
    """An ``L1L2`` regularizer (Keras 2's function form).

    Args:
        l1: The L1 factor.
        l2: The L2 factor.

    Returns:
        An ``L1L2`` instance.
    """
    return L1L2(l1=l1, l2=l2)


def get(identifier):
    """A regularizer from a name, a config dict, an instance or None.

    Args:
        identifier: ``'l2'``, ``{'class_name': ..., 'config': ...}``, a callable or None.

    Returns:
        The regularizer (None for None).

    Raises:
        UnknownNameError: The name is unknown (a KeyError).
    """
    return resolve('regularizers', identifier)


BUILTINS = [(L1L2, ('l1_l2',)), (L1, ('l1',)), (L2, ('l2',))]


def serialize(obj):
    """``{'class_name': ..., 'config': ...}`` of a regularizer (a name for a registered function)."""
    return _serialize(obj, 'regularizers')


def deserialize(config, custom_objects=None):
    """A regularizer from its ``serialize`` output (a name or a config dict)."""
    return _deserialize(config, 'regularizers', custom_objects)

__getattr__ = _legacy_paths.module_getattr(__name__, ('K', 'serialize_keras_object', 'deserialize_keras_object'))
