"""The ``Loss`` classes and the metric classes: arguments, reductions, sample
weights and config round trips."""
import inspect
import json
import pickle

import numpy as np
import pytest

import kcore
import kcore_losses as L
from kcore_losses import metrics as M

rng = np.random.RandomState(3)
Y_TRUE = (rng.rand(5, 4) > 0.5).astype('float32')
Y_PRED = rng.uniform(0.05, 0.95, (5, 4)).astype('float32')
WEIGHTS = np.array([0.5, 2.0, 0.0, 1.0, 3.0], 'float32')

LOSS_CLASSES = [cls for cls, _ in L.losses.REGISTERED if isinstance(cls, type)]
METRIC_CLASSES = [cls for cls, _ in M.REGISTERED if isinstance(cls, type)]
# non-default arguments for the classes that take any
NON_DEFAULT = {
    'Huber': {'delta': 0.25},
    'CosineSimilarity': {'axis': 0},
    'BinaryFocalCrossentropy': {'apply_class_balancing': True, 'alpha': 0.4, 'gamma': 1.0, 'from_logits': True,
                                'label_smoothing': 0.1},
    'CategoricalFocalCrossentropy': {'alpha': [0.1, 0.2, 0.3, 0.4], 'gamma': 3.0, 'label_smoothing': 0.1},
}
KERAS_DEFAULT_NAMES = {  # Keras 3's default `name` of each class
    'MeanAbsoluteError': 'mean_absolute_error', 'MeanAbsolutePercentageError': 'mean_absolute_percentage_error',
    'MeanSquaredLogarithmicError': 'mean_squared_logarithmic_error', 'Hinge': 'hinge',
    'SquaredHinge': 'squared_hinge', 'CategoricalHinge': 'categorical_hinge', 'LogCosh': 'log_cosh',
    'Huber': 'huber_loss', 'KLDivergence': 'kl_divergence', 'Poisson': 'poisson',
    'CosineSimilarity': 'cosine_similarity', 'BinaryFocalCrossentropy': 'binary_focal_crossentropy',
    'CategoricalFocalCrossentropy': 'categorical_focal_crossentropy', 'LogCoshError': 'logcosh',
}


def _np(x):
    return np.asarray(x.data if hasattr(x, 'data') else x, dtype=np.float64)


def test_defaults_follow_keras():
    for cls in LOSS_CLASSES + METRIC_CLASSES:
        assert cls().name == KERAS_DEFAULT_NAMES[cls.__name__]
    assert L.Huber().get_config()['delta'] == 1.0
    cfg = L.BinaryFocalCrossentropy().get_config()
    assert (cfg['alpha'], cfg['gamma'], cfg['from_logits'], cfg['apply_class_balancing']) == (0.25, 2.0, False, False)
    assert list(inspect.signature(L.Huber).parameters) == ['delta', 'reduction', 'name']
    assert list(inspect.signature(M.CosineSimilarity).parameters) == ['name', 'dtype', 'axis']


@pytest.mark.parametrize('cls', LOSS_CLASSES, ids=lambda c: c.__name__)
def test_reductions_and_sample_weight(cls):
    kwargs = NON_DEFAULT.get(cls.__name__, {})
    per_sample = _np(cls(reduction='none', **kwargs)(Y_TRUE, Y_PRED))
    np.testing.assert_allclose(per_sample, _np(cls(**kwargs).fn(Y_TRUE, Y_PRED, **kwargs)), rtol=1e-6)
    np.testing.assert_allclose(_np(cls(reduction='sum', **kwargs)(Y_TRUE, Y_PRED)), per_sample.sum(), rtol=1e-5)
    np.testing.assert_allclose(_np(cls(**kwargs)(Y_TRUE, Y_PRED)), per_sample.mean(), rtol=1e-5)
    if per_sample.shape == WEIGHTS.shape:  # axis=0 reduces over the batch instead
        w = _np(cls(reduction='none', **kwargs)(Y_TRUE, Y_PRED, sample_weight=WEIGHTS))
        np.testing.assert_allclose(w, per_sample * WEIGHTS, rtol=1e-6)
        np.testing.assert_allclose(_np(cls(**kwargs)(Y_TRUE, Y_PRED, sample_weight=WEIGHTS)),
                                   (per_sample * WEIGHTS).sum() / len(WEIGHTS), rtol=1e-5)
        np.testing.assert_allclose(_np(cls(**kwargs)(Y_TRUE, Y_PRED, sample_weight=WEIGHTS[:, None])),
                                   (per_sample * WEIGHTS).mean(), rtol=1e-5)


