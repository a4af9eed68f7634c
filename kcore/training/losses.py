"""Losses: the core four, and the ``Loss`` base class plugins build on.

A loss *function* ``fn(y_true, y_pred)`` returns one value per sample (the
mean over the last axis, as Keras does).  A ``Loss`` object adds the
reduction (``sum_over_batch_size``, ``sum``, ``none``) and ``sample_weight``.
The formulas are Keras 2's, clipping probabilities to ``[epsilon, 1 - epsilon]``
so that predictions of exactly 0 or 1 give finite values.
"""
import numpy as np

from kcore import config
from kcore.autodiff.tensor import Tensor, apply
from kcore.layers.op_layer import LOSS_PREFIX, dispatch_symbolic
from kcore.runtime import ops as K
from kcore.runtime.device import ACTIVE
from kcore.utils.naming import snake_case
from kcore.recorded_config import RecordsArguments
from kcore.serialization import resolve

REDUCTIONS = ('sum_over_batch_size', 'sum', 'none', 'auto')


def _pair(y_true, y_pred):
    y_pred = K.to_tensor(y_pred)
    y_true = K.to_tensor(y_true)
    if y_true.dtype != y_pred.dtype and y_pred.dtype.kind == 'f':
        y_true = K.cast(y_true, y_pred.dtype)
    return y_true, y_pred


def mean_squared_error(y_true, y_pred):
    """Mean of ``(y_pred - y_true) ** 2`` over the last axis (also ``mse``).

    Args:
        y_true: The targets.
        y_pred: The predictions, of the same shape.

    Returns:
        A tensor of one value per sample (the last axis reduced).
    """
    y_true, y_pred = _pair(y_true, y_pred)
    return K.mean(K.square(y_pred - y_true), axis=-1)


def _smooth(y_true, label_smoothing, num_classes):
    if not label_smoothing:
        return y_true
    return y_true * (1.0 - label_smoothing) + label_smoothing / num_classes


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Mean over ``axis`` of ``-(y log p + (1 - y) log(1 - p))``.

    On logits (``from_logits``, or ``p`` straight from a ``sigmoid`` in the same
    graph, as Keras does on TensorFlow) the stable fused form ``max(x, 0) - x y +
    log(1 + exp(-|x|))`` is used; other probabilities are clipped to
    ``[eps, 1 - eps]`` (Keras 2).
    """
    y_true, y_pred = _pair(y_true, y_pred)
    y_true = _smooth(y_true, label_smoothing, 2.0)
    logits = y_pred if from_logits else K.logits_of(y_pred, 'sigmoid')
    if logits is not None:
        per = apply('sigmoid_cross_entropy', logits, y_true)
    else:
        eps = config.epsilon()
        p = K.clip(y_pred, eps, 1.0 - eps)
        per = -(y_true * K.log(p) + (1.0 - y_true) * K.log(1.0 - p))
    return K.mean(per, axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """``-sum(y log p)`` over ``axis``.

    On logits (``from_logits``, or ``p`` straight from a ``softmax`` in the same
    graph, as Keras does on TensorFlow) one fused stable kernel computes it from
    the log-softmax; other probabilities are renormalised and clipped to
    ``[eps, 1 - eps]`` (Keras 2).  Both agree wherever ``p >= eps``.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    _check_categorical_targets(y_true, y_pred)
    y_true = _smooth(y_true, label_smoothing, float(y_pred.shape[axis]))
    logits = y_pred if from_logits else K.logits_of(y_pred, 'softmax', axis)
    if logits is not None:
        return apply('softmax_cross_entropy', logits, y_true, axis=axis)
    eps = config.epsilon()
    p = y_pred / K.sum(y_pred, axis=axis, keepdims=True)
    p = K.clip(p, eps, 1.0 - eps)
    return -K.sum(y_true * K.log(p), axis=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, axis=-1, ignore_class=None):
    """Categorical crossentropy with integer class indices as targets.

    Labels outside ``[0, classes)`` are an error when they come as host data (a NumPy array
    or a list: checked before they cross to the device).  Labels already on the device (a
    ``Tensor``; ``fit`` checked them on the host before the copy) are not read back: a
    sample with such a label gets a NaN loss, as Keras gives on a GPU.
    """
    y_pred = K.to_tensor(y_pred)
    num_classes = y_pred.shape[axis]
    on_device = not isinstance(y_true, (np.ndarray, np.generic, list, tuple, int, float))
    if not on_device and ignore_class is None:
        check_label_range(y_true, num_classes)
    labels = K.as_array(y_true)
    if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
        labels = labels[..., 0]
    if labels.dtype.kind == 'f':
        labels = labels.astype('int64')
    xp = ACTIVE.xp
    onehot = labels[..., None] == xp.arange(num_classes)
    if on_device and ignore_class is None:  # NaN rows for labels out of range, without reading them
        onehot = xp.where(((labels >= 0) & (labels < num_classes))[..., None], onehot, xp.nan)
    onehot = Tensor(onehot.astype(y_pred.dtype))
    logits = y_pred if from_logits else K.logits_of(y_pred, 'softmax', axis)
    if logits is not None:
        per = apply('softmax_cross_entropy', logits, onehot, axis=axis)
    else:
        eps = config.epsilon()
        p = K.clip(y_pred / K.sum(y_pred, axis=axis, keepdims=True), eps, 1.0 - eps)
        per = -K.sum(onehot * K.log(p), axis=axis)
    if ignore_class is not None:
        per = per * Tensor((labels != ignore_class).astype(y_pred.dtype))
    return per


