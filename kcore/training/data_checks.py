"""Checks ``fit`` makes on in-memory training data before the first step.

* No samples, ``steps_per_epoch`` not positive, negative ``epochs``: a clear
  ``ValueError`` (Keras 2.3.1 trains nothing, or fails deep inside).
* NaN or infinity in ``x``, ``y`` or ``sample_weight``: one warning per ``fit``
  naming each bad array and its first bad index (with ``KCORE_DEBUG=1``: a
  ``ValueError``).  The check is one vectorised reduction per float array (a
  sum, which NaN and infinity poison; 36 ms for MNIST's 188 MB of float32 on
  one core); the exact search runs only when the sum is not finite (bad data,
  or a sum that overflowed).
* Targets a loss cannot mean: fractional labels for sparse categorical
  crossentropy (Keras casts them to integers, silently truncating) and labels
  outside [0, 1] for binary crossentropy (Keras computes a meaningless loss)
  give a warning.
"""
import os
import warnings

import numpy as np

from kcore.training import losses as losses_mod


class DataWarning(UserWarning):
    """Training data that will silently spoil training (NaN, infinity, impossible labels)."""


def _debug():
    return os.environ.get('KCORE_DEBUG', '').strip().lower() not in ('', '0', 'false', 'no', 'off')


def check_loop_arguments(epochs, steps_per_epoch, initial_epoch):
    """Check ``fit``'s ``epochs``, ``steps_per_epoch`` and ``initial_epoch``; raises ``ValueError`` naming the bad one."""
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise ValueError('fit(): epochs must be a non-negative integer (the index of the last epoch). '
                         'Received: epochs=%r.' % (epochs,))
    if steps_per_epoch is not None and (isinstance(steps_per_epoch, bool) or not isinstance(
            steps_per_epoch, (int, np.integer)) or steps_per_epoch <= 0):
        raise ValueError('fit(): steps_per_epoch must be a positive integer or None (one pass over the data). '
                         'Received: steps_per_epoch=%r.' % (steps_per_epoch,))
    if isinstance(initial_epoch, bool) or not isinstance(initial_epoch, (int, np.integer)) or initial_epoch < 0:
        raise ValueError('fit(): initial_epoch must be a non-negative integer. Received: initial_epoch=%r.'
                         % (initial_epoch,))


def named_arrays(structure, label):
    """``[(name, array)]`` for the leaves of x/y: 'x', 'x[0]', "x['image']"."""
    if structure is None:
        return []
    if isinstance(structure, dict):
        return [item for k in structure for item in named_arrays(structure[k], '%s[%r]' % (label, k))]
    if isinstance(structure, (list, tuple)):
        return [item for i, v in enumerate(structure) for item in named_arrays(v, '%s[%d]' % (label, i))]
    return [(label, structure)]


def first_non_finite(array):
    """Index (a tuple) of the first NaN or infinity in ``array``, or None; one reduction when clean."""
    a = np.asarray(array)
    if a.dtype.kind not in 'fc' or a.size == 0:
        return None
    with np.errstate(all='ignore'):
        total = a.sum()  # in its own dtype: an overflow only sends us to the exact search
    if np.isfinite(total):
        return None
    bad = np.flatnonzero(~np.isfinite(a))
    if not bad.size:  # float64 data summing past 1.8e308: finite after all
        return None
    return tuple(int(i) for i in np.unravel_index(bad[0], a.shape))


def check_arrays(adapter, what='fit'):
    """Warn (or raise under KCORE_DEBUG) about NaN/inf in the adapter's arrays; error if there are none."""
    if adapter.n == 0:
        raise ValueError('%s() received no samples: x has 0 rows. Pass at least one sample (check the filtering '
                         'or the split that produced x and y).' % what)
    found = []
    for label, structure in (('x', adapter.x), ('y', adapter.y), ('sample_weight', adapter.sample_weight)):
        for name, array in named_arrays(structure, label):
            where = first_non_finite(array)
            if where is not None:
                found.append('%s at index %s (value %r)' % (name, where, np.asarray(array)[where]))
    if not found:
        return
    message = ('%s(): the training data holds NaN or infinity: %s. Every weight it reaches becomes NaN. Clean '
               'the data (np.nan_to_num, or drop those rows).' % (what, '; '.join(found)))
    if _debug():
        raise ValueError(message + ' (Raised because KCORE_DEBUG is set.)')
    warnings.warn(DataWarning(message), stacklevel=3)


def check_labels(compiled_loss, y):
    """Warn about targets that the outputs' losses cannot mean (see the module docstring)."""
    if compiled_loss is None or y is None:
        return
    names = compiled_loss.output_names
    ys = (list(y) if isinstance(y, (list, tuple)) else [y.get(n) for n in names] if isinstance(y, dict) else [y])
    for name, fn, target in zip(names, compiled_loss._base_fns, ys):
        t = np.asarray(target) if target is not None else np.zeros(0)
        if fn is None or t.dtype.kind not in 'fiu' or t.size == 0:
            continue
        if fn is losses_mod.sparse_categorical_crossentropy and t.dtype.kind == 'f':
            if np.any(t != np.floor(t)):
                warnings.warn(DataWarning(
                    'Output %r uses sparse_categorical_crossentropy, whose targets are class indices, but the '
                    'targets hold fractional values (e.g. %r); they are truncated to integers, as Keras does. '
                    'Pass integer class indices.' % (name, float(t[t != np.floor(t)].flat[0]))), stacklevel=3)
        elif fn is losses_mod.binary_crossentropy:
            low, high = t.min(), t.max()
            if low < 0 or high > 1:
                warnings.warn(DataWarning(
                    'Output %r uses binary_crossentropy, whose targets are probabilities in [0, 1], but they '
                    'range over [%r, %r]; the loss means nothing there. Rescale the targets (for labels -1/1: '
                    '(y + 1) / 2).' % (name, float(low), float(high))), stacklevel=3)


def needs_label_range_check(compiled_loss):
    """Whether an output uses sparse categorical crossentropy (whose labels ``check_label_range`` checks)."""
    return compiled_loss is not None and losses_mod.sparse_categorical_crossentropy in compiled_loss._base_fns


def check_label_range(compiled_loss, ys, output_shapes):
    """Raise the loss's own error for class indices outside ``[0, classes)`` of a sparse
    crossentropy output, on the host before the data crosses to the device (the training
    step then never reads a label back).  ``ys`` holds one target array (or None) per
    output; an output whose class count is not known yet (a subclassed model before its
    first step) is left to the loss, which marks such labels with NaN on the device."""
    if compiled_loss is None or output_shapes is None:
        return
    for fn, loss, target, shape in zip(compiled_loss._base_fns, compiled_loss.losses, ys, output_shapes):
        if fn is not losses_mod.sparse_categorical_crossentropy or target is None or not shape:
            continue
        if getattr(loss, '_fn_kwargs', {}).get('ignore_class') is not None:
            continue
        classes = shape[getattr(loss, '_fn_kwargs', {}).get('axis', -1)]
        t = np.asarray(target)
        if classes is None or t.size == 0 or t.dtype.kind not in 'fiu':
            continue
        losses_mod.check_label_range(t, classes)
