"""The loss catalogue beyond the core four: functions and ``Loss`` classes.

Each function ``fn(y_true, y_pred, **params)`` returns one value per sample
(reduced over the last axis, as Keras does).  Each class is built from its
function by ``wrapper_class``: its ``__init__`` takes the function's keyword
parameters (in the function's order), then ``reduction`` and ``name``, as
Keras's classes do, and ``get_config`` returns them all.

Formulas are Keras's (Keras 3 where the seeds say nothing).  Deliberate
differences are noted on the function: they change no value in the ranges
where Keras's formula is accurate, only make extremes stable.
"""
import inspect
import math

from kcore import config
from kcore.backend import ops as K
from kcore.training.losses import LossFunctionWrapper, _pair, _smooth, binary_crossentropy
from kcore.training.metrics import mean_absolute_error

_LOG2 = math.log(2.0)


def mean_absolute_percentage_error(y_true, y_pred):
    """``100 * mean(|y_true - y_pred| / max(|y_true|, eps))``: zero targets give large
    but finite values (the seed's and Keras's definition)."""
    y_true, y_pred = _pair(y_true, y_pred)
    diff = K.abs(y_true - y_pred) / K.clip(K.abs(y_true), config.epsilon(), None)
    return 100.0 * K.mean(diff, axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """``mean((log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1))**2)``; negative
    values count as ``eps`` (the seed's definition).  Uses ``log1p`` for accuracy."""
    y_true, y_pred = _pair(y_true, y_pred)
    eps = config.epsilon()
    diff = K.log1p(K.clip(y_pred, eps, None)) - K.log1p(K.clip(y_true, eps, None))
    return K.mean(K.square(diff), axis=-1)


def _hinge_labels(y_true):
    """Keras's rule: if every label is 0 or 1, map them to -1 and 1; else keep them."""
    a = K.as_array(y_true)
    if bool(((a == 0) | (a == 1)).all()):
        return 2.0 * y_true - 1.0
    return y_true


def _hinge_margin(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    return K.relu(1.0 - _hinge_labels(y_true) * y_pred)


def hinge(y_true, y_pred):
    """``mean(max(1 - y_true * y_pred, 0))`` for labels in {-1, 1} ({0, 1} are converted)."""
    return K.mean(_hinge_margin(y_true, y_pred), axis=-1)


def squared_hinge(y_true, y_pred):
    """``mean(max(1 - y_true * y_pred, 0)**2)`` for labels in {-1, 1} ({0, 1} are converted)."""
    return K.mean(K.square(_hinge_margin(y_true, y_pred)), axis=-1)


def categorical_hinge(y_true, y_pred):
    """``max(neg - pos + 1, 0)`` with ``pos = sum(y_true * y_pred)`` and
    ``neg = max((1 - y_true) * y_pred)``, for one-hot targets."""
    y_true, y_pred = _pair(y_true, y_pred)
    pos = K.sum(y_true * y_pred, axis=-1)
    neg = K.max((1.0 - y_true) * y_pred, axis=-1)
    return K.relu(neg - pos + 1.0)


def log_cosh(y_true, y_pred):
    """``mean(log(cosh(y_pred - y_true)))``, as ``x + softplus(-2x) - log 2`` so that
    large errors do not overflow ``cosh``."""
    y_true, y_pred = _pair(y_true, y_pred)
    x = y_pred - y_true
    return K.mean(x + K.softplus(-2.0 * x) - _LOG2, axis=-1)


def huber(y_true, y_pred, delta=1.0):
    """``0.5 * e**2`` for ``|e| <= delta``, ``delta * |e| - 0.5 * delta**2`` beyond,
    averaged.  Written as ``0.5 * min(|e|, delta)**2 + delta * (|e| - min(|e|, delta))``
    (the same values) so that huge errors are never squared."""
    y_true, y_pred = _pair(y_true, y_pred)
    err = K.abs(y_pred - y_true)
    quad = K.minimum(err, delta)
    return K.mean(0.5 * K.square(quad) + delta * (err - quad), axis=-1)


def kl_divergence(y_true, y_pred):
    """``sum(y_true * log(y_true / y_pred))``, both clipped to ``[eps, 1]`` (Keras)."""
    y_true, y_pred = _pair(y_true, y_pred)
    eps = config.epsilon()
    y_true = K.clip(y_true, eps, 1.0)
    y_pred = K.clip(y_pred, eps, 1.0)
    return K.sum(y_true * K.log(y_true / y_pred), axis=-1)


def poisson(y_true, y_pred):
    """``mean(y_pred - y_true * log(y_pred + eps))`` (Keras)."""
    y_true, y_pred = _pair(y_true, y_pred)
    return K.mean(y_pred - y_true * K.log(y_pred + config.epsilon()), axis=-1)


def cosine_similarity(y_true, y_pred, axis=-1):
    """``-sum(l2_normalize(y_true) * l2_normalize(y_pred))`` along ``axis``: negated, so
    that minimising it aligns the vectors (Keras's loss; the metric is not negated).
    A zero vector gives 0."""
    y_true, y_pred = _pair(y_true, y_pred)
    return -K.sum(K.l2_normalize(y_true, axis) * K.l2_normalize(y_pred, axis), axis=axis)


def _elementwise_bce(y_true, y_pred, from_logits):
    """The core's binary crossentropy per element: it averages over an axis, so give it
    a new axis of size 1."""
    return binary_crossentropy(K.expand_dims(y_true, -1), K.expand_dims(y_pred, -1), from_logits=from_logits)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                              from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary crossentropy times the focal factor ``(1 - p_t)**gamma`` (Lin et al.,
    2018), weighted by ``alpha`` for class 1 and ``1 - alpha`` for class 0 when
    ``apply_class_balancing``; averaged over ``axis``.

    Keras's defaults.  Unlike Keras, logits are not squashed and clipped first:
    the crossentropy uses the stable logits form and ``1 - sigmoid(x)`` is
    computed as ``sigmoid(-x)``, so confident mistakes keep their gradient.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    y_true = _smooth(y_true, label_smoothing, 2.0)
    bce = _elementwise_bce(y_true, y_pred, from_logits)
    p, q = (K.sigmoid(y_pred), K.sigmoid(-y_pred)) if from_logits else (y_pred, 1.0 - y_pred)
    focal = K.pow(y_true * q + (1.0 - y_true) * p, gamma) * bce  # 1 - p_t = y q + (1 - y) p
    if apply_class_balancing:
        focal = (y_true * alpha + (1.0 - y_true) * (1.0 - alpha)) * focal
    return K.mean(focal, axis=axis)


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """``-sum(alpha * (1 - p)**gamma * y_true * log p)`` over ``axis``; ``alpha`` is a
    number or one weight per class.

    Probabilities are renormalised and clipped to ``[eps, 1 - eps]`` (Keras);
    logits go through a stable log-softmax instead of Keras's softmax-then-clip.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    y_true = _smooth(y_true, label_smoothing, float(y_pred.shape[axis]))
    if from_logits:
        log_p = K.log_softmax(y_pred, axis=axis)
        p = K.exp(log_p)
    else:
        eps = config.epsilon()
        p = K.clip(y_pred / K.sum(y_pred, axis=axis, keepdims=True), eps, 1.0 - eps)
        log_p = K.log(p)
    weight = K.multiply(K.pow(1.0 - p, gamma), alpha)
    return -K.sum(weight * y_true * log_p, axis=axis)


# -- classes -----------------------------------------------------------------------------
def fn_params(fn):
    """``fn``'s keyword parameters after ``(y_true, y_pred)``, as (name, default) pairs."""
    return [(p.name, p.default) for p in list(inspect.signature(fn).parameters.values())[2:]]


def wrapper_class(base, class_name, fn, params, doc, module):
    """A subclass of ``base`` (``LossFunctionWrapper`` or ``MeanMetricWrapper``) around
    ``fn``, whose ``__init__`` takes ``params`` ((name, default) pairs, positional or
    by keyword) and hands them all to ``base.__init__(fn, ...)``: the ones ``base``
    does not know (``delta``, ``axis``, ...) become ``fn``'s keyword arguments and
    appear in ``get_config``.  ``module`` is where the class is found (for pickling)."""
    P = inspect.Parameter
    sig = inspect.Signature([P('self', P.POSITIONAL_OR_KEYWORD)]
                            + [P(k, P.POSITIONAL_OR_KEYWORD, default=v) for k, v in params])

    def __init__(self, *args, **kwargs):
        try:
            bound = sig.bind(self, *args, **kwargs)
        except TypeError as e:
            raise TypeError('%s(): %s. Expected arguments: %s. Received: args=%r, kwargs=%r.'
                            % (class_name, e, ', '.join(k for k, _ in params), args, kwargs)) from None
        bound.apply_defaults()
        values = dict(bound.arguments)
        del values['self']
        base.__init__(self, fn, **values)

    __init__.__signature__ = sig
    return type(class_name, (base,), {'__init__': __init__, '__doc__': doc, '__module__': module})


def _loss_class(class_name, fn, name=None):
    params = fn_params(fn) + [('reduction', 'sum_over_batch_size'), ('name', name or fn.__name__)]
    doc = '``Loss`` form of ``%s`` (reduction, sample weights). %s' % (fn.__name__, fn.__doc__ or '')
    return wrapper_class(LossFunctionWrapper, class_name, fn, params, doc, __name__)


MeanAbsoluteError = _loss_class('MeanAbsoluteError', mean_absolute_error)
MeanAbsolutePercentageError = _loss_class('MeanAbsolutePercentageError', mean_absolute_percentage_error)
MeanSquaredLogarithmicError = _loss_class('MeanSquaredLogarithmicError', mean_squared_logarithmic_error)
Hinge = _loss_class('Hinge', hinge)
SquaredHinge = _loss_class('SquaredHinge', squared_hinge)
CategoricalHinge = _loss_class('CategoricalHinge', categorical_hinge)
LogCosh = _loss_class('LogCosh', log_cosh)
Huber = _loss_class('Huber', huber, name='huber_loss')
KLDivergence = _loss_class('KLDivergence', kl_divergence)
Poisson = _loss_class('Poisson', poisson)
CosineSimilarity = _loss_class('CosineSimilarity', cosine_similarity)
BinaryFocalCrossentropy = _loss_class('BinaryFocalCrossentropy', binary_focal_crossentropy)
CategoricalFocalCrossentropy = _loss_class('CategoricalFocalCrossentropy', categorical_focal_crossentropy)

#: (object, aliases) registered in the ``losses`` registry by the plugin
REGISTERED = [
    (mean_absolute_error, ('mae',)),
    (mean_absolute_percentage_error, ('mape',)),
    (mean_squared_logarithmic_error, ('msle',)),
    (hinge, ()),
    (squared_hinge, ()),
    (categorical_hinge, ()),
    (log_cosh, ('logcosh',)),
    (huber, ('huber_loss',)),
    (kl_divergence, ('kld', 'kullback_leibler_divergence')),
    (poisson, ()),
    (cosine_similarity, ('cosine_proximity', 'cosine')),  # Keras 2.3's names for it
    (binary_focal_crossentropy, ()),
    (categorical_focal_crossentropy, ()),
] + [(cls, ()) for cls in (
    MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError, Hinge, SquaredHinge,
    CategoricalHinge, LogCosh, Huber, KLDivergence, Poisson, CosineSimilarity, BinaryFocalCrossentropy,
    CategoricalFocalCrossentropy)]
