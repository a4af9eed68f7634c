"""Each loss function against a float64 NumPy reference written here from the
published formula, against values from Keras's documentation, and at the edges."""
import os
import runpy

import numpy as np
import pytest

import kcore_losses as L
from kcore.autodiff.tensor import Tensor, gradients

EPS = 1e-7
rng = np.random.RandomState(7)
N, D = 6, 4


# -- float64 references ------------------------------------------------------------------
def _hinge_labels(t):
    return 2 * t - 1 if np.isin(t, (0, 1)).all() else t


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def ref_bfce(t, p, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
             label_smoothing=0.0, axis=-1):
    t = t * (1 - label_smoothing) + 0.5 * label_smoothing
    p = _sigmoid(p) if from_logits else p
    pc = np.clip(p, EPS, 1 - EPS)
    bce = -(t * np.log(pc) + (1 - t) * np.log(1 - pc))
    p_t = t * p + (1 - t) * (1 - p)
    out = (1 - p_t) ** gamma * bce
    if apply_class_balancing:
        out = (t * alpha + (1 - t) * (1 - alpha)) * out
    return out.mean(axis=axis)


def ref_cfce(t, p, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1):
    t = t * (1 - label_smoothing) + label_smoothing / t.shape[axis]
    p = _softmax(p, axis) if from_logits else p
    p = np.clip(p / p.sum(axis=axis, keepdims=True), EPS, 1 - EPS)
    return (np.asarray(alpha) * (1 - p) ** gamma * -t * np.log(p)).sum(axis=axis)


def ref_cosine(t, p, axis=-1):
    def unit(v):
        return v / np.sqrt(np.maximum((v * v).sum(axis=axis, keepdims=True), 1e-12))
    return -(unit(t) * unit(p)).sum(axis=axis)


def ref_huber(t, p, delta=1.0):
    e = np.abs(p - t)
    return np.where(e <= delta, 0.5 * e ** 2, delta * e - 0.5 * delta ** 2).mean(-1)


REFERENCES = {
    'mean_absolute_error': lambda t, p: np.abs(t - p).mean(-1),
    'mean_absolute_percentage_error':
        lambda t, p: 100 * (np.abs(t - p) / np.maximum(np.abs(t), EPS)).mean(-1),
    'mean_squared_logarithmic_error':
        lambda t, p: ((np.log(np.maximum(p, EPS) + 1) - np.log(np.maximum(t, EPS) + 1)) ** 2).mean(-1),
    'hinge': lambda t, p: np.maximum(1 - _hinge_labels(t) * p, 0).mean(-1),
    'squared_hinge': lambda t, p: (np.maximum(1 - _hinge_labels(t) * p, 0) ** 2).mean(-1),
    'categorical_hinge':
        lambda t, p: np.maximum(((1 - t) * p).max(-1) - (t * p).sum(-1) + 1, 0),
    'log_cosh': lambda t, p: np.log(np.cosh(p - t)).mean(-1),
    'huber': ref_huber,
    'kl_divergence': lambda t, p: (np.clip(t, EPS, 1) * np.log(np.clip(t, EPS, 1) / np.clip(p, EPS, 1))).sum(-1),
    'poisson': lambda t, p: (p - t * np.log(p + EPS)).mean(-1),
    'cosine_similarity': ref_cosine,
    'binary_focal_crossentropy': ref_bfce,
    'categorical_focal_crossentropy': ref_cfce,
}

