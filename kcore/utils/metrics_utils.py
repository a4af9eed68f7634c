"""Keras 2.3's ``keras.utils.metrics_utils``: the helpers of its stateful metrics.

The confusion-matrix update (``update_confusion_matrix_variables``) counts with the
same binned cumulative sums as kcore's own Precision/Recall/AUC
(``kcore.training.confusion_metrics.confusion_counts``).  ``update_state_wrapper`` and
``result_wrapper`` registered graph updates in Keras; in an eager framework they only
call through, and are kept for metrics written against Keras 2.3.
"""
import enum
import functools

import numpy as np

from kcore import _legacy_paths
from kcore.autodiff.tensor import Variable
from kcore.runtime import ops as _K
from kcore.runtime.device import ACTIVE
from kcore.training.confusion_metrics import confusion_counts
from kcore.utils.generic_utils import to_list  # noqa: F401  (Keras 2.3 defines it here too)

#: what ``filter_top_k`` puts in place of the values outside the top k
NEG_INF = -1e10


class Reduction(object):
    """How a ``Reduce`` metric combines values: their sum, their sum over the batch size, or
    their weighted mean."""
    SUM = 'sum'
    SUM_OVER_BATCH_SIZE = 'sum_over_batch_size'
    WEIGHTED_MEAN = 'weighted_mean'


def update_state_wrapper(update_state_fn):
    """Wrap a metric's ``update_state``; called as ``decorated(metric, *args, **kwargs)``.
    Keras 2.3 recorded the update op on the metric; kcore's updates run at once."""
    def decorated(metric_obj, *args, **kwargs):
        return update_state_fn(*args, **kwargs)
    return functools.wraps(update_state_fn)(decorated)


def result_wrapper(result_fn):
    """Wrap a metric's ``result``; called as ``decorated(metric, *args)``."""
    def decorated(metric_obj, *args):
        return result_fn(*args)
    return functools.wraps(result_fn)(decorated)


def filter_top_k(x, k):
    """``x`` with every value outside the ``k`` largest of its last axis set to ``NEG_INF``
    (ties go to the earlier position)."""
    xp = ACTIVE.xp
    values = _K.as_array(x)
    rank = xp.argsort(xp.argsort(-values, axis=-1, kind='stable'), axis=-1, kind='stable')
    return xp.where(rank < k, values, xp.asarray(NEG_INF, dtype=values.dtype))


def assert_thresholds_range(thresholds):
    """Raise ``ValueError`` naming the thresholds outside [0, 1] (None counts as outside)."""
    if thresholds is not None:
        invalid = [t for t in thresholds if t is None or t < 0 or t > 1]
        if invalid:
            raise ValueError('Threshold values must be in [0, 1]. Invalid values: {}'.format(invalid))


def parse_init_thresholds(thresholds, default_threshold=0.5):
    """``thresholds`` as a checked list, or ``[default_threshold]`` when None."""
    if thresholds is not None:
        assert_thresholds_range(to_list(thresholds))
    return to_list(default_threshold if thresholds is None else thresholds)


class _FromStr(enum.Enum):
    @classmethod
    def from_str(cls, key):
        """The member whose value is ``key`` (case-insensitive); ``ValueError`` otherwise."""
        for member in cls:
            if isinstance(key, str) and key.lower() == member.value.lower():
                return member
        raise ValueError('Invalid %s value "%s". Expected one of: %s.'
                         % (cls.__name__, key, ', '.join(m.value for m in cls)))


class ConfusionMatrix(enum.Enum):
    """The four counts of a confusion matrix, as keys of ``update_confusion_matrix_variables``."""
    TRUE_POSITIVES = 'tp'
    FALSE_POSITIVES = 'fp'
    TRUE_NEGATIVES = 'tn'
    FALSE_NEGATIVES = 'fn'


class AUCCurve(_FromStr):
    """The curve an AUC integrates: ROC or precision-recall."""
    ROC = 'ROC'
    PR = 'PR'


class AUCSummationMethod(_FromStr):
    """How an AUC sums its buckets: interpolation, or the upper (majoring) or lower (minoring) Riemann sum."""
    INTERPOLATION = 'interpolation'
    MAJORING = 'majoring'
    MINORING = 'minoring'


