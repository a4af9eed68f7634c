"""Confusion-matrix metrics: ``Precision``, ``Recall``, ``AUC`` and the ``TruePositives``/
``FalsePositives``/``TrueNegatives``/``FalseNegatives`` counts, over shared thresholded
counts (``confusion_counts``).  Re-exported by ``kcore.training.metrics``.
"""
import copy

import numpy as np

from kcore import config
from kcore.autodiff.tensor import Tensor
from kcore.runtime import ops as K
from kcore.runtime.device import ACTIVE
from kcore.errors import ShapeError
from kcore.training.logs import Deferred
from kcore.training.metric_base import Metric, match_ranks


def _as_thresholds(thresholds, default):
    """A sorted float64 array of thresholds, and the order to report them in."""
    values = [default] if thresholds is None else (
        list(thresholds) if isinstance(thresholds, (list, tuple, np.ndarray)) else [thresholds])
    values = np.asarray(values, dtype='float64').reshape(-1)
    if values.size == 0:
        raise ValueError('thresholds must hold at least one value. Received: %r.' % (thresholds,))
    order = np.argsort(values, kind='stable')
    return values[order], np.argsort(order, kind='stable')


def _weights_like(sample_weight, shape):
    """``sample_weight`` broadcast to ``shape`` (one weight per sample, or per value)."""
    xp = ACTIVE.xp
    if sample_weight is None:
        return None
    w = xp.asarray(sample_weight.data if isinstance(sample_weight, Tensor) else sample_weight, dtype='float64')
    while w.ndim > len(shape) and w.shape[-1] == 1:
        w = w[..., 0]
    w = w.reshape(w.shape + (1,) * (len(shape) - w.ndim))
    return xp.broadcast_to(w, shape)


def confusion_counts(y_true, y_pred, thresholds, sample_weight=None):
    """Weighted (tp, fp, tn, fn), one value per threshold (``thresholds`` sorted ascending).

    A prediction counts as positive at threshold ``t`` when it is *above* ``t``
    (Keras's rule).  Each value is binned once (``searchsorted``) and the counts
    for all thresholds come from one cumulative sum, so 200 thresholds cost
    about as much as one.
    """
    xp = ACTIVE.xp
    yt = K.as_array(y_true)
    yp = K.as_array(y_pred)
    yt = match_ranks(yt, yp)
    if tuple(yt.shape) != tuple(yp.shape):
        raise ShapeError('Confusion-matrix metrics need targets of the predictions\' shape. Expected %s. '
                         'Received: y_true.shape=%s. One-hot encode class indices, or pass class_id=...'
                         % (tuple(yp.shape), tuple(yt.shape)))
    positive = yt.reshape(-1) > 0.5 if yt.dtype.kind == 'f' else yt.reshape(-1).astype(bool)
    p = yp.reshape(-1).astype('float64')
    w = _weights_like(sample_weight, yp.shape)
    w = xp.ones(p.shape, dtype='float64') if w is None else w.reshape(-1)
    k = len(thresholds)
    bins = xp.searchsorted(xp.asarray(thresholds), p, side='left')  # thresholds strictly below p
    pos_hist = xp.bincount(bins[positive], weights=w[positive], minlength=k + 1)
    neg_hist = xp.bincount(bins[~positive], weights=w[~positive], minlength=k + 1)
    tp = xp.cumsum(pos_hist[::-1])[::-1][1:]
    fp = xp.cumsum(neg_hist[::-1])[::-1][1:]
    fn = pos_hist.sum() - tp
    tn = neg_hist.sum() - fp
    return tp, fp, tn, fn


def _divide_no_nan(a, b):
    xp = ACTIVE.xp
    return xp.where(b > 0, a / xp.where(b > 0, b, 1), 0.0)


class _ConfusionMetric(Metric):
    """Shared state of the confusion-matrix metrics: float64 counts per threshold."""

    _direction = 'up'
    _counts = ('tp', 'fp', 'tn', 'fn')

    @property
    def summed_state(self):
        return self._counts

    def _init_counts(self, thresholds, default):
        self.init_thresholds = thresholds
        self.thresholds, self._report = _as_thresholds(thresholds, default)
        self.reset_state()

    def reset_state(self):
        xp = ACTIVE.xp
        for name in self._counts:
            setattr(self, name, xp.zeros(len(self.thresholds), dtype='float64'))

    def _accumulate(self, y_true, y_pred, sample_weight):
        counts = dict(zip(('tp', 'fp', 'tn', 'fn'),
                          confusion_counts(y_true, y_pred, self.thresholds, sample_weight)))
        for name in self._counts:
            setattr(self, name, getattr(self, name) + counts[name])

    def _pending_result(self):
        # each update replaces the count arrays (never writes into them): a shallow copy is a snapshot
        return Deferred(copy.copy(self).result)

    def _per_threshold(self, values):
        values = ACTIVE.backend.to_numpy(values)[self._report]
        return float(values[0]) if values.size == 1 else values.astype(self.dtype)


