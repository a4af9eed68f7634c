"""Keras 2's module path ``keras.engine.training_arrays``: ``fit_loop``, ``test_loop`` and
``predict_loop``, the loops Keras 2's ``fit``/``evaluate``/``predict`` ran on arrays.

Keras 2 drove compiled backend functions (``model.train_function``) over a flat list of
arrays (inputs, then targets, then sample weights).  kcore's ``Trainer`` computes the
steps itself, so these are thin wrappers: they split the flat list by the model's number
of inputs and outputs and call ``model.fit``/``evaluate``/``predict``.  The function
arguments (``fit_function``, ``val_function``, ``f``) are accepted for Keras 2's call
signatures and not used: the model's own compiled loss, metrics and optimizer run.
"""
import numbers

from kcore import _legacy_paths
from kcore.engine.training_utils import (batch_shuffle, check_num_samples, make_batches,  # noqa: F401
                                         should_run_validation)


def _counts(model):
    inputs = getattr(model, 'inputs', None) or [None]
    outputs = getattr(model, 'outputs', None) or [None]
    return len(inputs), len(outputs)


def _split(model, ins, with_targets=True):
    """(x, y, sample_weight) from Keras 2's flat list; a trailing learning-phase flag is dropped."""
    ins = list(ins)
    if ins and isinstance(ins[-1], numbers.Number):
        ins = ins[:-1]
    n_in, n_out = _counts(model)
    wanted = n_in + (n_out if with_targets else 0)
    if len(ins) < wanted or (with_targets and len(ins) not in (wanted, wanted + n_out)) or \
            (not with_targets and len(ins) != wanted):
        raise ValueError('%s has %d input(s) and %d output(s): expected %s arrays (inputs%s). Received: %d '
                         'arrays.' % (getattr(model, 'name', 'the model'), n_in, n_out,
                                      '%d or %d' % (wanted, wanted + n_out) if with_targets else wanted,
                                      ', targets, then optional sample weights' if with_targets else '', len(ins)))

    def one(arrays):
        return arrays[0] if len(arrays) == 1 else list(arrays)
    x = one(ins[:n_in])
    if not with_targets:
        return x, None, None
    y = one(ins[n_in:wanted])
    weights = ins[wanted:]
    sample_weight = None
    if weights and any(w is not None for w in weights):
        sample_weight = one(weights)
    return x, y, sample_weight


def fit_loop(model, fit_function, fit_inputs, out_labels=None, batch_size=None, epochs=100, verbose=1,
             callbacks=None, val_function=None, val_inputs=None, shuffle=True, initial_epoch=0,
             steps_per_epoch=None, validation_steps=None, validation_freq=1):
    """Train ``model`` on ``fit_inputs`` (inputs + targets + sample weights, flat), validating on
    ``val_inputs`` (same layout) every ``validation_freq`` epochs.

    Args:
        model: a compiled model.
        fit_function: Keras 2's compiled train function; not used (the model's trainer runs).
        fit_inputs: the flat list of arrays.
        out_labels: the names of the logged values; not used (the model names them).
        batch_size: samples per step, as ``model.fit``.
        epochs: how many epochs to train.
        verbose: 0, 1 or 2, as ``model.fit``.
        callbacks: callbacks to run, as ``model.fit``.
        val_function: not used.
        val_inputs: the flat list of validation arrays, or None.
        shuffle: shuffle the samples each epoch (or ``'batch'``).
        initial_epoch: the epoch to start counting from.
        steps_per_epoch: steps per epoch instead of one pass over the arrays.
        validation_steps: validation steps instead of one pass.
        validation_freq: validate every this many epochs (or at the listed ones).

    Returns:
        The ``History`` of the run.
    """
    x, y, sample_weight = _split(model, fit_inputs)
    validation_data = None
    if val_inputs:
        vx, vy, vw = _split(model, val_inputs)
        validation_data = (vx, vy) if vw is None else (vx, vy, vw)
    return model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=verbose, callbacks=callbacks,
                     validation_data=validation_data, shuffle=shuffle, sample_weight=sample_weight,
                     initial_epoch=initial_epoch, steps_per_epoch=steps_per_epoch,
                     validation_steps=validation_steps, validation_freq=validation_freq)


def test_loop(model, f, ins, batch_size=None, verbose=0, steps=None, callbacks=None):
    """The loss (and metrics) of ``model`` on ``ins`` (inputs + targets + sample weights, flat):
    a scalar, or a list when the model logs more than the loss (``model.evaluate``'s result).
    ``f`` (Keras 2's test function) is not used."""
    x, y, sample_weight = _split(model, ins)
    return model.evaluate(x, y, batch_size=batch_size, verbose=verbose, sample_weight=sample_weight, steps=steps,
                          callbacks=callbacks)


def predict_loop(model, f, ins, batch_size=32, verbose=0, steps=None, callbacks=None):
    """``model.predict`` on ``ins`` (the model's inputs, flat). ``f`` is not used."""
    x, _, _ = _split(model, ins, with_targets=False)
    return model.predict(x, batch_size=batch_size, verbose=verbose, steps=steps, callbacks=callbacks)


__getattr__ = _legacy_paths.module_getattr(__name__, ('K', 'cbks', 'Progbar', 'slice_arrays', 'to_list',
                                                      'unpack_singleton'))

__all__ = ['fit_loop', 'test_loop', 'predict_loop', 'batch_shuffle', 'check_num_samples', 'make_batches',
           'should_run_validation']
