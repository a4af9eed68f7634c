"""KerasClassifier / KerasRegressor: Keras 2.3's wrapper behaviour, and scikit-learn's
own tools (clone, cross_val_score, GridSearchCV, Pipeline) driving them."""
import numpy as np
import pytest

import kcore
from kcore import layers
from kcore.wrappers.scikit_learn import KerasClassifier, KerasRegressor

sklearn = pytest.importorskip('sklearn')
from sklearn.base import clone, is_classifier, is_regressor  # noqa: E402
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402


def blobs(n=90, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    centres = np.array([[0, 0], [4, 4], [0, 5]], dtype='float32')[:classes]
    labels = np.arange(n) % classes
    x = centres[labels] + rng.normal(scale=0.5, size=(n, 2)).astype('float32')
    return x.astype('float32'), labels


def build_classifier(hidden=8, classes=3, loss='sparse_categorical_crossentropy'):
    kcore.utils.set_random_seed(0)
    model = kcore.Sequential([layers.Dense(hidden, activation='relu', input_shape=(2,)),
                              layers.Dense(classes, activation='softmax')])
    model.compile(optimizer=kcore.optimizers.Adam(learning_rate=0.05), loss=loss, metrics=['accuracy'])
    return model


def build_binary():
    kcore.utils.set_random_seed(0)
    model = kcore.Sequential([layers.Dense(1, activation='sigmoid', input_shape=(2,))])
    model.compile(optimizer=kcore.optimizers.Adam(learning_rate=0.1), loss='binary_crossentropy',
                  metrics=['accuracy'])
    return model


def build_regressor(units=4):
    kcore.utils.set_random_seed(0)
    model = kcore.Sequential([layers.Dense(units, activation='tanh', input_shape=(3,)), layers.Dense(1)])
    model.compile(optimizer=kcore.optimizers.Adam(learning_rate=0.05), loss='mse')
    return model


def test_classifier_fits_any_labels_predicts_them_and_scores_as_the_model_measures():
    x, y = blobs()
    names = np.array(['cat', 'dog', 'eel'])[y]
    clf = KerasClassifier(build_classifier, epochs=40, batch_size=16, verbose=0)
    history = clf.fit(x, names)
    assert len(history.history['loss']) == 40
    assert list(clf.classes_) == ['cat', 'dog', 'eel'] and clf.n_classes_ == 3
    proba = clf.predict_proba(x)
    assert proba.shape == (90, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    predicted = clf.predict(x)
    assert predicted.dtype.kind == 'U'
    np.testing.assert_array_equal(predicted, np.array(['cat', 'dog', 'eel'])[proba.argmax(axis=1)])
    accuracy = float(np.mean(predicted == names))
    assert accuracy > 0.9
    assert clf.score(x, names) == pytest.approx(accuracy, abs=1e-6)


def test_categorical_crossentropy_gets_one_hot_targets_and_binary_models_get_two_columns():
    x, y = blobs()
    clf = KerasClassifier(build_classifier, loss='categorical_crossentropy', epochs=30, verbose=0)
    clf.fit(x, y)
    assert clf.score(x, y) > 0.9
    x2, y2 = blobs(classes=2)
    binary = KerasClassifier(build_binary, epochs=40, batch_size=8, verbose=0)
    binary.fit(x2, y2 + 5)
    proba = binary.predict_proba(x2)
    assert proba.shape == (90, 2)
    np.testing.assert_allclose(proba[:, 0], 1 - proba[:, 1], rtol=1e-6)
    assert set(binary.predict(x2)) <= {5, 6}
    assert binary.score(x2, y2 + 5) > 0.9


def test_regressor_predicts_a_vector_and_scores_minus_the_loss():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 3)).astype('float32')
    y = (x @ np.array([1.0, -2.0, 0.5]) + 0.1).astype('float32')
    reg = KerasRegressor(build_regressor, units=8, epochs=60, batch_size=16, verbose=0)
    reg.fit(x, y)
    pred = reg.predict(x)
    assert pred.shape == (64,)
    mse = float(np.mean((pred - y) ** 2))
    assert mse < 0.2
    assert reg.score(x, y) == pytest.approx(-mse, rel=1e-4)


