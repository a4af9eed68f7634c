"""The metric base: ``Metric`` and the reductions every metric builds on (``Mean``, ``Sum``,
``MeanMetricWrapper``), and ``match_ranks``, the rank rule between targets and outputs.

Stateful metrics keep their sums in backend arrays and are updated without recording
gradients.  The metric functions and the catalogue live in ``kcore.training.metrics``,
which re-exports these names.
"""
import copy

import numpy as np

from kcore import config
from kcore.autodiff.tensor import Tensor, no_grad
from kcore.runtime import ops as K
from kcore.runtime.device import ACTIVE
from kcore.training.logs import Deferred
from kcore.recorded_config import RecordsArguments
from kcore.utils.naming import snake_case


# -- functions ---------------------------------------------------------------------------
def match_ranks(y_true, y_pred):
    """Keras 3's rule: squeeze or expand a trailing axis of size 1 of ``y_true`` so
    that its rank is ``y_pred``'s ((n,) targets against an (n, 1) output)."""
    if y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        return K.squeeze(y_true, -1) if isinstance(y_true, Tensor) else y_true[..., 0]
    if y_pred.ndim == y_true.ndim + 1 and y_pred.shape[-1] == 1:
        return K.expand_dims(y_true, -1) if isinstance(y_true, Tensor) else y_true[..., None]
    return y_true