def check_label_range(labels, num_classes):
    """Raise when host class indices fall outside ``[0, num_classes)`` (NumPy data, no device read).

    Args:
        labels: class indices, a NumPy array or anything ``np.asarray`` takes.
        num_classes: the number of classes of the output.

    Raises:
        ValueError: naming the valid range and the labels received.
    """
    labels = np.asarray(labels)
    if labels.dtype.kind == 'f':
        labels = labels.astype('int64')
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError('sparse_categorical_crossentropy: labels must be integers in [0, %d). '
                         'Received labels from %d to %d.' % (num_classes, labels.min(), labels.max()))


def _check_categorical_targets(y_true, y_pred):
    if tuple(y_true.shape) != tuple(y_pred.shape):
        hint = ''
        if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1 or y_true.ndim == y_pred.ndim - 1:
            hint = (' The targets look like integer class indices: use '
                    'loss=\'sparse_categorical_crossentropy\', or one-hot encode them with '
                    'kcore.utils.to_categorical(y, %d).' % y_pred.shape[-1])
        raise ValueError('categorical_crossentropy: targets and predictions must have the same shape. '
                         'Received: y_true.shape=%s, y_pred.shape=%s.%s'
                         % (tuple(y_true.shape), tuple(y_pred.shape), hint))


# Keras's short names
# Keras 2: a loss function called on a model's symbolic tensors gives a symbolic tensor (for
# add_loss, as in Keras's variational autoencoder); recorded as an op layer named by the loss
mean_squared_error, binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy = (
    dispatch_symbolic(fn, LOSS_PREFIX + fn.__name__) for fn in (
        mean_squared_error, binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy))
mse = MSE = mean_squared_error


def reduce_weighted(values, sample_weight=None, reduction='sum_over_batch_size'):
    """Weight per-sample ``values`` and reduce them as ``reduction`` says."""
    if sample_weight is not None:
        sw = K.to_tensor(sample_weight)
        if sw.dtype != values.dtype:
            sw = K.cast(sw, values.dtype)
        while sw.ndim > values.ndim and sw.shape[-1] == 1:
            sw = K.squeeze(sw, -1)
        while sw.ndim < values.ndim:
            sw = K.expand_dims(sw, -1)
        values = values * sw
    if reduction == 'none':
        return values
    total = K.sum(values)
    if reduction == 'sum':
        return total
    return total / max(1, int(values.size))


class Loss(RecordsArguments):
    """Base class: subclasses implement ``call(y_true, y_pred)`` -> per-sample losses.

    A subclass that keeps ``Loss.get_config`` gets its constructor arguments recorded."""

    _unrecorded = frozenset(['reduction', 'name'])

    def __init__(self, reduction='sum_over_batch_size', name=None):
        if reduction not in REDUCTIONS:
            raise ValueError('Unknown reduction %r. Expected one of: %s.' % (reduction, ', '.join(REDUCTIONS)))
        self.reduction = 'sum_over_batch_size' if reduction == 'auto' else reduction
        self.name = name or _snake(type(self).__name__)

    def __call__(self, y_true, y_pred, sample_weight=None):
        return reduce_weighted(self.call(y_true, y_pred), sample_weight, self.reduction)

    def call(self, y_true, y_pred):
        """The per-sample losses; subclasses implement it.

        Args:
            y_true: The targets.
            y_pred: The model's predictions.

        Returns:
            A tensor of losses, one per sample (or per sample and timestep).

        Raises:
            NotImplementedError: The subclass does not implement it.
        """
        raise NotImplementedError('%s must implement call(y_true, y_pred).' % type(self).__name__)

    def get_config(self):
        """``reduction``, ``name`` and a subclass's recorded constructor arguments, as a dict."""
        return {'reduction': self.reduction, 'name': self.name, **self._config_from_arguments(Loss, 'loss')}

    @classmethod
    def from_config(cls, config):
        """Create the loss from ``get_config``'s dict.

        Args:
            config: The constructor arguments.

        Returns:
            A new loss.
        """
        return cls(**config)


