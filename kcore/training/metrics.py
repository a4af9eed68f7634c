"""Metrics: per-sample functions and stateful ``Metric`` objects.

``Metric`` and the reductions (``Mean``, ``Sum``, ``MeanMetricWrapper``) live in
``kcore.training.metric_base``, the confusion-matrix metrics (``Precision``, ``Recall``,
``AUC``, the TP/FP/TN/FN counts) in ``kcore.training.confusion_metrics``; both are
re-exported here, next to the metric functions and their wrapper classes.

A metric function ``fn(y_true, y_pred)`` returns one value per sample; wrapped
in ``MeanMetricWrapper`` it becomes a running, sample-weighted mean over an
epoch.  Stateful metrics keep their sums in backend arrays and are updated
without recording gradients.
"""
from kcore import config
from kcore.autodiff.tensor import Tensor
from kcore.runtime import ops as K
from kcore.runtime.device import ACTIVE
from kcore.training import losses as _losses
from kcore.serialization import resolve
from kcore.training.metric_base import Mean, MeanMetricWrapper, Metric, Reduce, Sum, match_ranks  # noqa: F401
from kcore.serialization import deserialize as _deserialize, serialize as _serialize
from kcore.training.confusion_metrics import (AUC, FalseNegatives, FalsePositives, Precision,  # noqa: F401
                                              Recall, TrueNegatives, TruePositives, confusion_counts)


# -- functions ---------------------------------------------------------------------------
def _arrays(y_true, y_pred):
    yt, yp = K.as_array(y_true), K.as_array(y_pred)
    return match_ranks(yt, yp), yp


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """How often ``y_pred > threshold`` equals the 0/1 target, averaged over the last axis.

    Args:
        y_true: 0/1 targets.
        y_pred: Probabilities.
        threshold: The probability above which a prediction counts as 1.

    Returns:
        A tensor of one accuracy per sample.
    """
    yt, yp = _arrays(y_true, y_pred)
    return Tensor((yt == (yp > threshold)).mean(axis=-1, dtype=yp.dtype))


def categorical_accuracy(y_true, y_pred):
    """1 where the predicted class (argmax) is the one-hot target's class, else 0.

    Args:
        y_true: One-hot targets.
        y_pred: Class scores or probabilities.

    Returns:
        A tensor of one value per sample.
    """
    yt, yp = _arrays(y_true, y_pred)
    xp = ACTIVE.xp
    return Tensor((xp.argmax(yt, axis=-1) == xp.argmax(yp, axis=-1)).astype(yp.dtype))


def sparse_categorical_accuracy(y_true, y_pred):
    """1 where the predicted class (argmax) equals the integer target, else 0.

    Args:
        y_true: Integer class ids, with or without a trailing axis of size 1.
        y_pred: Class scores or probabilities.

    Returns:
        A tensor of one value per sample.
    """
    yt, yp = _arrays(y_true, y_pred)
    xp = ACTIVE.xp
    if yt.ndim == yp.ndim and yt.shape[-1] == 1:
        yt = yt[..., 0]
    return Tensor((yt.astype('int64') == xp.argmax(yp, axis=-1)).astype(yp.dtype))


def _in_top_k(yp, targets, k):
    xp = ACTIVE.xp
    target_scores = xp.take_along_axis(yp, targets[..., None].astype('int64'), axis=-1)
    higher = (yp > target_scores).sum(axis=-1)
    return (higher < k).astype(yp.dtype)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1 where the one-hot target's class is among the ``k`` highest scores, else 0.

    Args:
        y_true: One-hot targets.
        y_pred: Class scores or probabilities.
        k: How many of the top classes count.

    Returns:
        A tensor of one value per sample.
    """
    yt, yp = _arrays(y_true, y_pred)
    return Tensor(_in_top_k(yp, ACTIVE.xp.argmax(yt, axis=-1), k))


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1 where the integer target is among the ``k`` highest scores, else 0.

    Args:
        y_true: Integer class ids, with or without a trailing axis of size 1.
        y_pred: Class scores or probabilities.
        k: How many of the top classes count.

    Returns:
        A tensor of one value per sample.
    """
    yt, yp = _arrays(y_true, y_pred)
    if yt.ndim == yp.ndim and yt.shape[-1] == 1:
        yt = yt[..., 0]
    return Tensor(_in_top_k(yp, yt, k))


def accuracy(y_true, y_pred):
    """Exact match, averaged over the last axis."""
    yt, yp = _arrays(y_true, y_pred)
    return Tensor((yt == yp).astype(config.floatx()).mean(axis=-1))


def mean_absolute_error(y_true, y_pred):
    """Mean of ``abs(y_pred - y_true)`` over the last axis (also ``mae``).

    Args:
        y_true: The targets.
        y_pred: The predictions, of the same shape.

    Returns:
        A tensor of one value per sample (the last axis reduced).
    """
    y_true, y_pred = _losses._pair(y_true, y_pred)
    return K.mean(K.abs(y_pred - y_true), axis=-1)


