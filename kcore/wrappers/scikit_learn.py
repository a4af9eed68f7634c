"""scikit-learn estimators around kcore models: ``KerasClassifier`` and ``KerasRegressor``.

``build_fn`` builds and compiles a fresh model (a function, an object with
``__call__``, or ``None`` for a subclass that defines ``__call__``).  The
keyword arguments (``sk_params``) are either ``build_fn``'s arguments or the
arguments of ``fit``/``predict``/``evaluate`` (``epochs``, ``batch_size``,
``verbose``, ...); a name that is neither is refused.  Arguments given to
``fit``/``predict``/``score`` override ``sk_params``.  Everything in
``sk_params`` is a tunable parameter for ``GridSearchCV``.

This module does not import scikit-learn: scikit-learn calls these objects.
Deliberate differences from Keras 2.3: ``get_params`` returns the parameters
themselves (not deep copies), which is what ``sklearn.base.clone`` expects;
the estimators carry scikit-learn's tags (classifier/regressor), which
scikit-learn >= 1.6 requires; ``score`` finds accuracy under any of the names
``acc``, ``accuracy`` or ``*_accuracy``.
"""
import copy
import inspect
import types

import numpy as np

from kcore import _legacy_paths
from kcore.training.trainer import Trainer
from kcore.utils import to_categorical

#: where sk_params may also be used, besides build_fn
_FIT_FUNCTIONS = (Trainer.fit, Trainer.predict, Trainer.evaluate)


def _has_arg(fn, name):
    """True if ``fn`` accepts ``name`` as a keyword argument (``**kwargs`` does not count)."""
    try:
        parameters = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    p = parameters.get(name)
    return p is not None and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)


def _loss_name(model):
    loss = getattr(model, 'loss', None)
    if loss is None:
        loss = getattr(model, '_compile_config', {}).get('loss')
    return getattr(loss, '__name__', loss)


class BaseWrapper:
    """Base of ``KerasClassifier`` and ``KerasRegressor``; use those."""

    _estimator_type = None

    def __init__(self, build_fn=None, **sk_params):
        self.build_fn = build_fn
        self.sk_params = sk_params
        self.check_params(sk_params)

    def _build_function(self):
        if self.build_fn is None:
            if not hasattr(self, '__call__'):
                raise ValueError('%s: build_fn is None and the class defines no __call__. Expected a function '
                                 'that builds and compiles a model. Received: build_fn=None. Pass build_fn=..., '
                                 'or subclass and define __call__.' % type(self).__name__)
            return self.__call__
        if isinstance(self.build_fn, (types.FunctionType, types.MethodType)):
            return self.build_fn
        return self.build_fn.__call__

    def check_params(self, params):
        """Refuse parameter names that neither ``build_fn`` nor fit/predict/evaluate accept."""
        build = self._build_function()
        functions = _FIT_FUNCTIONS + (build,)
        for name in params:
            if name == 'nb_epoch' or any(_has_arg(fn, name) for fn in functions):
                continue
            raise ValueError('%s: %s is not a legal parameter. Expected an argument of build_fn (%s) or of '
                             'fit/predict/evaluate (epochs, batch_size, verbose, ...). Received: %s=%r.'
                             % (type(self).__name__, name, getattr(build, '__name__', build), name, params[name]))

    def get_params(self, **params):
        """The estimator's parameters: ``sk_params`` and ``build_fn`` (``deep`` is accepted and ignored)."""
        result = dict(self.sk_params)
        result['build_fn'] = self.build_fn
        return result

    def set_params(self, **params):
        """Update ``sk_params`` (checked as in the constructor); returns self."""
        if 'build_fn' in params:
            self.build_fn = params.pop('build_fn')
        self.check_params(params)
        self.sk_params.update(params)
        return self

    def filter_sk_params(self, fn, override=None):
        """The ``sk_params`` that ``fn`` accepts, updated with ``override``."""
        result = {name: value for name, value in self.sk_params.items() if _has_arg(fn, name)}
        result.update(override or {})
        return result

    def fit(self, x, y, **kwargs):
        """Build a new model with ``build_fn`` and train it on ``(x, y)``; returns the History."""
        build = self._build_function()
        self.model = build(**self.filter_sk_params(build))
        y = np.asarray(y)
        if _loss_name(self.model) == 'categorical_crossentropy' and y.ndim != 2:
            y = to_categorical(y)
        fit_args = copy.deepcopy(self.filter_sk_params(Trainer.fit))
        if 'nb_epoch' in self.sk_params and 'epochs' not in fit_args:
            fit_args['epochs'] = self.sk_params['nb_epoch']
        fit_args.update(kwargs)
        return self.model.fit(x, y, **fit_args)

    def _check_fitted(self, what):
        if getattr(self, 'model', None) is None:
            raise ValueError('%s: call fit() before %s(). Expected a fitted estimator. Received: one that was '
                             'never fitted.' % (type(self).__name__, what))

    def __sklearn_tags__(self):
        from sklearn.utils import Tags, TargetTags
        return Tags(estimator_type=self._estimator_type, target_tags=TargetTags(required=True))


