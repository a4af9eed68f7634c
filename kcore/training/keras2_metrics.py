"""Metrics that Keras 2.3 has beside the common ones: RootMeanSquaredError, MeanIoU,
SensitivityAtSpecificity and SpecificityAtSensitivity (Keras 2.3's definitions)."""
import numpy as np

from kcore import config
from kcore.runtime import ops as K
from kcore.runtime.device import ACTIVE
from kcore.training.confusion_metrics import _ConfusionMetric, _divide_no_nan
from kcore.training.metric_base import Mean, Metric, match_ranks


class RootMeanSquaredError(Mean):
    """``sqrt`` of the (weighted) mean of the squared errors seen since the last reset."""

    def __init__(self, name='root_mean_squared_error', dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = K.as_array(y_pred).astype('float64')
        y_true = match_ranks(K.as_array(y_true), y_pred).astype('float64')
        super().update_state((y_pred - y_true) ** 2, sample_weight)

    def result(self):
        return float(np.sqrt(super().result()))


def _check_unit_interval(owner, what, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError('%s: `%s` must be in the range [0, 1]. Received: %s=%r.'
                         % (type(owner).__name__, what, what, value))
    return float(value)


class SensitivitySpecificityBase(_ConfusionMetric):
    """Confusion counts at ``num_thresholds`` evenly spaced thresholds in [0, 1] (plus one
    just below 0 and one just above 1, as Keras 2.3)."""

    _value_name = None

    def __init__(self, value, num_thresholds=200, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        if isinstance(num_thresholds, bool) or not isinstance(num_thresholds, int) or num_thresholds <= 0:
            raise ValueError('%s: `num_thresholds` must be a positive integer. Received: num_thresholds=%r.'
                             % (type(self).__name__, num_thresholds))
        self.value = _check_unit_interval(self, self._value_name, value)
        self.num_thresholds = num_thresholds
        if num_thresholds == 1:
            thresholds = [0.5]
        else:
            eps = config.epsilon()
            thresholds = ([0.0 - eps] + [i / (num_thresholds - 1) for i in range(1, num_thresholds - 1)]
                          + [1.0 + eps])
        self._init_counts(thresholds, 0.5)

    def update_state(self, y_true, y_pred, sample_weight=None):
        self._accumulate(y_true, y_pred, sample_weight)

    def _at_closest(self, given_num, given_den, want_num, want_den):
        """``want_num/want_den`` at the threshold where ``given_num/given_den`` is closest to ``value``."""
        xp = ACTIVE.xp
        rates = _divide_no_nan(given_num, given_den)
        index = int(xp.argmin(xp.abs(rates - self.value)))
        den = float(want_den[index])
        return float(want_num[index]) / den if den > 0 else 0.0

    def get_config(self):
        cfg = super().get_config()
        cfg.update({self._value_name: self.value, 'num_thresholds': self.num_thresholds})
        return cfg


class SensitivityAtSpecificity(SensitivitySpecificityBase):
    """Sensitivity (recall, tp / (tp + fn)) at the threshold whose specificity
    (tn / (tn + fp)) is closest to ``specificity``."""

    _value_name = 'specificity'

    def __init__(self, specificity, num_thresholds=200, name=None, dtype=None):
        super().__init__(specificity, num_thresholds, name=name, dtype=dtype)

    def result(self):
        return self._at_closest(self.tn, self.tn + self.fp, self.tp, self.tp + self.fn)


class SpecificityAtSensitivity(SensitivitySpecificityBase):
    """Specificity (tn / (tn + fp)) at the threshold whose sensitivity (tp / (tp + fn)) is
    closest to ``sensitivity``."""

    _value_name = 'sensitivity'

    def __init__(self, sensitivity, num_thresholds=200, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds, name=name, dtype=dtype)

    def result(self):
        return self._at_closest(self.tp, self.tp + self.fn, self.tn, self.tn + self.fp)


class BaseMeanIoU(Metric):
    """A weighted ``num_classes`` x ``num_classes`` confusion matrix (rows: true class, columns:
    predicted class) of integer class labels, accumulated since the last reset."""

    def __init__(self, num_classes, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2:
            raise ValueError('%s: `num_classes` must be an integer of at least 2. Received: num_classes=%r.'
                             % (type(self).__name__, num_classes))
        self.num_classes = num_classes
        self.reset_state()

    def reset_state(self):
        self.total_cm = ACTIVE.xp.zeros((self.num_classes, self.num_classes), dtype='float64')

    def update_state(self, y_true, y_pred, sample_weight=None):
        xp = ACTIVE.xp
        labels = K.as_array(y_true).reshape(-1).astype('int64')
        predictions = K.as_array(y_pred).reshape(-1).astype('int64')
        if labels.shape != predictions.shape:
            raise ValueError('%s: y_true and y_pred must hold one class label per value. Received: %d and %d '
                             'values.' % (type(self).__name__, labels.size, predictions.size))
        for what, values in (('y_true', labels), ('y_pred', predictions)):
            if values.size and (int(values.min()) < 0 or int(values.max()) >= self.num_classes):
                raise ValueError('%s: %s holds a class label outside [0, %d). Expected integer labels of '
                                 'num_classes=%d classes (not probabilities: take argmax first).'
                                 % (type(self).__name__, what, self.num_classes, self.num_classes))
        weights = None
        if sample_weight is not None:  # one weight per sample, or per value
            shape = K.as_array(y_true).shape
            weights = xp.asarray(K.as_array(sample_weight), dtype='float64')
            weights = xp.broadcast_to(weights.reshape(weights.shape + (1,) * (len(shape) - weights.ndim)),
                                      shape).reshape(-1)
        cells = labels * self.num_classes + predictions
        counts = xp.bincount(cells, weights=weights, minlength=self.num_classes ** 2)
        self.total_cm = self.total_cm + counts.reshape(self.num_classes, self.num_classes)

    def get_config(self):
        cfg = super().get_config()
        cfg['num_classes'] = self.num_classes
        return cfg


class MeanIoU(BaseMeanIoU):
    """The mean over classes of intersection over union, ``tp / (tp + fp + fn)``, from the
    accumulated confusion matrix; classes that never occur (in labels or predictions) are
    left out of the mean."""

    def result(self):
        xp = ACTIVE.xp
        cm = self.total_cm
        tp = xp.diag(cm)
        denominator = cm.sum(axis=0) + cm.sum(axis=1) - tp
        valid = int((denominator != 0).sum())
        if valid == 0:
            return 0.0
        return float(_divide_no_nan(tp, denominator).sum() / valid)


CLASSES = [RootMeanSquaredError, SensitivityAtSpecificity, SpecificityAtSensitivity, MeanIoU]
