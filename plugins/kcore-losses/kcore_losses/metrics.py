"""The metrics Keras offers beside these losses: the loss functions themselves
(``compile(metrics=['mape', 'kld'])``) and Keras's metric classes, running
sample-weighted means over an epoch.

``mean_absolute_error``/``MeanAbsoluteError`` are kcore's own metrics and are not
registered again here.  Where Keras's metric differs from its loss, the metric
follows Keras: ``cosine_similarity``/``CosineSimilarity`` are *not* negated, and
``LogCoshError`` is named ``'logcosh'``.
"""
from kcore.training.metrics import MeanMetricWrapper

from kcore_losses import losses as L


def cosine_similarity(y_true, y_pred, axis=-1):
    """``sum(l2_normalize(y_true) * l2_normalize(y_pred))`` along ``axis``: 1 when the
    vectors point the same way (Keras's metric; the loss is its negative)."""
    return -L.cosine_similarity(y_true, y_pred, axis=axis)


def _metric_class(class_name, fn, name=None):
    params = [('name', name or fn.__name__), ('dtype', None)] + L.fn_params(fn)
    doc = 'Running (sample-weighted) mean of ``%s``. %s' % (fn.__name__, fn.__doc__ or '')
    return L.wrapper_class(MeanMetricWrapper, class_name, fn, params, doc, __name__)


MeanAbsolutePercentageError = _metric_class('MeanAbsolutePercentageError', L.mean_absolute_percentage_error)
MeanSquaredLogarithmicError = _metric_class('MeanSquaredLogarithmicError', L.mean_squared_logarithmic_error)
Hinge = _metric_class('Hinge', L.hinge)
SquaredHinge = _metric_class('SquaredHinge', L.squared_hinge)
CategoricalHinge = _metric_class('CategoricalHinge', L.categorical_hinge)
LogCoshError = _metric_class('LogCoshError', L.log_cosh, name='logcosh')
KLDivergence = _metric_class('KLDivergence', L.kl_divergence)
Poisson = _metric_class('Poisson', L.poisson)
CosineSimilarity = _metric_class('CosineSimilarity', cosine_similarity)

#: (object, aliases) registered in the ``metrics`` registry by the plugin.  The
#: functions are Keras's ``keras.metrics.*`` functions; ``log_cosh_error`` is
#: Keras 3's snake-case name for ``LogCoshError``.
REGISTERED = [
    (L.mean_absolute_percentage_error, ('mape',)),
    (L.mean_squared_logarithmic_error, ('msle',)),
    (L.hinge, ()),
    (L.squared_hinge, ()),
    (L.categorical_hinge, ()),
    (L.log_cosh, ('logcosh',)),
    (L.huber, ()),
    (L.kl_divergence, ('kld', 'kullback_leibler_divergence')),
    (L.poisson, ()),
    (cosine_similarity, ('cosine_proximity', 'cosine')),  # Keras 2.3's names for it
    (L.binary_focal_crossentropy, ()),
    (L.categorical_focal_crossentropy, ()),
    (MeanAbsolutePercentageError, ()),
    (MeanSquaredLogarithmicError, ()),
    (Hinge, ()),
    (SquaredHinge, ()),
    (CategoricalHinge, ()),
    (LogCoshError, ('log_cosh_error',)),
    (KLDivergence, ()),
    (Poisson, ()),
    (CosineSimilarity, ()),
]
