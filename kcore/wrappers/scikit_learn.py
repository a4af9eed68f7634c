"""Keras 2's scikit-learn wrappers: a model-building function as a scikit-learn estimator.

    def build(units=16):
        model = Sequential([Dense(units, activation='relu', input_shape=(4,)), Dense(3, activation='softmax')])
        model.compile('adam', 'sparse_categorical_crossentropy', metrics=['accuracy'])
        return model

    clf = KerasClassifier(build, units=32, epochs=10, verbose=0)
    cross_val_score(clf, x, y, cv=3)        # or GridSearchCV(clf, {'units': [8, 16]})

``sk_params`` go to the building function, ``fit``, ``predict`` and ``evaluate``,
each taking the ones its signature names (Keras 2.3's rules).  scikit-learn is
not needed to build or use the wrappers; its tools (``cross_val_score``,
``GridSearchCV``) need ``pip install scikit-learn``.
"""
import copy
import types

import numpy as np

from kcore.utils.generic_utils import has_arg, to_list
from kcore.utils.np_utils import to_categorical


def _sequential():
    from kcore.models import Sequential
    return Sequential


class BaseWrapper:
    """The shared parameter handling: ``get_params``/``set_params`` as scikit-learn expects,
    ``sk_params`` checked against the functions that will receive them."""

    _estimator_type = None  # 'classifier' or 'regressor' (what scikit-learn < 1.6 reads)

    def __init__(self, build_fn=None, **sk_params):
        self.build_fn = build_fn
        self.sk_params = sk_params
        self.check_params(sk_params)

    def _legal_functions(self):
        Sequential = _sequential()
        functions = [Sequential.fit, Sequential.predict, Sequential.evaluate]
        for extra in ('predict_classes', 'predict_proba'):
            if hasattr(Sequential, extra):
                functions.append(getattr(Sequential, extra))
        if self.build_fn is None:
            functions.append(self.__call__)
        elif not isinstance(self.build_fn, (types.FunctionType, types.MethodType)):
            functions.append(self.build_fn.__call__)
        else:
            functions.append(self.build_fn)
        return functions

    def check_params(self, params):
        """Refuse a parameter that neither the building function nor fit/predict/evaluate takes."""
        functions = self._legal_functions()
        for name in params:
            if not any(has_arg(fn, name) for fn in functions):
                raise ValueError('%s is not a legal parameter of %s. Expected an argument of the model-building '
                                 'function or of fit, predict or evaluate.' % (name, type(self).__name__))

    def get_params(self, **params):
        """The ``sk_params`` and ``build_fn`` (scikit-learn's ``clone`` rebuilds from these)."""
        res = copy.deepcopy(self.sk_params)
        res.update({'build_fn': self.build_fn})
        return res

    def __sklearn_tags__(self):
        """scikit-learn >= 1.6 asks estimators for their tags: answer as its own classifier or
        regressor would, without deriving from scikit-learn (an optional dependency)."""
        from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
        mixin = ClassifierMixin if self._estimator_type == 'classifier' else RegressorMixin
        return type('_Tags', (mixin, BaseEstimator), {})().__sklearn_tags__()

    def set_params(self, **params):
        self.check_params(params)
        self.sk_params.update(params)
        return self

    def _build(self):
        if self.build_fn is None:
            return self.__call__(**self.filter_sk_params(self.__call__))
        if not isinstance(self.build_fn, (types.FunctionType, types.MethodType)):
            return self.build_fn(**self.filter_sk_params(self.build_fn.__call__))
        return self.build_fn(**self.filter_sk_params(self.build_fn))

    def fit(self, x, y, **kwargs):
        """Build a fresh model and train it; returns the ``History``."""
        self.model = self._build()
        y = self._categorical_targets(y)
        fit_args = copy.deepcopy(self.filter_sk_params(_sequential().fit))
        fit_args.update(kwargs)
        return self.model.fit(x, y, **fit_args)

    def _categorical_targets(self, y):
        loss = getattr(self.model, 'loss', None)
        loss_name = getattr(loss, '__name__', loss)
        y = np.asarray(y)
        if loss_name == 'categorical_crossentropy' and len(y.shape) != 2:
            return to_categorical(y)
        return y

    def filter_sk_params(self, fn, override=None):
        """The ``sk_params`` that ``fn`` accepts, updated with ``override``."""
        res = {name: value for name, value in self.sk_params.items() if has_arg(fn, name)}
        res.update(override or {})
        return res


class KerasClassifier(BaseWrapper):
    """A scikit-learn classifier: labels are any sortable values (``classes_``), targets of a
    one-hot shape are read as classes ``0..n-1``."""

    _estimator_type = 'classifier'

    def fit(self, x, y, sample_weight=None, **kwargs):
        y = np.array(y)
        if len(y.shape) == 2 and y.shape[1] > 1:
            self.classes_ = np.arange(y.shape[1])
        elif (len(y.shape) == 2 and y.shape[1] == 1) or len(y.shape) == 1:
            self.classes_ = np.unique(y)
            y = np.searchsorted(self.classes_, y)
        else:
            raise ValueError('Invalid shape for y: %s. Expected class labels (n,) or (n, 1), or one-hot targets '
                             '(n, classes).' % (y.shape,))
        self.n_classes_ = len(self.classes_)
        if sample_weight is not None:
            kwargs['sample_weight'] = sample_weight
        return super().fit(x, y, **kwargs)

    def predict(self, x, **kwargs):
        """Class labels (from ``classes_``) of the samples ``x``."""
        kwargs = self.filter_sk_params(_sequential().predict, kwargs)
        proba = np.asarray(self.model.predict(x, **kwargs))
        if proba.shape[-1] > 1:
            classes = proba.argmax(axis=-1)
        else:
            classes = (proba > 0.5).astype('int32').reshape(-1)
        return self.classes_[classes]

    def predict_proba(self, x, **kwargs):
        """Class probabilities ``(n, n_classes)``; a single sigmoid output gives ``[1 - p, p]``."""
        kwargs = self.filter_sk_params(_sequential().predict, kwargs)
        probs = np.asarray(self.model.predict(x, **kwargs))
        if probs.shape[1] == 1:
            probs = np.hstack([1 - probs, probs])
        return probs

    def score(self, x, y, **kwargs):
        """The model's accuracy on ``(x, y)`` (compile it with ``metrics=['accuracy']``)."""
        y = np.searchsorted(self.classes_, np.asarray(y))
        kwargs = self.filter_sk_params(_sequential().evaluate, kwargs)
        y = self._categorical_targets(y)
        outputs = to_list(self.model.evaluate(x, y, **kwargs))
        for name, output in zip(self.model.metrics_names, outputs):
            if name in ('accuracy', 'acc'):
                return output
        raise ValueError('The model is not configured to compute accuracy. You should pass '
                         '`metrics=["accuracy"]` to the `model.compile()` method.')


class KerasRegressor(BaseWrapper):
    """A scikit-learn regressor; ``score`` is the negated loss (greater is better)."""

    _estimator_type = 'regressor'

    def predict(self, x, **kwargs):
        kwargs = self.filter_sk_params(_sequential().predict, kwargs)
        preds = np.array(self.model.predict(x, **kwargs))
        if preds.shape[-1] == 1:
            return np.squeeze(preds, axis=-1)
        return preds

    def score(self, x, y, **kwargs):
        kwargs = self.filter_sk_params(_sequential().evaluate, kwargs)
        loss = self.model.evaluate(x, y, **kwargs)
        if isinstance(loss, list):
            return -loss[0]
        return -loss


__all__ = ['BaseWrapper', 'KerasClassifier', 'KerasRegressor']