# inputs of the kind each loss is meant for (float32, as a model gives them)
regression = (rng.uniform(0.5, 2.0, (N, D)), rng.uniform(-1.0, 3.0, (N, D)))
signs = (np.where(rng.rand(N, D) > 0.5, 1.0, -1.0), rng.normal(size=(N, D)))
binary = ((rng.rand(N, D) > 0.5) * 1.0, rng.uniform(0.02, 0.98, (N, D)))
onehot = np.eye(D)[rng.randint(0, D, N)]
dist = rng.uniform(0.05, 1.0, (N, D))
dist /= dist.sum(-1, keepdims=True)
probs = (onehot, dist)
logits = (binary[0], rng.normal(scale=3.0, size=(N, D)))
cat_logits = (onehot, rng.normal(scale=3.0, size=(N, D)))
CASES = [
    ('mean_absolute_error', regression, {}),
    ('mean_absolute_percentage_error', regression, {}),
    ('mean_absolute_percentage_error', (np.zeros((N, D)), regression[1]), {}),  # zero targets: clipped
    ('mean_squared_logarithmic_error', regression, {}),  # negative predictions count as eps
    ('hinge', signs, {}),
    ('hinge', (binary[0], signs[1]), {}),  # {0, 1} labels become {-1, 1}
    ('squared_hinge', signs, {}),
    ('squared_hinge', (binary[0], signs[1]), {}),
    ('categorical_hinge', (onehot, signs[1]), {}),
    ('log_cosh', (signs[1], 3 * regression[1]), {}),
    ('huber', (signs[1], 3 * regression[1]), {}),
    ('huber', (signs[1], 3 * regression[1]), {'delta': 0.3}),
    ('kl_divergence', (dist[::-1], dist), {}),
    ('kl_divergence', probs, {}),  # zeros in y_true: clipped
    ('poisson', (rng.poisson(2.0, (N, D)) * 1.0, regression[0]), {}),
    ('cosine_similarity', (signs[1], regression[1]), {}),
    ('cosine_similarity', (signs[1], regression[1]), {'axis': 0}),
    ('binary_focal_crossentropy', binary, {}),
    ('binary_focal_crossentropy', binary, {'apply_class_balancing': True, 'alpha': 0.4, 'gamma': 1.5,
                                           'label_smoothing': 0.1}),
    ('binary_focal_crossentropy', logits, {'from_logits': True, 'gamma': 3.0}),
    ('binary_focal_crossentropy', binary, {'axis': 0}),
    ('categorical_focal_crossentropy', probs, {}),
    ('categorical_focal_crossentropy', (onehot, dist * 3.0), {'alpha': [0.1, 0.2, 0.3, 0.4], 'gamma': 1.0}),
    ('categorical_focal_crossentropy', cat_logits, {'from_logits': True, 'label_smoothing': 0.2}),
    ('categorical_focal_crossentropy', (onehot.T, dist.T), {'axis': 0}),
]


def _value(fn, t, p, **kw):
    return np.asarray(fn(t.astype('float32'), p.astype('float32'), **kw).data)


@pytest.mark.parametrize('name, data, kwargs', CASES, ids=['%s-%d' % (c[0], i) for i, c in enumerate(CASES)])
def test_matches_float64_reference(name, data, kwargs):
    t, p = data
    got = _value(getattr(L, name), t, p, **kwargs)
    # the reference sees the same float32-rounded inputs, computed in float64
    want = REFERENCES[name](t.astype('float32').astype('float64'), p.astype('float32').astype('float64'),
                            **kwargs)
    assert got.dtype == np.float32  # no silent float64 up-cast
    np.testing.assert_allclose(got, want, rtol=2e-5, atol=1e-6)


def test_every_loss_has_a_reference_case():
    assert {c[0] for c in CASES} == set(REFERENCES) == {fn.__name__ for fn, _ in L.losses.REGISTERED
                                                          if not isinstance(fn, type)}


# values printed in Keras 3's documentation of these losses
KERAS_DOC = [
    (L.huber, [[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]], {}, [0.18, 0.13]),
    (L.log_cosh, [[0., 1.], [0., 0.]], [[1., 1.], [0., 0.]], {}, [0.2168904, 0.0]),
    (L.cosine_similarity, [[0., 1.], [1., 1.], [1., 1.]], [[1., 0.], [1., 1.], [-1., -1.]], {}, [0., -1., 1.]),
    (L.binary_focal_crossentropy, [[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]], {'gamma': 2}, [0.330, 0.206]),
    (L.binary_focal_crossentropy, [[0, 1], [0, 0]], [[-18.6, 0.51], [2.94, -12.8]],
     {'gamma': 5, 'from_logits': True}, [0.0017, 1.1561]),
    (L.binary_focal_crossentropy, [[0, 1], [0, 0]], [[-18.6, 0.51], [2.94, -12.8]],
     {'gamma': 5, 'from_logits': True, 'apply_class_balancing': True}, [0.0004, 0.8670]),
    (L.categorical_focal_crossentropy, [[0, 1, 0], [0, 0, 1]], [[0.05, 0.9, 0.05], [0.1, 0.85, 0.05]], {},
     [2.63401289e-04, 6.75912094e-01]),
    (L.categorical_focal_crossentropy, [[0., 1., 0.], [0., 0., 1.]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]], {},
     [3.2058331e-05, 4.6627346e-01]),
]


