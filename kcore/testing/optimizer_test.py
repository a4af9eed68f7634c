"""``optimizer_test``: the checks every optimizer must pass, for kcore's and plugins'.

    from kcore.testing import optimizer_test
    optimizer_test(Lion, {'learning_rate': 1e-3})

runs each function of ``OPTIMIZER_CHECKS`` on one ``OptimizerCase``:

* ``check_optimizer_config``: ``get_config`` is JSON; ``from_config`` and
  ``kcore.optimizers.deserialize(serialize(...))`` (by the registered name)
  rebuild the same class with the same config, which takes the same steps;
* ``check_descent``: a few steps on a convex quadratic (float64 variables)
  lower it, and ``iterations`` counts them;
* ``check_float32``: float32 variables and their slots stay float32 and finite;
* ``check_state_round_trip``: ``state()`` moved with ``set_state()`` into a new
  optimizer makes it continue exactly like the original;
* ``check_optimizer_save_load``: a model compiled with it, trained, saved to
  HDF5 and loaded back has the same optimizer config and state, and its next
  step matches the original's.

The quadratic is ``0.5 * sum(a * (w - c) ** 2)`` over a matrix and a vector
with curvatures ``a`` in ``[0.5, 2]``: a descent step of any sane rule, at
its default learning rate, lowers it.
"""
import inspect
import os
import tempfile

import numpy as np

from kcore.autodiff.tensor import Tensor
from kcore.runtime.device import ACTIVE
from kcore.testing.data import random_array
from kcore.testing.layer_case import roundtrip_json
from kcore import optimizers
from kcore.serialization import registered_name
from kcore.layers import Dense, Input
from kcore.models import Model
from kcore.training.optimizers import Optimizer
from kcore.backend import variable
from kcore import backend as K

_SHAPES = [(3, 2), (2,)]


class OptimizerCase:
    """One optimizer under test: its class, arguments and a quadratic problem to descend."""

    def __init__(self, optimizer_cls, kwargs=None, steps=3, seed=0, rtol=1e-6, atol=1e-7):
        if not (inspect.isclass(optimizer_cls) and issubclass(optimizer_cls, Optimizer)):
            raise TypeError('optimizer_test needs a kcore.optimizers.Optimizer subclass. Received: %r.'
                            % (optimizer_cls,))
        self.optimizer_cls, self.kwargs = optimizer_cls, dict(kwargs or {})
        self.steps, self.seed, self.rtol, self.atol = steps, seed, rtol, atol
        self.start = [random_array(s, 'float64', -1.0, 1.0, seed + i) for i, s in enumerate(_SHAPES)]
        self.center = [random_array(s, 'float64', -1.0, 1.0, seed + 10 + i) for i, s in enumerate(_SHAPES)]
        self.curvature = [random_array(s, 'float64', 0.5, 2.0, seed + 20 + i) for i, s in enumerate(_SHAPES)]

    def make(self):
        return self.optimizer_cls(**self.kwargs)

    def variables(self, dtype, values=None):
        """Fresh variables at ``values`` (default: the starting point)."""
        return [variable(v, dtype=dtype, name='w%d' % i) for i, v in enumerate(values or self.start)]

    def objective(self, variables):
        """The quadratic as a tensor (gradients flow to ``variables``)."""
        total = None
        for v, a, c in zip(variables, self.curvature, self.center):
            a, c = (K.constant(x, dtype=v.dtype.name) for x in (a, c))
            term = K.sum(a * K.square(v - c)) * 0.5
            total = term if total is None else total + term
        return total

    def step(self, optimizer, variables):
        optimizer.minimize(lambda: self.objective(variables), variables)

    def descend(self, optimizer, dtype='float32'):
        """The variables after ``steps`` steps of ``optimizer`` from the starting point."""
        variables = self.variables(dtype)
        for _ in range(self.steps):
            self.step(optimizer, variables)
        return variables

    def what(self):
        return '%s(%s)' % (self.optimizer_cls.__name__, self.kwargs or '')

    def assert_close(self, got, want, what):
        for g, w in zip(got, want):
            np.testing.assert_allclose(host(g), host(w), rtol=self.rtol, atol=self.atol,
                                       err_msg='%s: %s' % (self.what(), what))


def host(value):
    """A NumPy copy of a tensor's value or of a backend array."""
    if isinstance(value, Tensor):
        value = value.data
    return np.array(ACTIVE.backend.to_numpy(value))


def _state_arrays(optimizer, variables):
    return [host(a) for _, a in optimizer.state(variables)]


def check_optimizer_config(case):
    """``from_config`` and the registered name rebuild the same class, config and steps."""
    original = case.make()
    cfg = roundtrip_json(original.get_config(), case.what())
    custom = None
    if registered_name(case.optimizer_cls, 'optimizers') is None:
        custom = {case.optimizer_cls.__name__: case.optimizer_cls}
    rebuilt = [('from_config', case.optimizer_cls.from_config(cfg)),
               ('kcore.optimizers.deserialize(serialize(optimizer))',
                optimizers.deserialize(roundtrip_json(optimizers.serialize(original), case.what()), custom))]
    for how, clone in rebuilt:
        if type(clone) is not case.optimizer_cls:
            raise AssertionError('%s: %s gave a %s.' % (case.what(), how, type(clone).__name__))
        again = roundtrip_json(clone.get_config(), case.what())
        if again != cfg:
            raise AssertionError('%s: the config after %s differs.\noriginal: %s\nrebuilt:  %s'
                                 % (case.what(), how, cfg, again))
        case.assert_close(case.descend(clone), case.descend(case.make()),
                          'the variables after %d steps of the optimizer rebuilt by %s (does get_config '
                          'hold every argument of __init__?)' % (case.steps, how))