def test_params_are_checked_got_and_set_as_keras_does():
    clf = KerasClassifier(build_classifier, hidden=4, epochs=2)
    assert clf.get_params() == {'build_fn': build_classifier, 'hidden': 4, 'epochs': 2}
    assert clf.get_params(deep=False) == clf.get_params()
    assert clf.set_params(hidden=16, batch_size=8) is clf
    assert clf.sk_params == {'hidden': 16, 'epochs': 2, 'batch_size': 8}
    assert clf.filter_sk_params(build_classifier) == {'hidden': 16}
    assert clf.filter_sk_params(build_classifier, {'classes': 2}) == {'hidden': 16, 'classes': 2}
    with pytest.raises(ValueError, match=r'hiden is not a legal parameter.*Received: hiden=3'):
        KerasClassifier(build_classifier, hiden=3)
    with pytest.raises(ValueError, match='epoch is not a legal parameter'):
        clf.set_params(epoch=3)
    KerasClassifier(build_classifier, nb_epoch=2)  # Keras 1's name is still accepted


def test_build_fn_may_be_an_object_or_the_subclass_call():
    class Builder:
        def __call__(self, hidden=8):
            return build_classifier(hidden=hidden)

    class Mine(KerasClassifier):
        def __call__(self, hidden=8):
            return build_classifier(hidden=hidden)

    x, y = blobs(30)
    for clf in (KerasClassifier(Builder(), hidden=3, epochs=1, verbose=0), Mine(hidden=3, epochs=1, verbose=0)):
        clf.fit(x, y)
        assert clf.model.layers[0].units == 3
    with pytest.raises(ValueError, match='Builder.*hidden2|hidden2 is not a legal parameter'):
        KerasClassifier(Builder(), hidden2=3)
    with pytest.raises(ValueError, match='build_fn is None and the class defines no __call__'):
        KerasRegressor(epochs=1)


def test_errors_before_fit_and_for_bad_targets():
    clf = KerasClassifier(build_classifier)
    with pytest.raises(ValueError, match=r'call fit\(\) before predict_proba'):
        clf.predict(np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r'Received: y.shape=\(4, 1, 1\)'):
        clf.fit(np.zeros((4, 2)), np.zeros((4, 1, 1)))

    def no_accuracy():
        model = build_classifier()
        model.compile('adam', 'sparse_categorical_crossentropy')
        return model

    x, y = blobs(30)
    bare = KerasClassifier(no_accuracy, epochs=1, verbose=0)
    bare.fit(x, y)
    with pytest.raises(ValueError, match=r'not configured to compute accuracy.*metrics=\["accuracy"\]'):
        bare.score(x, y)


def test_scikit_learn_sees_a_classifier_and_a_regressor_and_clones_them():
    clf = KerasClassifier(build_classifier, hidden=[4, 4], epochs=1)
    assert is_classifier(clf) and not is_regressor(clf)
    assert is_regressor(KerasRegressor(build_regressor))
    copy = clone(clf)
    assert copy is not clf and copy.get_params() == clf.get_params()


def test_cross_val_score_with_stratified_folds():
    x, y = blobs(60)
    clf = KerasClassifier(build_classifier, epochs=30, batch_size=16, verbose=0)
    scores = cross_val_score(clf, x, y, cv=StratifiedKFold(n_splits=3, shuffle=True, random_state=0))
    assert scores.shape == (3,)
    assert scores.min() > 0.8
    reg_scores = cross_val_score(KerasRegressor(build_regressor, epochs=5, verbose=0),
                                 np.random.default_rng(0).normal(size=(30, 3)).astype('float32'),
                                 np.zeros(30, dtype='float32'), cv=KFold(3))
    assert np.all(reg_scores <= 0)


def test_grid_search_tunes_model_and_fit_parameters():
    x, y = blobs(60)
    grid = GridSearchCV(KerasClassifier(build_classifier, verbose=0),
                        param_grid={'hidden': [1, 8], 'epochs': [1, 30]}, cv=2)
    grid.fit(x, y)
    assert grid.best_params_ == {'epochs': 30, 'hidden': 8}
    assert grid.best_estimator_.model.layers[0].units == 8
    assert grid.score(x, y) > 0.9
    results = grid.cv_results_['mean_test_score']
    assert len(results) == 4


def test_works_inside_a_pipeline():
    x, y = blobs(60)
    pipe = make_pipeline(StandardScaler(), KerasClassifier(build_classifier, epochs=30, verbose=0))
    pipe.fit(x * 100, y)
    assert pipe.score(x * 100, y) > 0.9
    assert kcore.wrappers.scikit_learn.KerasClassifier is KerasClassifier
