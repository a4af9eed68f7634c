"""``loss_test``: the checks every loss must pass, for kcore's losses and plugins'.

    from kcore.testing import loss_test
    per_sample = loss_test(pinball_loss)                    # a function
    per_sample = loss_test(PinballLoss, {'quantile': 0.3})  # a Loss subclass

A loss is a function ``fn(y_true, y_pred, **kwargs)`` returning one value per
sample, or a ``kcore.losses.Loss`` subclass.  ``loss_test`` runs each function
of ``LOSS_CHECKS`` on one ``LossCase`` and returns the per-sample values:

* ``check_loss_values``: one finite value per sample (shape ``y_pred.shape[:-1]``),
  in float32 for float32 predictions (no silent up-casts);
* ``check_reductions``: ``'sum'``, ``'sum_over_batch_size'`` and ``'none'``
  agree with the per-sample values, ``sample_weight`` (shape ``(batch,)`` or
  ``(batch, 1)``) multiplies them, zero weights give zero;
* ``check_loss_config``: a class's ``get_config`` is JSON and ``from_config``
  rebuilds the same loss; a registered loss comes back from its name
  (``kcore.losses.serialize``/``deserialize``, ``kcore.losses.get``);
* ``check_loss_gradients``: in float64, gradients with respect to ``y_pred``
  (weighted, per sample) match finite differences;
* ``check_loss_trains``: a tiny model compiled with the loss (by its
  registered name when it has one) lowers it in a few steps.

Data: ``y_true``/``y_pred`` arrays, or random ones from a loss example
(``shape``, ``y_true_shape``, ``y_true_dtype``, ``y_true_range``,
``y_pred_range``; see ``kcore.testing.data``).  As for layers, ``checks=``
replaces the list.
"""
import inspect

import numpy as np

from kcore import config as _config
from kcore.autodiff.tensor import Tensor
from kcore.runtime.device import ACTIVE
from kcore.testing.data import loss_data, preserved_random_state, random_array
from kcore.testing.gradients import check_gradients
from kcore.testing.layer_case import roundtrip_json, to_numpy
from kcore.testing.training_steps import assert_lowered, train_steps
from kcore import losses
from kcore.layers import Dense, Input
from kcore.models import Model
from kcore.training.optimizers import Adam
from kcore.utils import set_random_seed
from kcore.training.losses import Loss
from kcore.training.losses import LossFunctionWrapper
from kcore.serialization import registered_name


class LossCase:
    """One loss under test: the loss, its arguments, the data, and what the checks found."""

    def __init__(self, loss, kwargs, y_true, y_pred, expected_output=None, expected_shape=None,
                 activation='sigmoid', rtol=1e-5, atol=1e-6, seed=0):
        self.is_class = inspect.isclass(loss) and issubclass(loss, Loss)
        if not self.is_class and (inspect.isclass(loss) or not callable(loss)):
            raise TypeError('loss_test needs a loss function fn(y_true, y_pred) or a kcore.losses.Loss '
                            'subclass. Received: %r.' % (loss,))
        self.loss, self.kwargs = loss, dict(kwargs or {})
        self.y_true, self.y_pred = np.asarray(y_true), np.asarray(y_pred)
        self.sample_weight = random_array(self.y_pred.shape[:1], 'float32', 0.5, 2.0, seed + 7)
        self.expected_output, self.expected_shape = expected_output, expected_shape
        self.activation = activation
        self.rtol, self.atol, self.seed = rtol, atol, seed
        self.output = None

    def make(self, reduction='sum_over_batch_size'):
        """A ``Loss`` object: the class with ``kwargs``, or the function wrapped (as ``compile`` does)."""
        if self.is_class:
            return self.loss(reduction=reduction, **self.kwargs)
        return LossFunctionWrapper(self.loss, reduction=reduction, **self.kwargs)

    def tensors(self, dtype=None):
        """``(y_true, y_pred)`` as tensors; float arrays cast to ``dtype`` if given."""
        def convert(a):
            return Tensor(ACTIVE.xp.asarray(a.astype(dtype) if dtype and a.dtype.kind == 'f' else a))
        return convert(self.y_true), convert(self.y_pred)

    def value(self, reduction, sample_weight=None, loss=None):
        """The loss on the case's data, as NumPy."""
        loss = loss or self.make(reduction)
        weight = None if sample_weight is None else Tensor(ACTIVE.xp.asarray(sample_weight))
        return to_numpy(loss(*self.tensors(), sample_weight=weight))

    def registered_name(self):
        return registered_name(self.loss, 'losses')

    def what(self):
        name = getattr(self.loss, '__name__', repr(self.loss))
        return '%s(%s) on y_true of shape %s, y_pred of shape %s' % (name, self.kwargs or '', self.y_true.shape,
                                                                   self.y_pred.shape)

    def assert_close(self, got, want, what):
        np.testing.assert_allclose(np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64),
                                   rtol=self.rtol, atol=self.atol, err_msg='%s: %s' % (self.what(), what))