def check_descent(case):
    """``steps`` steps lower the quadratic (float64), and ``iterations`` counts them."""
    optimizer, variables = case.make(), case.variables('float64')
    values = [float(host(case.objective(variables)))]
    for _ in range(case.steps):
        case.step(optimizer, variables)
        values.append(float(host(case.objective(variables))))
    if not np.isfinite(values).all() or not values[-1] < values[0]:
        raise AssertionError('%s: %d steps on the convex quadratic 0.5 * sum(a * (w - c)**2) did not lower it: %s. '
                             'Check the sign of the update and that update_step writes into w in place '
                             '(w -= ..., not w = w - ...).' % (case.what(), case.steps,
                                                               ', '.join('%.10g' % v for v in values)))
    if optimizer.iterations != case.steps:
        raise AssertionError('%s: iterations is %r after %d steps.' % (case.what(), optimizer.iterations, case.steps))


def check_float32(case):
    """Float32 variables and their slots stay float32 (no silent up-casts) and finite."""
    optimizer = case.make()
    variables = case.descend(optimizer)
    for v in variables:
        if v.dtype != np.float32 or not np.isfinite(host(v)).all():
            raise AssertionError('%s: after %d steps variable %s is %s with values %s.'
                                 % (case.what(), case.steps, v.name, v.dtype, host(v)))
    for name, array in optimizer.state(variables)[1:]:
        if array.dtype != np.float32:
            raise AssertionError('%s: slot %s of a float32 variable is %s; make slots like the variable.'
                                 % (case.what(), name, array.dtype))


def check_state_round_trip(case):
    """``state()`` into a new optimizer with ``set_state()``: the next step is the same."""
    original = case.make()
    variables = case.descend(original)
    restored = case.optimizer_cls.from_config(original.get_config())
    copies = case.variables('float32', [host(v) for v in variables])
    restored.set_state(copies, _state_arrays(original, variables))
    if restored.iterations != original.iterations:
        raise AssertionError('%s: set_state restored iterations=%r, expected %r.'
                             % (case.what(), restored.iterations, original.iterations))
    case.step(original, variables)
    case.step(restored, copies)
    case.assert_close(copies, variables, 'variables after one more step from the restored state')
    case.assert_close(_state_arrays(restored, copies), _state_arrays(original, variables),
                      'optimizer state after one more step from the restored state')


def check_optimizer_save_load(case):
    """A compiled, trained model saved to HDF5 and loaded back keeps the optimizer and its state."""
    from kcore.saving import load_model, save_model
    inputs = Input(shape=(3,))
    model = Model(inputs, Dense(2)(inputs))
    model.compile(optimizer=case.make(), loss='mse')
    x = random_array((4, 3), 'float32', -1.0, 1.0, case.seed + 30)
    y = random_array((4, 2), 'float32', -1.0, 1.0, case.seed + 31)
    for _ in range(case.steps):
        model.train_on_batch(x, y)
    custom = None
    if registered_name(case.optimizer_cls, 'optimizers') is None:
        custom = {case.optimizer_cls.__name__: case.optimizer_cls}
    with tempfile.TemporaryDirectory(prefix='kcore-optimizer-test-') as folder:
        path = os.path.join(folder, 'model.h5')
        save_model(model, path)
        loaded = load_model(path, custom_objects=custom)
    if type(loaded.optimizer) is not case.optimizer_cls:
        raise AssertionError('%s: the loaded model has a %s optimizer.'
                             % (case.what(), type(loaded.optimizer).__name__))
    if loaded.optimizer.get_config() != model.optimizer.get_config():
        raise AssertionError('%s: the loaded optimizer\'s config differs.\nsaved:  %s\nloaded: %s'
                             % (case.what(), model.optimizer.get_config(), loaded.optimizer.get_config()))
    case.assert_close(_state_arrays(loaded.optimizer, loaded.trainable_weights),
                      _state_arrays(model.optimizer, model.trainable_weights), 'optimizer state loaded from HDF5')
    model.train_on_batch(x, y)
    loaded.train_on_batch(x, y)
    case.assert_close(loaded.get_weights(), model.get_weights(), 'weights after one more step, saved vs loaded')


OPTIMIZER_CHECKS = [check_optimizer_config, check_descent, check_float32, check_state_round_trip,
                    check_optimizer_save_load]


def optimizer_test(optimizer_cls, kwargs=None, steps=3, checks=None, seed=0, rtol=1e-6, atol=1e-7):
    """Run the generic optimizer checks on ``optimizer_cls(**kwargs)``; returns the ``OptimizerCase``.

    ``steps`` is how many steps each check takes; ``checks`` replaces
    ``OPTIMIZER_CHECKS``.  A failed check raises ``AssertionError`` naming the
    optimizer and its arguments.
    """
    case = OptimizerCase(optimizer_cls, kwargs, steps, seed, rtol, atol)
    for check in (OPTIMIZER_CHECKS if checks is None else checks):
        check(case)
    return case


__all__ = ['optimizer_test', 'OptimizerCase', 'OPTIMIZER_CHECKS', 'check_optimizer_config', 'check_descent',
           'check_float32', 'check_state_round_trip', 'check_optimizer_save_load']
