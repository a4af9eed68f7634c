"""Keras 2's scikit-learn wrappers (issue 19): KerasClassifier/KerasRegressor as estimators,
in cross_val_score and GridSearchCV, with Keras 2.3's parameter routing."""
import numpy as np
import pytest

import kcore
from kcore.wrappers.scikit_learn import KerasClassifier, KerasRegressor

sklearn = pytest.importorskip('sklearn', reason='the wrappers are used with scikit-learn (pip install scikit-learn)')
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402


def _data(n=60, classes=3):
    rng = np.random.default_rng(0)
    x = rng.random((n, 4)).astype('float32')
    y = (x[:, 0] * classes).astype('int64').clip(0, classes - 1)
    return x, y


def build_classifier(units=8, loss='sparse_categorical_crossentropy', classes=3):
    model = kcore.Sequential([kcore.layers.Dense(units, activation='relu', input_shape=(4,)),
                              kcore.layers.Dense(classes, activation='softmax')])
    model.compile('adam', loss, metrics=['accuracy'])
    return model


def build_regressor(units=8):
    model = kcore.Sequential([kcore.layers.Dense(units, activation='relu', input_shape=(4,)), kcore.layers.Dense(1)])
    model.compile('adam', 'mse')
    return model


def test_classifier_labels_probabilities_and_score():
    x, y = _data()
    labels = np.array(['a', 'b', 'c'])[y]
    clf = KerasClassifier(build_classifier, units=6, epochs=2, batch_size=16, verbose=0)
    history = clf.fit(x, labels)
    assert len(history.history['loss']) == 2
    assert list(clf.classes_) == ['a', 'b', 'c'] and clf.n_classes_ == 3
    assert set(clf.predict(x)) <= {'a', 'b', 'c'}
    proba = clf.predict_proba(x)
    assert proba.shape == (60, 3) and np.allclose(proba.sum(1), 1, atol=1e-5)
    assert 0 <= clf.score(x, labels) <= 1


def test_classifier_with_categorical_crossentropy_one_hots_the_labels():
    x, y = _data()
    clf = KerasClassifier(build_classifier, loss='categorical_crossentropy', epochs=1, verbose=0)
    clf.fit(x, y)
    assert clf.predict(x).shape == (60,)


def test_binary_classifier_probabilities_have_two_columns():
    x, y = _data(classes=2)

    def build():
        model = kcore.Sequential([kcore.layers.Dense(1, activation='sigmoid', input_shape=(4,))])
        model.compile('sgd', 'binary_crossentropy', metrics=['accuracy'])
        return model
    clf = KerasClassifier(build, epochs=1, verbose=0)
    clf.fit(x, y)
    proba = clf.predict_proba(x)
    assert proba.shape == (60, 2) and np.allclose(proba.sum(1), 1)
    assert set(clf.predict(x)) <= {0, 1}


def test_regressor_predict_and_score():
    x, _ = _data()
    y = x.sum(1)
    reg = KerasRegressor(build_regressor, epochs=2, verbose=0)
    reg.fit(x, y)
    assert reg.predict(x).shape == (60,)
    assert reg.score(x, y) <= 0


def test_parameters_are_checked_and_routed():
    with pytest.raises(ValueError, match='not_a_param is not a legal parameter'):
        KerasClassifier(build_classifier, not_a_param=1)
    clf = KerasClassifier(build_classifier, units=4, epochs=3, verbose=0)
    assert clf.get_params()['units'] == 4 and clf.get_params()['build_fn'] is build_classifier
    assert clf.filter_sk_params(build_classifier) == {'units': 4}
    assert clf.filter_sk_params(kcore.Sequential.fit) == {'epochs': 3, 'verbose': 0}
    clf.set_params(units=5)
    assert clf.sk_params['units'] == 5
    with pytest.raises(ValueError, match='legal parameter'):
        clf.set_params(nope=1)


def test_without_accuracy_score_says_how_to_fix():
    x, y = _data()

    def build():
        model = build_classifier()
        model.compile('adam', 'sparse_categorical_crossentropy')
        return model
    clf = KerasClassifier(build, epochs=1, verbose=0)
    clf.fit(x, y)
    with pytest.raises(ValueError, match='metrics=\\["accuracy"\\]'):
        clf.score(x, y)


def test_cross_val_score_and_grid_search():
    x, y = _data()
    clf = KerasClassifier(build_classifier, epochs=1, batch_size=20, verbose=0)
    scores = cross_val_score(clf, x, y, cv=3)
    assert scores.shape == (3,) and np.all((0 <= scores) & (scores <= 1))
    search = GridSearchCV(KerasRegressor(build_regressor, epochs=1, verbose=0), {'units': [2, 4]}, cv=2)
    search.fit(x, x.sum(1))
    assert search.best_params_['units'] in (2, 4)


def test_module_paths():
    assert kcore.wrappers.scikit_learn.KerasClassifier is KerasClassifier