@pytest.mark.parametrize('cls', LOSS_CLASSES + METRIC_CLASSES, ids=lambda c: '%s.%s' % (c.__module__.split('.')[-1], c.__name__))
def test_config_round_trip(cls):
    obj = cls(name='custom', **NON_DEFAULT.get(cls.__name__, {}))
    cfg = obj.get_config()
    again = cls.from_config(json.loads(json.dumps(cfg)))
    assert again.get_config() == cfg
    assert type(pickle.loads(pickle.dumps(obj))) is cls
    if cls in LOSS_CLASSES:
        assert cfg['reduction'] == 'sum_over_batch_size' and cfg['name'] == 'custom'
        np.testing.assert_allclose(_np(again(Y_TRUE, Y_PRED)), _np(obj(Y_TRUE, Y_PRED)))


def test_serialize_through_the_registry():
    loss = L.Huber(0.5, reduction='sum')
    cfg = kcore.losses.serialize(loss)
    assert cfg['class_name'] == 'Huber' and cfg['config']['delta'] == 0.5
    back = kcore.losses.deserialize(json.loads(json.dumps(cfg)))
    assert isinstance(back, L.Huber) and back.get_config() == loss.get_config()
    assert kcore.losses.serialize(L.huber) == 'huber'
    assert kcore.losses.deserialize('huber_loss') is L.huber


def test_positional_arguments_in_keras_order():
    assert L.Huber(2.0, 'sum', 'h').get_config() == {'delta': 2.0, 'reduction': 'sum', 'name': 'h'}
    assert M.CosineSimilarity('cos', None, 0).get_config()['axis'] == 0


def test_bad_arguments_name_the_class_and_what_it_takes():
    with pytest.raises(TypeError, match=r"Huber\(\).*delt.*Expected arguments: delta, reduction, name"):
        L.Huber(delt=2.0)
    with pytest.raises(ValueError, match='reduction'):
        L.Hinge(reduction='mean_of_everything')


def test_metric_classes_are_running_weighted_means():
    m = M.Hinge()
    m.update_state(Y_TRUE[:2], Y_PRED[:2])
    m.update_state(Y_TRUE[2:], Y_PRED[2:], sample_weight=WEIGHTS[2:])
    per_sample = _np(L.hinge(Y_TRUE, Y_PRED))
    w = np.concatenate([[1.0, 1.0], WEIGHTS[2:]])
    np.testing.assert_allclose(m.result(), (per_sample * w).sum() / w.sum(), rtol=1e-5)
    m.reset_state()
    assert m.result() == 0.0


def test_cosine_similarity_metric_is_not_negated():
    """Keras's metric reports similarity (1 = same direction); its loss is the negative."""
    t = np.array([[1.0, 2.0], [1.0, 0.0]], 'float32')
    p = np.array([[2.0, 4.0], [0.0, 1.0]], 'float32')
    np.testing.assert_allclose(_np(M.cosine_similarity(t, p)), [1.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(_np(L.cosine_similarity(t, p)), [-1.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(M.CosineSimilarity()(t, p), 0.5, rtol=1e-6)


def test_keras_2_3_cosine_proximity_names():
    """Keras 2.3's loss ``cosine_proximity`` (alias ``cosine``) is negated; its metric of the
    same name is not (issue 19)."""
    from kcore import metrics, plugins
    t, p = np.array([[0., 1.], [1., 0.]], 'float32'), np.array([[0., 2.], [0., 1.]], 'float32')
    assert plugins.get('losses', 'cosine_proximity') is plugins.get('losses', 'cosine') is L.cosine_similarity
    np.testing.assert_allclose(_np(kcore.losses.cosine_proximity(t, p)), [-1.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(_np(metrics.cosine_proximity(t, p)), [1.0, 0.0], atol=1e-6)
    assert plugins.get('metrics', 'cosine') is M.cosine_similarity
