"""The learning phase: whether layers run in training mode (Dropout active,
BatchNormalization using batch statistics) when ``training`` is not passed.

``fit``/``train_on_batch`` run inside ``learning_phase_scope(1)``;
``K.set_learning_phase`` sets it globally, as in Keras 2.
"""
import threading


class _Phase(threading.local):
    value = None  # None: not set (inference), 0 or 1


_phase = _Phase()
_global = {'value': None}


def current():
    """The learning phase in force: this thread's ``learning_phase_scope``, else the global one (None when unset)."""
    v = _phase.value
    return _global['value'] if v is None else v


def set_global(value):
    """Set the global learning phase: 0, 1 or None (unset); raises ``ValueError`` for anything else."""
    if value not in (0, 1, None):
        raise ValueError('Expected learning phase to be 0 or 1. Received: %r.' % (value,))
    _global['value'] = value


class learning_phase_scope:
    """``with learning_phase_scope(1): ...`` runs layers in training mode."""

    def __init__(self, value):
        if value not in (0, 1, True, False):
            raise ValueError('Expected learning phase to be 0 or 1. Received: %r.' % (value,))
        self.value = int(value)

    def __enter__(self):
        self._prev = _phase.value
        _phase.value = self.value

    def __exit__(self, *exc):
        _phase.value = self._prev