class KerasClassifier(BaseWrapper):
    """scikit-learn's classifier interface for a kcore model.

    Labels may be any values (``classes_`` keeps them; the model sees indices
    0..n-1) or a one-hot matrix.  A model ending in one sigmoid unit is a
    binary classifier: ``predict_proba`` then gives two columns.
    """

    _estimator_type = 'classifier'

    def fit(self, x, y, sample_weight=None, **kwargs):
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] > 1:
            self.classes_ = np.arange(y.shape[1])
        elif y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1):
            self.classes_ = np.unique(y)
            y = np.searchsorted(self.classes_, y)
        else:
            raise ValueError('KerasClassifier: y must be a vector of labels or a one-hot matrix. Expected shape '
                             '(n_samples,), (n_samples, 1) or (n_samples, n_classes). Received: y.shape=%s.'
                             % (y.shape,))
        self.n_classes_ = len(self.classes_)
        if sample_weight is not None:
            kwargs['sample_weight'] = sample_weight
        return super().fit(x, y, **kwargs)

    def predict_proba(self, x, **kwargs):
        """Class probabilities, shape (n_samples, n_classes) (two columns for a binary model)."""
        self._check_fitted('predict_proba')
        probs = np.asarray(self.model.predict(x, **self.filter_sk_params(Trainer.predict, kwargs)))
        if probs.ndim == 1:
            probs = probs[:, None]
        if probs.shape[1] == 1:
            probs = np.hstack([1 - probs, probs])
        return probs

    def predict(self, x, **kwargs):
        """The predicted labels, from ``classes_``."""
        probs = self.predict_proba(x, **kwargs)
        return self.classes_[np.argmax(probs, axis=1)]

    def score(self, x, y, **kwargs):
        """Mean accuracy on ``(x, y)``, as the model's accuracy metric measures it."""
        self._check_fitted('score')
        y = np.asarray(y)
        if not (y.ndim == 2 and y.shape[1] > 1):
            y = np.searchsorted(self.classes_, y)
        if _loss_name(self.model) == 'categorical_crossentropy' and y.ndim != 2:
            y = to_categorical(y, num_classes=self.n_classes_)
        outputs = self.model.evaluate(x, y, **self.filter_sk_params(Trainer.evaluate, kwargs))
        outputs = outputs if isinstance(outputs, list) else [outputs]
        for name, value in zip(self.model.metrics_names, outputs):
            if name in ('acc', 'accuracy') or name.endswith('_accuracy'):
                return float(value)
        raise ValueError('KerasClassifier.score: the model is not configured to compute accuracy. Expected '
                         'an accuracy metric. Received: metrics_names=%s. Pass metrics=["accuracy"] to '
                         'model.compile() in build_fn.' % (self.model.metrics_names,))


class KerasRegressor(BaseWrapper):
    """scikit-learn's regressor interface for a kcore model; ``score`` is the negated loss
    (scikit-learn maximises scores)."""

    _estimator_type = 'regressor'

    def predict(self, x, **kwargs):
        """Predictions, with axes of length one squeezed: (n_samples,) for one output."""
        self._check_fitted('predict')
        return np.squeeze(np.asarray(self.model.predict(x, **self.filter_sk_params(Trainer.predict, kwargs))))

    def score(self, x, y, **kwargs):
        """Minus the model's loss on ``(x, y)``."""
        self._check_fitted('score')
        loss = self.model.evaluate(x, y, **self.filter_sk_params(Trainer.evaluate, kwargs))
        return -float(loss[0] if isinstance(loss, list) else loss)


# names Keras 2's module imported (``Sequential``, ``losses``, ``has_arg``, ``to_list``), resolved on first use
__getattr__ = _legacy_paths.module_getattr(__name__, ('Sequential', 'losses', 'has_arg', 'to_list'))

__all__ = ['BaseWrapper', 'KerasClassifier', 'KerasRegressor']
