"""``Sequential.predict_classes`` / ``predict_proba`` as in Keras 2.3."""
import numpy as np
import pytest

import kcore
from kcore import layers


def _model(units, activation):
    model = kcore.Sequential([layers.Dense(units, activation=activation, input_shape=(4,))])
    model.compile('sgd', 'mse')
    return model


def test_predict_classes_argmax_for_several_outputs():
    x = np.random.default_rng(0).normal(size=(7, 4)).astype('float32')
    model = _model(3, 'softmax')
    proba = model.predict_proba(x)
    np.testing.assert_allclose(proba, model.predict(x))
    np.testing.assert_array_equal(model.predict_classes(x, batch_size=2), proba.argmax(-1))
    assert model.predict_classes(x).shape == (7,)


def test_predict_classes_thresholds_one_sigmoid_output():
    x = np.random.default_rng(1).normal(size=(9, 4)).astype('float32') * 3
    model = _model(1, 'sigmoid')
    classes = model.predict_classes(x)
    assert classes.shape == (9, 1) and classes.dtype == np.int32
    np.testing.assert_array_equal(classes, (model.predict(x) > 0.5).astype('int32'))
    assert 0 < classes.sum() < 9


def test_predict_proba_warns_on_values_that_are_not_probabilities():
    model = _model(2, 'linear')
    x = np.full((3, 4), 5.0, 'float32')
    model.set_weights([np.ones((4, 2), 'float32'), np.zeros(2, 'float32')])
    with pytest.warns(UserWarning, match='invalid probability values'):
        preds = model.predict_proba(x)
    np.testing.assert_allclose(preds, 20.0)