def check_loss_values(case):
    """One finite value per sample, in floatx for float32 predictions; ``expected_output`` if given."""
    values = case.value('none')
    case.output = values
    want = tuple(case.expected_shape) if case.expected_shape is not None else case.y_pred.shape[:-1]
    if values.shape != want:
        raise AssertionError('%s: per-sample losses have shape %s, expected %s (one value per sample: '
                             'reduce over the last axis, as Keras losses do).' % (case.what(), values.shape, want))
    floatx = np.dtype(_config.floatx())
    if case.y_pred.dtype == floatx and values.dtype != floatx:
        raise AssertionError('%s: the loss is %s for %s predictions (no silent up-casts).'
                             % (case.what(), values.dtype, floatx))
    if not np.isfinite(values).all():
        raise AssertionError('%s: the loss is not finite: %s.' % (case.what(), values))
    if case.expected_output is not None:
        case.assert_close(values, case.expected_output, 'per-sample values vs expected_output')


def check_reductions(case):
    """The reductions and ``sample_weight`` agree with the per-sample values."""
    values = case.output.astype(np.float64)
    w = case.sample_weight.astype(np.float64).reshape((-1,) + (1,) * (values.ndim - 1))
    case.assert_close(case.value('sum'), values.sum(), "reduction='sum'")
    case.assert_close(case.value('sum_over_batch_size'), values.mean(), "reduction='sum_over_batch_size'")
    case.assert_close(case.value('none', case.sample_weight), values * w, 'sample_weight of shape (batch,)')
    case.assert_close(case.value('none', case.sample_weight[:, None]), values * w,
                      'sample_weight of shape (batch, 1)')
    case.assert_close(case.value('sum_over_batch_size', case.sample_weight), (values * w).mean(),
                      "sample_weight with reduction='sum_over_batch_size'")
    case.assert_close(case.value('sum', np.zeros_like(case.sample_weight)), 0.0, 'zero sample weights')


def check_loss_config(case):
    """Config and name round trips: the rebuilt loss has the same config and gives the same values."""
    name = case.registered_name()
    if not case.is_class:
        if name is not None and (losses.get(name) is not case.loss or losses.deserialize(name) is not case.loss):
            raise AssertionError('%s: the registered name %r does not resolve back to the function.'
                                 % (case.what(), name))
        return
    original = case.make('sum')
    cfg = roundtrip_json(original.get_config(), case.what())
    if cfg.get('reduction') != 'sum':
        raise AssertionError("%s: get_config() must hold the reduction. Received: %s." % (case.what(), cfg))
    custom = None if name is not None else {case.loss.__name__: case.loss}
    for how, clone in (('from_config', case.loss.from_config(cfg)),
                       ('kcore.losses.deserialize(serialize(loss))',
                        losses.deserialize(roundtrip_json(losses.serialize(original), case.what()), custom))):
        if type(clone) is not case.loss:
            raise AssertionError('%s: %s gave a %s.' % (case.what(), how, type(clone).__name__))
        again = roundtrip_json(clone.get_config(), case.what())
        if again != cfg:
            raise AssertionError('%s: the config after %s differs.\noriginal: %s\nrebuilt:  %s'
                                 % (case.what(), how, cfg, again))
        case.assert_close(case.value('sum', loss=clone), case.value('sum', loss=original),
                          'the loss rebuilt by %s' % how)