class _ConditionCount(_ConfusionMetric):
    """The (weighted) number of one confusion-matrix condition, per threshold."""

    _condition = None

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._counts = (self._condition,)
        self._init_counts(thresholds, 0.5)

    def update_state(self, y_true, y_pred, sample_weight=None):
        self._accumulate(y_true, y_pred, sample_weight)

    def result(self):
        return self._per_threshold(getattr(self, self._condition))

    def get_config(self):
        cfg = super().get_config()
        cfg['thresholds'] = self.init_thresholds
        return cfg


class TruePositives(_ConditionCount):
    """The (weighted) count of true positives at each threshold (``keras.metrics.TruePositives``)."""
    _condition = 'tp'


class FalsePositives(_ConditionCount):
    """The (weighted) count of false positives at each threshold (``keras.metrics.FalsePositives``)."""
    _condition = 'fp'


class TrueNegatives(_ConditionCount):
    """The (weighted) count of true negatives at each threshold (``keras.metrics.TrueNegatives``)."""
    _condition = 'tn'


class FalseNegatives(_ConditionCount):
    """The (weighted) count of false negatives at each threshold (``keras.metrics.FalseNegatives``)."""
    _condition = 'fn'


class _PrecisionRecall(_ConfusionMetric):
    """Precision/Recall with Keras's ``thresholds``, ``top_k`` and ``class_id``."""

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        if top_k is not None and (not isinstance(top_k, (int, np.integer)) or top_k < 1):
            raise ValueError('%s: top_k must be a positive integer. Received: top_k=%r.'
                             % (type(self).__name__, top_k))
        self.top_k = top_k
        self.class_id = class_id
        # with top_k every value among the k largest counts as positive
        self._init_counts(thresholds, 0.5 if top_k is None else -np.inf)

    def update_state(self, y_true, y_pred, sample_weight=None):
        xp = ACTIVE.xp
        yp = K.as_array(y_pred)
        yt = match_ranks(K.as_array(y_true), yp)
        if self.top_k is not None:
            # rank of each value in its row (ties broken by position, as Keras's top_k)
            rank = xp.argsort(xp.argsort(-yp, axis=-1, kind='stable'), axis=-1, kind='stable')
            yp = xp.where(rank < self.top_k, yp, -xp.inf)
        if self.class_id is not None:
            if not 0 <= self.class_id < yp.shape[-1]:
                raise ValueError('%s: class_id=%d is out of range for predictions with %d classes. Expected '
                                 '0 <= class_id < %d.' % (type(self).__name__, self.class_id, yp.shape[-1],
                                                         yp.shape[-1]))
            yt, yp = yt[..., self.class_id], yp[..., self.class_id]
            if sample_weight is not None:
                sample_weight = K.as_array(sample_weight)
                if sample_weight.ndim == yt.ndim + 1:
                    sample_weight = sample_weight[..., self.class_id]
        self._accumulate(yt, yp, sample_weight)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({'thresholds': self.init_thresholds, 'top_k': self.top_k, 'class_id': self.class_id})
        return cfg


class Precision(_PrecisionRecall):
    """``tp / (tp + fp)``: how many predicted positives are positive (0 when none are predicted)."""

    _counts = ('tp', 'fp')

    def result(self):
        return self._per_threshold(_divide_no_nan(self.tp, self.tp + self.fp))


class Recall(_PrecisionRecall):
    """``tp / (tp + fn)``: how many positives are predicted positive (0 when there are none)."""

    _counts = ('tp', 'fn')

    def result(self):
        return self._per_threshold(_divide_no_nan(self.tp, self.tp + self.fn))