class LossFunctionWrapper(Loss):
    """A ``Loss`` around a function ``fn(y_true, y_pred, **kwargs)``."""

    def __init__(self, fn, reduction='sum_over_batch_size', name=None, **kwargs):
        super().__init__(reduction=reduction, name=name or fn.__name__)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        """Apply the wrapped function with the keyword arguments given at construction.

        Args:
            y_true: The targets.
            y_pred: The model's predictions.

        Returns:
            The function's per-sample losses.
        """
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        """The base config plus the wrapped function's keyword arguments."""
        cfg = super().get_config()
        cfg.update(self._fn_kwargs)
        return cfg


def _snake(name):
    return snake_case(name)


class MeanSquaredError(LossFunctionWrapper):
    """Mean of the squared differences over the last axis, as a loss object.

    Args:
        reduction: How per-sample losses become one number: ``'sum_over_batch_size'``
            (the default; ``'auto'`` means it), ``'sum'`` or ``'none'``.
        name: The loss's name in logs and configs.
    """
    def __init__(self, reduction='sum_over_batch_size', name='mean_squared_error'):
        super().__init__(mean_squared_error, reduction=reduction, name=name)

    def get_config(self):
        """``reduction`` and ``name`` (the loss has no other arguments)."""
        return Loss.get_config(self)


class BinaryCrossentropy(LossFunctionWrapper):
    """Crossentropy of 0/1 targets against probabilities (or logits), as a loss object.

    Args:
        from_logits: Whether ``y_pred`` holds logits rather than probabilities.
        label_smoothing: Moves targets toward 0.5 by this fraction.
        axis: The axis averaged over.
        reduction: How per-sample losses become one number: ``'sum_over_batch_size'``
            (the default; ``'auto'`` means it), ``'sum'`` or ``'none'``.
        name: The loss's name in logs and configs.
    """
    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction='sum_over_batch_size', name='binary_crossentropy'):
        super().__init__(binary_crossentropy, reduction=reduction, name=name, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits


class CategoricalCrossentropy(LossFunctionWrapper):
    """Crossentropy of one-hot targets against class probabilities (or logits), as a loss object.

    Args:
        from_logits: Whether ``y_pred`` holds logits rather than probabilities.
        label_smoothing: Spreads this fraction of each target over all classes.
        axis: The class axis.
        reduction: How per-sample losses become one number: ``'sum_over_batch_size'``
            (the default; ``'auto'`` means it), ``'sum'`` or ``'none'``.
        name: The loss's name in logs and configs.
    """
    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction='sum_over_batch_size', name='categorical_crossentropy'):
        super().__init__(categorical_crossentropy, reduction=reduction, name=name, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Crossentropy of integer class targets against class probabilities (or logits).

    Args:
        from_logits: Whether ``y_pred`` holds logits rather than probabilities.
        ignore_class: A class id whose samples contribute no loss (e.g. padding), or None.
        axis: The class axis.
        reduction: How per-sample losses become one number: ``'sum_over_batch_size'``
            (the default; ``'auto'`` means it), ``'sum'`` or ``'none'``.
        name: The loss's name in logs and configs.
    """
    def __init__(self, from_logits=False, ignore_class=None, axis=-1,
                 reduction='sum_over_batch_size', name='sparse_categorical_crossentropy'):
        super().__init__(sparse_categorical_crossentropy, reduction=reduction, name=name,
                         from_logits=from_logits, ignore_class=ignore_class, axis=axis)
        self.from_logits = from_logits


def is_categorical_crossentropy(loss):
    """Whether ``loss`` is categorical crossentropy, as a name, a function or a loss object
    (Keras 2.3's check, used to pick the accuracy that fits one-hot targets)."""
    return (isinstance(loss, CategoricalCrossentropy)
            or (isinstance(loss, LossFunctionWrapper) and loss.fn is categorical_crossentropy)
            or getattr(loss, '__name__', None) == 'categorical_crossentropy'
            or (isinstance(loss, str) and loss == 'categorical_crossentropy'))


def get(identifier):
    """A loss callable from a name, a config dict, a ``Loss`` or a function."""
    return resolve('losses', identifier)


#: (name, object, aliases) registered by kcore's built-in plugin
BUILTIN_FUNCTIONS = [
    ('mean_squared_error', mean_squared_error, ('mse', 'MSE')),
    ('binary_crossentropy', binary_crossentropy, ()),
    ('categorical_crossentropy', categorical_crossentropy, ()),
    ('sparse_categorical_crossentropy', sparse_categorical_crossentropy, ()),
]
BUILTIN_CLASSES = [MeanSquaredError, BinaryCrossentropy, CategoricalCrossentropy,
                   SparseCategoricalCrossentropy]