def _add(var, delta):
    if isinstance(var, Variable):
        var.assign_add(ACTIVE.backend.asarray(delta.astype(var.dtype, copy=False)))
    else:
        var += delta
    return var


def weighted_assign_add(label, pred, weights, var):
    """Add to ``var`` the (weighted) count over axis 1 of the places where both boolean arrays
    ``label`` and ``pred`` are true; returns ``var``."""
    both = (_K.as_array(label).astype(bool) & _K.as_array(pred).astype(bool)).astype('float64')
    if weights is not None:
        both = both * _K.as_array(weights)
    return _add(var, both.sum(axis=1))


def update_confusion_matrix_variables(variables_to_update, y_true, y_pred, thresholds=0.5, top_k=None,
                                      class_id=None, sample_weight=None):
    """Add a batch's true/false positives/negatives at each threshold to the variables.

    A prediction is positive at threshold ``t`` when it is above ``t``.

    Args:
        variables_to_update: ``{ConfusionMatrix member: variable of shape (len(thresholds),)}``.
        y_true: targets (nonzero is positive).
        y_pred: predictions in [0, 1].
        thresholds: a float or a list of floats.
        top_k: count only the ``top_k`` largest predictions of each row as predicted.
        class_id: count only this class (the last axis).
        sample_weight: weights broadcast to ``y_pred``.

    Raises:
        ValueError: for no valid variable, an unknown key or a bad ``class_id``.
    """
    if variables_to_update is None:
        return
    keys = list(variables_to_update)
    if not keys or any(key not in list(ConfusionMatrix) for key in keys):
        raise ValueError('Please provide at least one valid confusion matrix variable to update. Valid variable '
                         'key options are: "{}". Received: "{}"'.format(list(ConfusionMatrix), keys))
    thresholds = to_list(thresholds)
    assert_thresholds_range(thresholds)
    yp = np.asarray(ACTIVE.backend.to_numpy(_K.as_array(y_pred)), dtype='float64')
    yt = np.asarray(ACTIVE.backend.to_numpy(_K.as_array(y_true))).astype(bool).astype('float64')
    weights = None if sample_weight is None else np.asarray(ACTIVE.backend.to_numpy(_K.as_array(sample_weight)))
    if top_k is not None:
        yp = np.asarray(ACTIVE.backend.to_numpy(filter_top_k(yp, top_k)))
    if class_id is not None:
        if not 0 <= class_id < yp.shape[-1]:
            raise ValueError('update_confusion_matrix_variables: class_id=%r is out of range for predictions with '
                             '%d classes.' % (class_id, yp.shape[-1]))
        yt, yp = yt.reshape(yp.shape)[..., class_id], yp[..., class_id]
        if weights is not None and weights.ndim == yp.ndim + 1:
            weights = weights[..., class_id]
    order = np.argsort(thresholds, kind='stable')
    counts = confusion_counts(yt, yp, np.asarray(thresholds, dtype='float64')[order], weights)
    unsorted = np.empty_like(order)
    unsorted[order] = np.arange(len(order))
    by_key = dict(zip((ConfusionMatrix.TRUE_POSITIVES, ConfusionMatrix.FALSE_POSITIVES,
                       ConfusionMatrix.TRUE_NEGATIVES, ConfusionMatrix.FALSE_NEGATIVES), counts))
    for key, var in variables_to_update.items():
        _add(var, np.asarray(ACTIVE.backend.to_numpy(by_key[key]))[unsorted])


# names Keras 2.3's module imported, resolved on first use
__getattr__ = _legacy_paths.module_getattr(__name__, ('K', 'losses_utils'))

__all__ = ['NEG_INF', 'Reduction', 'update_state_wrapper', 'result_wrapper', 'filter_top_k', 'to_list',
           'assert_thresholds_range', 'parse_init_thresholds', 'ConfusionMatrix', 'AUCCurve', 'AUCSummationMethod',
           'weighted_assign_add', 'update_confusion_matrix_variables']