# -- stateful metrics ----------------------------------------------------------------------
class Metric(RecordsArguments):
    """Base class: ``update_state`` accumulates, ``result`` reads, ``reset_state`` clears.

    ``summed_state`` names the attributes that hold the state as sums over
    samples: the states of shards of the data then add up to the state of the
    whole, which is how distributed training merges the metrics of its
    processes.  A metric whose state is not such a sum leaves it empty, and
    each process reports its own value.
    """

    summed_state = ()
    #: what ``Metric.get_config`` carries itself; a subclass's other constructor arguments are
    #: recorded when it keeps ``Metric.get_config`` (configs for free)
    _unrecorded = frozenset(['name', 'dtype'])

    def __init__(self, name=None, dtype=None):
        self.name = name or snake_case(type(self).__name__)
        self.dtype = np.dtype(dtype or config.floatx())

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Accumulate the statistics of one batch; subclasses implement it.

        Args:
            y_true: The targets.
            y_pred: The predictions.
            sample_weight: Optional per-sample weights.

        Raises:
            NotImplementedError: The subclass does not implement it.
        """
        raise NotImplementedError

    def result(self):
        """The metric's value from the state accumulated so far; subclasses implement it.

        Returns:
            A Python float (or an array for a metric with several values).

        Raises:
            NotImplementedError: The subclass does not implement it.
        """
        raise NotImplementedError

    def reset_state(self):
        """Clear the accumulated state (``fit`` calls it at each epoch's start).

        Raises:
            NotImplementedError: The subclass does not implement it.
        """
        raise NotImplementedError

    def _pending_result(self):
        """The result as a backend value (or a ``Deferred``), for logs that read it later: no
        host read here.  Metrics whose state stays on the device override it (``Mean``, ``Sum``
        and the confusion-matrix metrics do); by default ``result()``, read now."""
        return self.result()

    def reset_states(self):  # Keras 2 spelling
        """Keras 2's name for ``reset_state``."""
        self.reset_state()

    def __call__(self, y_true, y_pred, sample_weight=None):
        self.update_state(y_true, y_pred, sample_weight)
        return self.result()

    def get_config(self):
        """``name``, ``dtype`` and a subclass's recorded constructor arguments, as a dict."""
        return {'name': self.name, 'dtype': self.dtype.name, **self._config_from_arguments(Metric, 'metric')}

    @classmethod
    def from_config(cls, config):
        """Create the metric from ``get_config``'s dict.

        Args:
            config: The constructor arguments.

        Returns:
            A new metric.
        """
        return cls(**config)

    def __repr__(self):
        return '<%s name=%s>' % (type(self).__name__, self.name)


class Mean(Metric):
    """The (weighted) mean of the values seen since the last reset.

    The sums stay backend values (each update makes new ones, never writing into the
    old), so an update never waits for the device; ``result()`` reads them back.
    """

    summed_state = ('total', 'count')

    def __init__(self, name='mean', dtype=None):
        super().__init__(name, dtype)
        self.reset_state()

    def reset_state(self):
        """Forget every value added so far."""
        self.total = 0.0
        self.count = 0.0

    def update_state(self, values, sample_weight=None):
        """Add values to the (weighted) running mean.

        Args:
            values: A tensor or array of values.
            sample_weight: Optional weights, broadcast to ``values`` over its trailing axes,
                or one number for all of them.
        """
        v = K.as_array(values)
        if sample_weight is None:
            self.total = self.total + v.sum(dtype='float64')
            self.count = self.count + v.size
            return
        if isinstance(sample_weight, (int, float, np.number)):  # one weight for all (the trainer's batch size)
            self.total = self.total + v.sum(dtype='float64') * float(sample_weight)
            self.count = self.count + v.size * float(sample_weight)
            return
        w = K.as_array(sample_weight)
        while w.ndim > v.ndim and w.shape[-1] == 1:
            w = w[..., 0]
        w = ACTIVE.xp.broadcast_to(w.reshape(w.shape + (1,) * (v.ndim - w.ndim)), v.shape)
        self.total = self.total + (v * w).sum(dtype='float64')
        self.count = self.count + w.sum(dtype='float64')

    def result(self):
        """The weighted mean so far (0.0 before any update)."""
        return float(_divide_no_nan(self.total, self.count))

    def _pending_result(self):
        if type(self).result is not Mean.result:  # a subclass computes its own result from the sums
            return Deferred(copy.copy(self).result)
        return _divide_no_nan(self.total, self.count)


def _divide_no_nan(total, count):
    """``total / count``, 0 where ``count`` is 0, computed where the sums are (no host read)."""
    if isinstance(count, (int, float, np.generic)):  # host numbers: plain arithmetic
        return total / count if count else 0.0 * total
    xp = ACTIVE.xp
    zero = count == 0
    return xp.where(zero, 0.0, total / xp.where(zero, 1.0, count))


class Sum(Metric):
    """The running sum of the values it is given (``keras.metrics.Sum``).

    Args:
        name: The metric's name.
        dtype: The dtype of its result.
    """
    summed_state = ('total',)

    def __init__(self, name='sum', dtype=None):
        super().__init__(name, dtype)
        self.reset_state()

    def reset_state(self):
        """Set the sum back to 0."""
        self.total = 0.0

    def update_state(self, values, sample_weight=None):
        """Add the (weighted) values of one batch to the sum.

        Args:
            values: A tensor or array of values.
            sample_weight: Optional per-sample weights, one per entry of the first axis.
        """
        v = K.as_array(values)
        if sample_weight is not None:
            v = v * K.as_array(sample_weight).reshape(v.shape[:1] + (1,) * (v.ndim - 1))
        self.total = self.total + v.sum(dtype='float64')

    def result(self):
        """The sum so far, a Python float."""
        return float(self.total)

    def _pending_result(self):
        if type(self).result is not Sum.result:
            return Deferred(copy.copy(self).result)
        return self.total


class Reduce(Mean):
    """Keras 2.3's ``Reduce``: accumulate values by ``reduction``: ``'sum'`` (the weighted
    total), ``'weighted_mean'`` (total / summed weights, as ``Mean``) or
    ``'sum_over_batch_size'`` (total / number of values)."""

    REDUCTIONS = ('sum', 'weighted_mean', 'sum_over_batch_size')

    def __init__(self, reduction, name, dtype=None):
        if reduction not in self.REDUCTIONS:
            raise ValueError('Reduce: reduction must be one of %s. Received: reduction=%r.'
                             % (', '.join(self.REDUCTIONS), reduction))
        self.reduction = reduction
        super().__init__(name=name, dtype=dtype)

    def update_state(self, values, sample_weight=None):
        """Add ``values`` (weighted by ``sample_weight``) to the total."""
        seen = self.count
        super().update_state(values, sample_weight)
        if self.reduction == 'sum_over_batch_size':
            self.count = seen + K.as_array(values).size

    def result(self):
        """The total (``'sum'``), or the total over the weights or the number of values."""
        if self.reduction == 'sum':
            return float(self.total)
        return super().result()

    def get_config(self):
        """The constructor arguments: ``reduction``, ``name``, ``dtype``."""
        return {'reduction': self.reduction, 'name': self.name, 'dtype': self.dtype.name}


class MeanMetricWrapper(Mean):
    """The running mean of ``fn(y_true, y_pred, **kwargs)``."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name or fn.__name__, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Apply the wrapped function to one batch and add its values to the mean.

        The ranks of ``y_true`` and ``y_pred`` are matched first (a trailing axis of size
        1 is squeezed or added, Keras 3's rule).

        Args:
            y_true: The targets.
            y_pred: The predictions.
            sample_weight: Optional per-sample weights.
        """
        y_pred = K.to_tensor(y_pred)
        with no_grad():
            values = self.fn(match_ranks(K.to_tensor(y_true), y_pred), y_pred, **self._fn_kwargs)
        Mean.update_state(self, values, sample_weight)

    def get_config(self):
        """The base config plus the wrapped function's keyword arguments."""
        cfg = super().get_config()
        cfg.update(self._fn_kwargs)
        return cfg
