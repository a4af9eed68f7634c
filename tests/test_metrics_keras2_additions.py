"""Keras 2.3 metrics that kcore lacked (issue 19): RootMeanSquaredError, MeanIoU,
SensitivityAtSpecificity, SpecificityAtSensitivity: values as Keras 2.3 computes them,
stateful accumulation, reset, config round trip and use in compile()."""
import numpy as np
import pytest

import kcore
from kcore import metrics


def test_root_mean_squared_error():
    m = metrics.RootMeanSquaredError()
    assert m([[0, 1], [0, 0]], [[1, 1], [0, 0]]) == pytest.approx(0.5)
    m.update_state([[1, 1], [0, 0]], [[1, 3], [0, 0]])  # accumulates: squared errors 1, 4 over 8 values
    assert m.result() == pytest.approx(np.sqrt(5 / 8))
    m.reset_states()
    m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]], sample_weight=[1, 0])
    assert m.result() == pytest.approx(np.sqrt(1 / 2))
    assert metrics.RootMeanSquaredError.from_config(m.get_config()).name == 'root_mean_squared_error'


def test_mean_iou():
    m = metrics.MeanIoU(num_classes=2)
    # confusion [[1, 1], [1, 1]]: iou = 1 / (2 + 2 - 1) per class
    assert m([0, 0, 1, 1], [0, 1, 0, 1]) == pytest.approx(1 / 3)
    m.reset_states()
    m.update_state([0, 0, 1, 1], [0, 1, 0, 1], sample_weight=[0.3, 0.3, 0.3, 0.1])
    # confusion [[0.3, 0.3], [0.3, 0.1]]
    assert m.result() == pytest.approx((0.3 / (0.6 + 0.6 - 0.3) + 0.1 / (0.4 + 0.4 - 0.1)) / 2)
    three = metrics.MeanIoU(3)
    assert three([[0, 0], [1, 1]], [[0, 0], [1, 0]]) == pytest.approx((2 / 3 + 1 / 2) / 2)  # class 2 never seen
    with pytest.raises(ValueError, match='outside'):
        metrics.MeanIoU(2).update_state([0, 2], [0, 1])
    with pytest.raises(ValueError, match='num_classes'):
        metrics.MeanIoU(1)
    assert metrics.MeanIoU.from_config(three.get_config()).num_classes == 3


def _brute(y_true, y_pred, thresholds):
    y_true, y_pred = np.asarray(y_true, bool), np.asarray(y_pred, float)
    out = []
    for t in thresholds:
        pos = y_pred > t
        out.append(((pos & y_true).sum(), (pos & ~y_true).sum(), (~pos & ~y_true).sum(), (~pos & y_true).sum()))
    return np.array(out, float)


def test_sensitivity_and_specificity_at_one_threshold_like_keras_docs():
    m = metrics.SensitivityAtSpecificity(0.4, num_thresholds=1)
    assert m([0, 0, 1, 1], [0, 0.5, 0.3, 0.9]) == pytest.approx(0.5)
    m = metrics.SpecificityAtSensitivity(0.8, num_thresholds=1)
    assert m([0, 0, 1, 1], [0, 0.5, 0.3, 0.9]) == pytest.approx(1.0)


@pytest.mark.parametrize('value', [0.2, 0.5, 0.9])
def test_sensitivity_specificity_against_brute_force(value):
    rng = np.random.default_rng(1)
    y_true = rng.integers(0, 2, 50)
    y_pred = np.clip(y_true * 0.3 + rng.random(50) * 0.7, 0, 1)
    eps = kcore.backend.epsilon()
    thresholds = [-eps] + [i / 9 for i in range(1, 9)] + [1 + eps]
    counts = _brute(y_true, y_pred, thresholds)
    tp, fp, tn, fn = counts.T
    spec = np.where(tn + fp > 0, tn / np.maximum(tn + fp, 1e-12), 0)
    sens = np.where(tp + fn > 0, tp / np.maximum(tp + fn, 1e-12), 0)
    i = np.argmin(np.abs(spec - value))
    j = np.argmin(np.abs(sens - value))
    m = metrics.SensitivityAtSpecificity(value, num_thresholds=10)
    m.update_state(y_true[:25], y_pred[:25])
    m.update_state(y_true[25:], y_pred[25:])  # accumulates over batches
    assert m.result() == pytest.approx(sens[i])
    s = metrics.SpecificityAtSensitivity(value, num_thresholds=10)
    assert s(y_true, y_pred) == pytest.approx(spec[j])
    config = m.get_config()
    assert config['specificity'] == value and config['num_thresholds'] == 10
    assert metrics.SensitivityAtSpecificity.from_config(config).value == value


def test_sensitivity_arguments_are_checked():
    with pytest.raises(ValueError, match=r'`specificity` must be in the range \[0, 1\]'):
        metrics.SensitivityAtSpecificity(1.5)
    with pytest.raises(ValueError, match='num_thresholds'):
        metrics.SpecificityAtSensitivity(0.5, num_thresholds=0)


def test_the_new_metrics_work_in_compile():
    model = kcore.Sequential([kcore.layers.Dense(1, activation='sigmoid', input_shape=(3,))])
    model.compile('sgd', 'binary_crossentropy',
                  metrics=[metrics.RootMeanSquaredError(), metrics.SensitivityAtSpecificity(0.5),
                           metrics.SpecificityAtSensitivity(0.5)])
    x = np.random.rand(16, 3).astype('float32')
    y = (x.sum(1, keepdims=True) > 1.5).astype('float32')
    history = model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    assert {'root_mean_squared_error', 'sensitivity_at_specificity',
            'specificity_at_sensitivity'} <= set(history.history)