class AUC(_ConfusionMetric):
    """Area under the ROC or precision-recall curve, approximated on ``num_thresholds``
    thresholds (Keras's ``AUC``, with its arguments and defaults).

    ``summation_method='interpolation'`` is the trapezoidal rule for ROC and the
    Davis & Goadrich interpolation for PR; ``'minoring'``/``'majoring'`` give lower
    and upper Riemann sums.  ``multi_label=True`` averages one AUC per label
    (column), weighted by ``label_weights``; otherwise all values are pooled.
    """

    def __init__(self, num_thresholds=200, curve='ROC', summation_method='interpolation', name=None, dtype=None,
                 thresholds=None, multi_label=False, num_labels=None, label_weights=None, from_logits=False):
        super().__init__(name=name, dtype=dtype)
        curve = str(curve).upper()
        if curve not in ('ROC', 'PR'):
            raise ValueError("AUC: curve must be 'ROC' or 'PR'. Received: curve=%r." % (curve,))
        summation_method = str(summation_method).lower()
        if summation_method not in ('interpolation', 'minoring', 'majoring'):
            raise ValueError("AUC: summation_method must be 'interpolation', 'minoring' or 'majoring'. "
                             "Received: summation_method=%r." % (summation_method,))
        self._explicit_thresholds = thresholds is not None
        if thresholds is not None:
            inner = sorted(float(t) for t in thresholds)
        else:
            if not isinstance(num_thresholds, (int, np.integer)) or num_thresholds <= 1:
                raise ValueError('AUC: num_thresholds must be an integer > 1. Received: num_thresholds=%r.'
                                 % (num_thresholds,))
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        eps = config.epsilon()
        self.num_thresholds = len(inner) + 2
        self.curve = curve
        self.summation_method = summation_method
        self.multi_label = bool(multi_label)
        self.num_labels = num_labels
        self.label_weights = None if label_weights is None else np.asarray(label_weights, dtype='float64')
        self.from_logits = bool(from_logits)
        self.thresholds = np.asarray([0.0 - eps] + inner + [1.0 + eps], dtype='float64')
        self._labels = num_labels if self.multi_label else None
        self.reset_state()

    def reset_state(self):
        xp = ACTIVE.xp
        shape = (self.num_thresholds,) if self._labels is None else (self.num_thresholds, self._labels)
        for name in self._counts:
            setattr(self, name, xp.zeros(shape, dtype='float64'))

    def update_state(self, y_true, y_pred, sample_weight=None):
        xp = ACTIVE.xp
        yp = K.as_array(y_pred)
        if self.from_logits:
            yp = 1.0 / (1.0 + xp.exp(-yp.astype('float64')))
        yt = match_ranks(K.as_array(y_true), yp)
        if not self.multi_label:
            if self.label_weights is not None:
                w = _weights_like(sample_weight, yp.shape)
                lw = xp.asarray(self.label_weights)
                sample_weight = lw if w is None else w * lw
            self._accumulate(yt, yp, sample_weight)
            return
        if yp.ndim != 2:
            raise ShapeError('AUC(multi_label=True) needs predictions of shape (samples, labels). Received: '
                             'y_pred.shape=%s.' % (tuple(yp.shape),))
        if self._labels is None:
            self._labels = yp.shape[1]
            self.reset_state()
        w = _weights_like(sample_weight, yp.shape)
        columns = [confusion_counts(yt[:, j], yp[:, j], self.thresholds, None if w is None else w[:, j])
                   for j in range(yp.shape[1])]
        for i, name in enumerate(self._counts):
            setattr(self, name, getattr(self, name) + xp.stack([c[i] for c in columns], axis=1))

    def _areas(self):
        tp, fp, tn, fn = self.tp, self.fp, self.tn, self.fn
        if self.curve == 'PR' and self.summation_method == 'interpolation':
            return self._interpolated_pr_areas(tp, fp, fn)
        recall = _divide_no_nan(tp, tp + fn)
        if self.curve == 'ROC':
            x, y = _divide_no_nan(fp, fp + tn), recall
        else:
            x, y = recall, _divide_no_nan(tp, tp + fp)
        xp = ACTIVE.xp
        if self.summation_method == 'interpolation':
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == 'minoring':
            heights = xp.minimum(y[:-1], y[1:])
        else:
            heights = xp.maximum(y[:-1], y[1:])
        return ((x[:-1] - x[1:]) * heights).sum(axis=0)

    @staticmethod
    def _interpolated_pr_areas(tp, fp, fn):
        """Davis & Goadrich (2006): between two thresholds, TP and the number of predicted
        positives P vary linearly, so precision = TP/P integrates in closed form."""
        xp = ACTIVE.xp
        p = tp + fp
        dtp = tp[:-1] - tp[1:]
        dp = p[:-1] - p[1:]
        slope = _divide_no_nan(dtp, xp.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        both = (p[:-1] > 0) & (p[1:] > 0)
        ratio = xp.where(both, _divide_no_nan(p[:-1], xp.maximum(p[1:], 0)), 1.0)
        ratio = xp.where(ratio > 0, ratio, 1.0)
        area = slope * (dtp + intercept * xp.log(ratio))
        return _divide_no_nan(area, xp.maximum(tp[1:] + fn[1:], 0)).sum(axis=0)

    def result(self):
        areas = ACTIVE.backend.to_numpy(self._areas())
        if not self.multi_label:
            return float(areas)
        if self.label_weights is None:
            return float(areas.mean())
        total = self.label_weights.sum()
        return float((areas * self.label_weights).sum() / total) if total > 0 else 0.0

    def get_config(self):
        cfg = super().get_config()
        cfg.update({'num_thresholds': self.num_thresholds, 'curve': self.curve,
                    'summation_method': self.summation_method, 'multi_label': self.multi_label,
                    'num_labels': self.num_labels, 'from_logits': self.from_logits,
                    'label_weights': None if self.label_weights is None else self.label_weights.tolist()})
        if self._explicit_thresholds:
            cfg['thresholds'] = self.thresholds[1:-1].tolist()
        return cfg