mean_squared_error = _losses.mean_squared_error
binary_crossentropy = _losses.binary_crossentropy
categorical_crossentropy = _losses.categorical_crossentropy
sparse_categorical_crossentropy = _losses.sparse_categorical_crossentropy


def _wrapper(class_name, fn, default_name, **defaults):
    """A MeanMetricWrapper subclass for ``fn`` with keyword defaults (Keras's metric classes)."""
    def __init__(self, name=default_name, dtype=None, **kwargs):
        params = dict(defaults)
        params.update(kwargs)
        MeanMetricWrapper.__init__(self, fn, name=name, dtype=dtype, **params)

    cls = type(class_name, (MeanMetricWrapper,), {'__init__': __init__, '__module__': __name__,
                                                   '__doc__': 'Running mean of %s.' % fn.__name__})
    return cls


Accuracy = _wrapper('Accuracy', accuracy, 'accuracy')
BinaryAccuracy = _wrapper('BinaryAccuracy', binary_accuracy, 'binary_accuracy', threshold=0.5)
CategoricalAccuracy = _wrapper('CategoricalAccuracy', categorical_accuracy, 'categorical_accuracy')
SparseCategoricalAccuracy = _wrapper('SparseCategoricalAccuracy', sparse_categorical_accuracy,
                                     'sparse_categorical_accuracy')
TopKCategoricalAccuracy = _wrapper('TopKCategoricalAccuracy', top_k_categorical_accuracy,
                                   'top_k_categorical_accuracy', k=5)
SparseTopKCategoricalAccuracy = _wrapper('SparseTopKCategoricalAccuracy', sparse_top_k_categorical_accuracy,
                                         'sparse_top_k_categorical_accuracy', k=5)
MeanSquaredError = _wrapper('MeanSquaredError', mean_squared_error, 'mean_squared_error')
MeanAbsoluteError = _wrapper('MeanAbsoluteError', mean_absolute_error, 'mean_absolute_error')
BinaryCrossentropy = _wrapper('BinaryCrossentropy', binary_crossentropy, 'binary_crossentropy')
CategoricalCrossentropy = _wrapper('CategoricalCrossentropy', categorical_crossentropy,
                                   'categorical_crossentropy')
SparseCategoricalCrossentropy = _wrapper('SparseCategoricalCrossentropy', sparse_categorical_crossentropy,
                                         'sparse_categorical_crossentropy')


def get(identifier):
    """A metric from a registered name, a config dict, a ``Metric`` (class or instance)
    or a function; classes are instantiated with their defaults."""
    return resolve('metrics', identifier)


def serialize(metric):
    """``{'class_name', 'config'}`` of a metric object, or a registered function's name."""
    return _serialize(metric, 'metrics')


def deserialize(config, custom_objects=None):
    """A metric from ``serialize``'s output, through the metric registry."""
    return _deserialize(config, 'metrics', custom_objects)


def clone_metric(metric):
    """A fresh copy of a stateful ``Metric`` (same config, no state); functions as they are."""
    if isinstance(metric, Metric):
        return type(metric).from_config(metric.get_config())
    return metric


def clone_metrics(metrics):
    """``clone_metric`` over a list or dict of metrics (None stays None)."""
    if metrics is None:
        return None
    if isinstance(metrics, dict):
        return {key: clone_metric(value) for key, value in metrics.items()}
    return [clone_metric(metric) for metric in metrics]


BUILTIN_FUNCTIONS = [
    ('accuracy', accuracy, ()),
    ('binary_accuracy', binary_accuracy, ()),
    ('categorical_accuracy', categorical_accuracy, ()),
    ('sparse_categorical_accuracy', sparse_categorical_accuracy, ()),
    ('top_k_categorical_accuracy', top_k_categorical_accuracy, ()),
    ('sparse_top_k_categorical_accuracy', sparse_top_k_categorical_accuracy, ()),
    ('mean_squared_error', mean_squared_error, ('mse', 'MSE')),
    ('mean_absolute_error', mean_absolute_error, ('mae', 'MAE')),
    ('binary_crossentropy', binary_crossentropy, ()),
    ('categorical_crossentropy', categorical_crossentropy, ()),
    ('sparse_categorical_crossentropy', sparse_categorical_crossentropy, ()),
]
BUILTIN_CLASSES = [Mean, Sum, MeanMetricWrapper, Accuracy, BinaryAccuracy, CategoricalAccuracy,
                   SparseCategoricalAccuracy, TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy,
                   MeanSquaredError, MeanAbsoluteError, BinaryCrossentropy, CategoricalCrossentropy,
                   SparseCategoricalCrossentropy, Precision, Recall, AUC, TruePositives, FalsePositives,
                   TrueNegatives, FalseNegatives]