@pytest.mark.parametrize('fn, t, p, kwargs, want', KERAS_DOC)
def test_matches_keras_documented_values(fn, t, p, kwargs, want):
    got = np.asarray(fn(np.array(t, 'float32'), np.array(p, 'float32'), **kwargs).data)
    np.testing.assert_allclose(got, want, rtol=2e-3, atol=6e-5)


# -- edges --------------------------------------------------------------------------------
def _value_and_grad(fn, t, p, **kw):
    pt = Tensor(np.asarray(p, 'float32'), requires_grad=True)
    out = fn(np.asarray(t, 'float32'), pt, **kw)
    (g,) = gradients(out, [pt])
    return np.asarray(out.data), np.asarray(g)


z = np.zeros((2, 3))
one = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
huge = np.array([[1e30, -1e30, 3.0], [-1e30, 5.0, 1e25]])
EDGES = [
    # zeros everywhere (not categorical focal: all-zero "probabilities" are 0/0, in Keras too)
    *[(name, z, z, {}) for name in REFERENCES if name != 'categorical_focal_crossentropy'],
    # exact 0/1 probabilities, right and wrong
    ('kl_divergence', one, one[::-1], {}),
    ('poisson', one, z, {}),
    ('mean_squared_logarithmic_error', one, z, {}),
    ('mean_absolute_percentage_error', z, one, {}),
    ('binary_focal_crossentropy', one, one, {}),
    ('binary_focal_crossentropy', one, 1 - one, {}),
    ('binary_focal_crossentropy', one, 1 - one, {'label_smoothing': 0.1, 'apply_class_balancing': True}),
    ('categorical_focal_crossentropy', one, one, {}),
    ('categorical_focal_crossentropy', one, one[::-1], {}),
    # huge values, where Keras's float32 result is finite too
    *[(name, np.zeros_like(huge), huge, {}) for name in
      ('mean_absolute_error', 'mean_squared_logarithmic_error', 'hinge',
       'categorical_hinge', 'log_cosh', 'huber', 'kl_divergence')],
    ('mean_absolute_percentage_error', huge, np.zeros_like(huge), {}),
    ('binary_focal_crossentropy', one, huge * (1 - 2 * one), {'from_logits': True}),
    ('categorical_focal_crossentropy', one, huge / 1e28, {'from_logits': True}),
]


@pytest.mark.parametrize('name, t, p, kwargs', EDGES, ids=['%s-%d' % (e[0], i) for i, e in enumerate(EDGES)])
def test_edges_give_finite_values_and_gradients(name, t, p, kwargs):
    value, grad = _value_and_grad(getattr(L, name), t, p, **kwargs)
    assert np.isfinite(value).all(), value
    assert np.isfinite(grad).all(), grad


def test_huge_errors_are_linear_not_overflowing():
    """log_cosh and huber grow like |e| for huge errors (no cosh or square overflow)."""
    e = np.array([[3e30]])
    np.testing.assert_allclose(_value(L.log_cosh, np.zeros((1, 1)), e), 3e30 - np.log(2), rtol=1e-6)
    np.testing.assert_allclose(_value(L.huber, np.zeros((1, 1)), e, delta=2.0), 2 * 3e30 - 2, rtol=1e-6)


def test_confident_mistakes_keep_their_gradient_with_logits():
    """A deliberate difference from Keras (which squashes and clips logits first): with
    from_logits, a logit of -30 for a positive label still gets a gradient."""
    for fn, t, p in ((L.binary_focal_crossentropy, [[1.0]], [[-30.0]]),
                     (L.categorical_focal_crossentropy, [[1.0, 0.0]], [[-30.0, 0.0]])):
        value, grad = _value_and_grad(fn, t, p, from_logits=True)
        assert value[0] > 29 * 0.25 - 1e-3  # alpha 0.25, focal factor ~1, crossentropy ~30
        assert abs(grad[0, 0]) > 0.2


SEED = '/work/shared/seed_examples/s003_loss_formulas.py'


@pytest.mark.skipif(not os.path.exists(SEED), reason='the seed examples are not here')
def test_seed_s003_loss_formulas(capsys):
    runpy.run_path(SEED)
    assert 'OK s003_loss_formulas' in capsys.readouterr().out
