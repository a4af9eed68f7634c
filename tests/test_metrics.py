"""Metrics against NumPy references: functions, stateful classes, confusion metrics, AUC."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import kcore
from kcore.training import metrics as M
from kcore.training.compile_utils import to_metric


def _np(v):
    return np.asarray(v.numpy() if hasattr(v, 'numpy') else v)


# -- metric functions -------------------------------------------------------------------------
def test_binary_accuracy_matches_numpy_and_threshold():
    yt = np.array([[1.], [0.], [1.], [0.]], 'float32')
    yp = np.array([[0.7], [0.2], [0.4], [0.6]], 'float32')
    np.testing.assert_array_equal(_np(M.binary_accuracy(yt, yp)), [1, 1, 0, 0])
    np.testing.assert_array_equal(_np(M.binary_accuracy(yt, yp, threshold=0.3)), [1, 1, 1, 0])


def test_binary_accuracy_with_rank_one_targets_does_not_broadcast():
    yt = np.array([1., 0., 1., 0.], 'float32')
    yp = np.array([[0.7], [0.2], [0.4], [0.6]], 'float32')
    assert _np(M.binary_accuracy(yt, yp)).shape == (4,)


def test_categorical_and_sparse_accuracy():
    yp = np.array([[0.1, 0.8, 0.1], [0.5, 0.3, 0.2], [0.2, 0.2, 0.6]], 'float32')
    labels = np.array([1, 1, 2])
    onehot = np.eye(3, dtype='float32')[labels]
    np.testing.assert_array_equal(_np(M.categorical_accuracy(onehot, yp)), [1, 0, 1])
    np.testing.assert_array_equal(_np(M.sparse_categorical_accuracy(labels, yp)), [1, 0, 1])
    np.testing.assert_array_equal(_np(M.sparse_categorical_accuracy(labels[:, None], yp)), [1, 0, 1])


@given(hnp.arrays('float32', (6, 5), elements=st.floats(0, 1, width=32, allow_subnormal=False)),
       st.lists(st.integers(0, 4), min_size=6, max_size=6), st.integers(1, 5))
def test_top_k_accuracy_matches_numpy(yp, labels, k):
    labels = np.asarray(labels)
    # reference: the target is in the top k when fewer than k scores beat it
    target = yp[np.arange(6), labels]
    expected = ((yp > target[:, None]).sum(axis=1) < k).astype('float32')
    np.testing.assert_array_equal(_np(M.sparse_top_k_categorical_accuracy(labels, yp, k=k)), expected)
    onehot = np.eye(5, dtype='float32')[labels]
    np.testing.assert_array_equal(_np(M.top_k_categorical_accuracy(onehot, yp, k=k)), expected)


def test_mse_mae_as_metrics():
    rs = np.random.RandomState(0)
    yt, yp = rs.rand(5, 3).astype('float32'), rs.rand(5, 3).astype('float32')
    np.testing.assert_allclose(_np(M.mean_squared_error(yt, yp)), ((yt - yp) ** 2).mean(-1), rtol=1e-6)
    np.testing.assert_allclose(_np(M.mean_absolute_error(yt, yp)), np.abs(yt - yp).mean(-1), rtol=1e-6)


# -- stateful metrics ---------------------------------------------------------------------------
def test_mean_weighted_and_reset():
    m = M.Mean()
    m.update_state([1., 2., 3.])
    m.update_state([10.], sample_weight=[2.])
    assert m.result() == pytest.approx((1 + 2 + 3 + 20) / 5)
    m.reset_state()
    assert m.result() == 0.0
    m.update_state(np.array([[1., 3.]]), sample_weight=np.array([0.5]))
    assert m.result() == pytest.approx(2.0)


def test_mean_metric_wrapper_accumulates_over_batches():
    acc = M.CategoricalAccuracy()
    acc.update_state(np.eye(3)[[0, 1]], np.eye(3)[[0, 2]])
    acc.update_state(np.eye(3)[[2]], np.eye(3)[[2]])
    assert acc.result() == pytest.approx(2 / 3)
    assert acc.name == 'categorical_accuracy'
    acc.reset_states()  # Keras 2 spelling
    assert acc.result() == 0.0


def test_wrapper_classes_keep_keyword_defaults_and_config():
    m = M.TopKCategoricalAccuracy(k=2)
    assert m.get_config()['k'] == 2
    clone = M.TopKCategoricalAccuracy.from_config(m.get_config())
    yp = np.array([[0.5, 0.3, 0.2]])
    clone.update_state(np.array([[0, 1, 0]]), yp)
    assert clone.result() == 1.0


def _confusion_reference(yt, yp, thresholds, w=None):
    yt = np.asarray(yt, bool).reshape(-1)
    yp = np.asarray(yp, 'float64').reshape(-1)
    w = np.ones_like(yp) if w is None else np.broadcast_to(np.asarray(w, 'float64'), yp.shape)
    out = []
    for t in thresholds:
        pred = yp > t
        out.append([(w * (pred & yt)).sum(), (w * (pred & ~yt)).sum(),
                    (w * (~pred & ~yt)).sum(), (w * (~pred & yt)).sum()])
    return np.asarray(out).T


@given(hnp.arrays('float32', 20, elements=st.floats(0, 1, width=32, allow_subnormal=False)),
       hnp.arrays('int8', 20, elements=st.integers(0, 1)),
       hnp.arrays('float64', 20, elements=st.floats(0, 3)),
       st.lists(st.floats(0, 1), min_size=1, max_size=6))
def test_confusion_counts_match_numpy(yp, yt, w, thresholds):
    thresholds = sorted(thresholds)
    got = np.asarray([np.asarray(c) for c in M.confusion_counts(yt, yp, np.asarray(thresholds), w)])
    np.testing.assert_allclose(got, _confusion_reference(yt, yp, thresholds, w), rtol=1e-9, atol=1e-9)


def test_precision_recall_keras_examples():
    p = M.Precision()
    p.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    assert p.result() == pytest.approx(2 / 3)
    p.reset_state()
    p.update_state([0, 1, 1, 1], [1, 0, 1, 1], sample_weight=[0, 0, 1, 0])
    assert p.result() == 1.0
    r = M.Recall()
    r.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    assert r.result() == pytest.approx(2 / 3)
    r.reset_state()
    r.update_state([0, 1, 1, 1], [1, 0, 1, 1], sample_weight=[0, 0, 1, 0])
    assert r.result() == 1.0


def test_precision_with_no_predicted_positive_is_zero_not_nan():
    p = M.Precision()
    p.update_state([1, 1], [0.1, 0.2])
    assert p.result() == 0.0


def test_precision_top_k_breaks_ties_by_position():
    p = M.Precision(top_k=2)
    p.update_state(np.array([[0, 0, 1, 1]]), np.array([[1, 1, 1, 1]]))
    assert p.result() == 0.0
    p = M.Precision(top_k=4)
    p.update_state(np.array([[0, 0, 1, 1]]), np.array([[1, 1, 1, 1]]))
    assert p.result() == 0.5


def test_recall_class_id_and_several_thresholds_in_given_order():
    yt = np.eye(3)[[0, 1, 2, 1]]
    yp = np.array([[0.9, 0.1, 0.0], [0.2, 0.6, 0.2], [0.1, 0.1, 0.8], [0.5, 0.3, 0.2]])
    r = M.Recall(class_id=1)
    r.update_state(yt, yp)
    assert r.result() == pytest.approx(0.5)
    multi = M.Recall(thresholds=[0.7, 0.1])
    multi.update_state(yt, yp)
    # reference per threshold, reported in the order given
    ref = [_confusion_reference(yt, yp, [t]) for t in (0.7, 0.1)]
    expected = [c[0, 0] / (c[0, 0] + c[3, 0]) for c in ref]
    np.testing.assert_allclose(multi.result(), expected)


def test_condition_counts():
    for cls, expected in ((M.TruePositives, 2), (M.FalsePositives, 1), (M.TrueNegatives, 0),
                          (M.FalseNegatives, 1)):
        m = cls()
        m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
        assert m.result() == expected, cls.__name__


def test_auc_keras_example():
    m = M.AUC(num_thresholds=3)
    m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    assert m.result() == pytest.approx(0.75)
    m.reset_state()
    m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9], sample_weight=[1, 0, 0, 1])
    assert m.result() == pytest.approx(1.0)


def _exact_roc_auc(yt, yp):
    """The Mann-Whitney statistic: P(score of a positive > score of a negative), ties 1/2."""
    pos, neg = yp[yt == 1], yp[yt == 0]
    diff = pos[:, None] - neg[None, :]
    return ((diff > 0).sum() + 0.5 * (diff == 0).sum()) / (len(pos) * len(neg))


def test_auc_roc_approaches_the_exact_value():
    rs = np.random.RandomState(0)
    yt = rs.randint(0, 2, 500)
    yp = np.clip(0.3 * yt + 0.7 * rs.rand(500), 0, 1)
    m = M.AUC(num_thresholds=2000)
    m.update_state(yt[:250], yp[:250])
    m.update_state(yt[250:], yp[250:])
    assert m.result() == pytest.approx(_exact_roc_auc(yt, yp), abs=2e-3)


def test_auc_minoring_and_majoring_bound_the_interpolation():
    rs = np.random.RandomState(1)
    yt = rs.randint(0, 2, 300)
    yp = np.clip(0.4 * yt + 0.6 * rs.rand(300), 0, 1)
    values = {}
    for method in ('minoring', 'interpolation', 'majoring'):
        for curve in ('ROC', 'PR'):
            m = M.AUC(num_thresholds=20, curve=curve, summation_method=method)
            m.update_state(yt, yp)
            values[curve, method] = m.result()
    for curve in ('ROC', 'PR'):
        assert values[curve, 'minoring'] <= values[curve, 'interpolation'] <= values[curve, 'majoring']


def test_auc_pr_perfect_and_average_precision():
    yt = np.array([0, 0, 1, 1, 1])
    yp = np.array([0.1, 0.2, 0.7, 0.8, 0.9])
    m = M.AUC(curve='PR')
    m.update_state(yt, yp)
    assert m.result() == pytest.approx(1.0, abs=1e-6)


def test_auc_multi_label_averages_per_label_and_from_logits():
    rs = np.random.RandomState(2)
    yt = rs.randint(0, 2, (200, 3))
    yp = np.clip(0.5 * yt + 0.5 * rs.rand(200, 3), 0, 1)
    m = M.AUC(num_thresholds=1000, multi_label=True)
    m.update_state(yt, yp)
    per_label = [_exact_roc_auc(yt[:, j], yp[:, j]) for j in range(3)]
    assert m.result() == pytest.approx(np.mean(per_label), abs=3e-3)
    logits = np.log(np.clip(yp, 1e-6, 1 - 1e-6) / (1 - np.clip(yp, 1e-6, 1 - 1e-6)))
    ml = M.AUC(num_thresholds=1000, multi_label=True, from_logits=True)
    ml.update_state(yt, logits)
    assert ml.result() == pytest.approx(m.result(), abs=3e-3)


def test_auc_config_round_trip_and_bad_arguments():
    m = M.AUC(thresholds=[0.25, 0.5, 0.75], curve='PR')
    clone = M.AUC.from_config(m.get_config())
    np.testing.assert_allclose(clone.thresholds, m.thresholds)
    assert clone.curve == 'PR'
    with pytest.raises(ValueError, match='curve'):
        M.AUC(curve='XYZ')
    with pytest.raises(ValueError, match='num_thresholds'):
        M.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match='top_k'):
        M.Precision(top_k=0)


# -- resolution by name ------------------------------------------------------------------------------
@pytest.mark.parametrize('name,cls', [('precision', M.Precision), ('recall', M.Recall), ('auc', M.AUC),
                                      ('AUC', M.AUC), ('Precision', M.Precision)])
def test_metric_classes_resolve_by_name_with_keras_log_names(name, cls):
    m = to_metric(name)
    assert isinstance(m, cls)
    assert m.name == cls.__name__.lower()


def test_function_metrics_resolve_by_name_keeping_the_given_name():
    assert to_metric('mse').name == 'mse'
    assert to_metric('mae').name == 'mae'
    assert to_metric('top_k_categorical_accuracy').name == 'top_k_categorical_accuracy'


def test_unknown_metric_name_suggests_close_matches():
    with pytest.raises(KeyError, match='accuracy'):
        to_metric('acuracy')


def test_metrics_are_exported_on_the_public_module():
    for name in ('Precision', 'Recall', 'AUC', 'Mean', 'binary_accuracy'):
        assert getattr(kcore.metrics, name) is not None
