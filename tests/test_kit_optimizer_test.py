"""kcore.testing.optimizer_test: it passes good optimizers and catches each kind of broken one."""
import numpy as np
import pytest

from kcore.optimizers import Optimizer
from kcore.plugins import registered
from kcore.testing import optimizer_test
from kcore.testing.optimizer_test import (OPTIMIZER_CHECKS, check_descent, check_float32,
                                          check_optimizer_save_load, check_state_round_trip)


class Momentum(Optimizer):
    """A correct rule written as a plugin would: heavy-ball momentum."""

    slot_names = ('velocity',)

    def __init__(self, learning_rate=0.05, momentum=0.5, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.momentum = momentum

    def update_step(self, g, w, lr, slots):
        v = slots['velocity']
        v *= self.momentum
        v -= lr * g
        w += v

    def get_config(self):
        config = super().get_config()
        config['momentum'] = self.momentum
        return config


def test_a_correct_optimizer_passes_registered_or_not():
    case = optimizer_test(Momentum, {'momentum': 0.9})
    assert case.what() == "Momentum({'momentum': 0.9})"
    with registered(Momentum):
        optimizer_test(Momentum, steps=2)


def test_ascent_is_caught():
    class Ascent(Momentum):
        def update_step(self, g, w, lr, slots):
            w += lr * g
    with pytest.raises(AssertionError, match='did not lower it'):
        optimizer_test(Ascent)


def test_an_update_that_rebinds_instead_of_writing_in_place_is_caught():
    class Rebinds(Momentum):
        def update_step(self, g, w, lr, slots):
            w = w - lr * g  # noqa: F841 - the bug under test: a new array, the variable unchanged
    with pytest.raises(AssertionError, match='in place'):
        optimizer_test(Rebinds, checks=[check_descent])


def test_float64_slots_are_caught():
    class WideSlots(Momentum):
        def _init_slot(self, name, var, xp):
            return xp.zeros(var.shape, dtype='float64')
    with pytest.raises(AssertionError, match='make slots like the variable'):
        optimizer_test(WideSlots, checks=[check_float32])


def test_state_kept_outside_the_slots_is_caught():
    class Hidden(Momentum):
        """Keeps its velocity in a dict of its own: state()/set_state() never see it."""

        slot_names = ()

        def update_step(self, g, w, lr, slots):
            v = self.__dict__.setdefault('_hidden', {}).setdefault(w.shape, np.zeros_like(w))
            v *= self.momentum
            v -= lr * g
            w += v
    with pytest.raises(AssertionError, match='restored state'):
        optimizer_test(Hidden, checks=[check_state_round_trip])


def test_a_forgotten_hyperparameter_is_caught():
    class Forgetful(Momentum):
        def get_config(self):
            return Optimizer.get_config(self)
    with pytest.raises(AssertionError, match='rebuilt by from_config'):
        optimizer_test(Forgetful, {'momentum': 0.9})


def test_saving_with_a_model_keeps_the_state():
    case = optimizer_test(Momentum, checks=[check_optimizer_save_load])
    assert case.steps == 3
    assert len(OPTIMIZER_CHECKS) == 5


def test_only_optimizer_classes_are_accepted():
    with pytest.raises(TypeError, match='Optimizer subclass'):
        optimizer_test(Momentum())
