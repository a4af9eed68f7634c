"""Metrics: per-sample functions and stateful ``Metric`` objects.

A metric function ``fn(y_true, y_pred)`` returns one value per sample; wrapped
in ``MeanMetricWrapper`` it becomes a running, sample-weighted mean over an
epoch.  Stateful metrics keep their sums in backend arrays and are updated
without recording gradients.
"""
import numpy as np

from kcore import config
from kcore.autodiff.tensor import Tensor, no_grad
from kcore.backend import ops as K
from kcore.backend.device import ACTIVE
from kcore.training import losses as _losses
from kcore.utils.naming import snake_case


# -- functions ---------------------------------------------------------------------------
def _arrays(y_true, y_pred):
    return K.as_array(y_true), K.as_array(y_pred)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    yt, yp = _arrays(y_true, y_pred)
    return Tensor((yt == (yp > threshold)).mean(axis=-1, dtype=yp.dtype))


def categorical_accuracy(y_true, y_pred):
    yt, yp = _arrays(y_true, y_pred)
    xp = ACTIVE.xp
    return Tensor((xp.argmax(yt, axis=-1) == xp.argmax(yp, axis=-1)).astype(yp.dtype))


def sparse_categorical_accuracy(y_true, y_pred):
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
    yt, yp = _arrays(y_true, y_pred)
    return Tensor(_in_top_k(yp, ACTIVE.xp.argmax(yt, axis=-1), k))


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    yt, yp = _arrays(y_true, y_pred)
    if yt.ndim == yp.ndim and yt.shape[-1] == 1:
        yt = yt[..., 0]
    return Tensor(_in_top_k(yp, yt, k))


def accuracy(y_true, y_pred):
    """Exact match, averaged over the last axis."""
    yt, yp = _arrays(y_true, y_pred)
    return Tensor((yt == yp).astype(config.floatx()).mean(axis=-1))


def mean_absolute_error(y_true, y_pred):
    y_true, y_pred = _losses._pair(y_true, y_pred)
    return K.mean(K.abs(y_pred - y_true), axis=-1)


mean_squared_error = _losses.mean_squared_error
binary_crossentropy = _losses.binary_crossentropy
categorical_crossentropy = _losses.categorical_crossentropy
sparse_categorical_crossentropy = _losses.sparse_categorical_crossentropy


# -- stateful metrics ----------------------------------------------------------------------
class Metric:
    """Base class: ``update_state`` accumulates, ``result`` reads, ``reset_state`` clears."""

    def __init__(self, name=None, dtype=None):
        self.name = name or snake_case(type(self).__name__)
        self.dtype = np.dtype(dtype or config.floatx())

    def update_state(self, y_true, y_pred, sample_weight=None):
        raise NotImplementedError

    def result(self):
        raise NotImplementedError

    def reset_state(self):
        raise NotImplementedError

    def reset_states(self):  # Keras 2 spelling
        self.reset_state()

    def __call__(self, y_true, y_pred, sample_weight=None):
        self.update_state(y_true, y_pred, sample_weight)
        return self.result()

    def get_config(self):
        return {'name': self.name, 'dtype': self.dtype.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return '<%s name=%s>' % (type(self).__name__, self.name)


class Mean(Metric):
    """The (weighted) mean of the values seen since the last reset."""

    def __init__(self, name='mean', dtype=None):
        super().__init__(name, dtype)
        self.reset_state()

    def reset_state(self):
        self.total = 0.0
        self.count = 0.0

    def update_state(self, values, sample_weight=None):
        v = K.as_array(values)
        if sample_weight is None:
            self.total += v.sum(dtype='float64')
            self.count += v.size
            return
        w = K.as_array(sample_weight)
        while w.ndim > v.ndim and w.shape[-1] == 1:
            w = w[..., 0]
        w = ACTIVE.xp.broadcast_to(w.reshape(w.shape + (1,) * (v.ndim - w.ndim)), v.shape)
        self.total += (v * w).sum(dtype='float64')
        self.count += w.sum(dtype='float64')

    def result(self):
        if not self.count:
            return 0.0
        return float(self.total / self.count)


class Sum(Metric):
    def __init__(self, name='sum', dtype=None):
        super().__init__(name, dtype)
        self.reset_state()

    def reset_state(self):
        self.total = 0.0

    def update_state(self, values, sample_weight=None):
        v = K.as_array(values)
        if sample_weight is not None:
            v = v * K.as_array(sample_weight).reshape(v.shape[:1] + (1,) * (v.ndim - 1))
        self.total += v.sum(dtype='float64')

    def result(self):
        return float(self.total)


class MeanMetricWrapper(Mean):
    """The running mean of ``fn(y_true, y_pred, **kwargs)``."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name or fn.__name__, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        with no_grad():
            values = self.fn(y_true, y_pred, **self._fn_kwargs)
        Mean.update_state(self, values, sample_weight)

    def get_config(self):
        cfg = super().get_config()
        cfg.update(self._fn_kwargs)
        return cfg


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
    from kcore.saving.serialization import deserialize
    if isinstance(identifier, (str, dict)):
        obj = deserialize(identifier, 'metrics')
        return obj() if isinstance(obj, type) else obj
    if callable(identifier):
        return identifier() if isinstance(identifier, type) else identifier
    raise ValueError('Could not interpret metric identifier: %r. Pass a name (\'accuracy\'), a Metric or '
                     'a function(y_true, y_pred).' % (identifier,))


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
                   SparseCategoricalCrossentropy]
