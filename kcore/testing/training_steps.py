"""A few training steps of a compiled model, repeatable, and the check that they helped.

Shared by the layer, loss and optimizer checks: each builds a tiny problem
around the object under test, and the loss must go down.
"""
import numpy as np

from kcore.testing.data import preserved_random_state
from kcore.utils import set_random_seed


def train_steps(model, x, y, steps, seed=0):
    """The loss before each of ``steps + 1`` calls of ``train_on_batch`` (``fit``'s own step).

    kcore's generators are reseeded before every step, so anything random in
    training (dropout) draws the same numbers each time: the loss stays one
    fixed function of the weights, which descent steps must lower.  The
    caller's random state is given back afterwards.
    """
    losses = []
    with preserved_random_state():
        for _ in range(steps + 1):
            set_random_seed(seed % 2 ** 32)
            losses.append(float(model.train_on_batch(x, y, return_dict=True)['loss']))
    return losses


def assert_lowered(losses, what, fix):
    """``AssertionError`` unless the last loss is finite and below the first."""
    if not np.isfinite(losses).all() or not losses[-1] < losses[0]:
        raise AssertionError('%s: %d training steps did not lower the loss: %s. %s'
                             % (what, len(losses) - 1, ', '.join('%.6g' % v for v in losses), fix))


__all__ = ['train_steps', 'assert_lowered']