def check_loss_gradients(case, directions=3):
    """Gradients of the weighted per-sample losses with respect to ``y_pred`` vs finite differences (float64)."""
    loss = case.make('none')
    weight = Tensor(ACTIVE.xp.asarray(case.sample_weight.astype(np.float64)))
    y_true, y_pred = case.tensors(np.float64)
    if to_numpy(loss(y_true, y_pred)).dtype != np.float64:
        raise AssertionError('%s: on float64 data the loss is not float64: some op casts down, so its '
                             'gradients cannot be checked precisely.' % case.what())
    y_true = case.y_true.astype(np.float64) if case.y_true.dtype.kind == 'f' else case.y_true
    check_gradients(lambda t, p: loss(t, p, sample_weight=weight), [y_true, case.y_pred],
                    differentiable=[False, True], directions=directions)


def check_loss_trains(case, steps=4, learning_rate=0.01):
    """A one-layer model compiled with the loss lowers it in a few Adam steps.

    The model maps random inputs through ``Dense`` and ``case.activation``
    (``'sigmoid'``: predictions in (0, 1), as the default data) to outputs
    shaped like ``y_pred``; the loss is passed by its registered name when it
    has one and takes no arguments, so ``compile`` resolves it as users do.
    """
    name = case.registered_name()
    loss = name if name is not None and not case.kwargs else case.make()
    with preserved_random_state():
        set_random_seed(case.seed % 2 ** 32)
        inputs = Input(shape=case.y_pred.shape[1:])
        model = Model(inputs, Dense(case.y_pred.shape[-1], activation=case.activation)(inputs))
    model.compile(optimizer=Adam(learning_rate=learning_rate), loss=loss)
    x = random_array(case.y_pred.shape, 'float32', -1.0, 1.0, case.seed + 3)
    losses = train_steps(model, x, case.y_true, steps, case.seed)
    assert_lowered(losses, '%s, as the loss of a Dense model trained with Adam(learning_rate=%g)'
                   % (case.what(), learning_rate), 'Check the gradients of the loss and its sign.')


LOSS_CHECKS = [check_loss_values, check_reductions, check_loss_config, check_loss_gradients, check_loss_trains]


def loss_test(loss, kwargs=None, y_true=None, y_pred=None, example=None, expected_output=None,
              expected_shape=None, activation='sigmoid', checks=None, seed=0, rtol=1e-5, atol=1e-6):
    """Run the generic loss checks on ``loss`` (a function or a ``Loss`` subclass); return per-sample values.

    Give ``y_true`` and ``y_pred``, or let ``example`` (a loss example dict,
    default: float32 arrays of shape ``(2, 3)`` in ``(0.05, 0.95)``) describe
    random ones.  ``kwargs`` go to the function or the class (default: the
    example's ``kwargs``); ``expected_output`` (per-sample values) and
    ``expected_shape`` are compared with what it returns; ``activation`` is the
    output activation of the model in ``check_loss_trains``.  ``checks``
    replaces ``LOSS_CHECKS``.  A failed check raises ``AssertionError`` naming
    the loss, its arguments and data.
    """
    if (y_true is None) != (y_pred is None):
        raise TypeError('loss_test needs both y_true and y_pred, or neither (random data from example=...).')
    if y_true is None:
        y_true, y_pred = loss_data(example, seed=seed)
    if kwargs is None and example:
        kwargs = example.get('kwargs')
    case = LossCase(loss, kwargs, y_true, y_pred, expected_output, expected_shape, activation, rtol, atol, seed)
    for check in (LOSS_CHECKS if checks is None else checks):
        check(case)
    return case.output


__all__ = ['loss_test', 'LossCase', 'LOSS_CHECKS', 'check_loss_values', 'check_reductions', 'check_loss_config',
           'check_loss_gradients', 'check_loss_trains']
