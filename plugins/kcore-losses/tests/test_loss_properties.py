"""Properties that hold for every input (hypothesis), and gradient checks in float64."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import kcore_losses as L
from kcore.autodiff.tensor import Tensor
from kcore.testing import check_gradients
from kcore.training import losses as core


@st.composite
def pairs(draw, low=-10.0, high=10.0, kind='real'):
    """(y_true, y_pred) float32 arrays of one shape; ``kind`` picks what y_true is."""
    shape = draw(st.tuples(st.integers(1, 4), st.integers(1, 5)))
    floats = st.floats(low, high, width=32)
    y_pred = draw(hnp.arrays(np.float32, shape, elements=floats))
    if kind == 'real':
        y_true = draw(hnp.arrays(np.float32, shape, elements=floats))
    elif kind == 'binary':
        y_true = draw(hnp.arrays(np.float32, shape, elements=st.sampled_from([0.0, 1.0])))
    else:  # 'onehot'
        y_true = np.eye(shape[1], dtype=np.float32)[draw(hnp.arrays(np.int64, shape[:1],
                                                                   elements=st.integers(0, shape[1] - 1)))]
    return y_true, y_pred


def distributions(y):
    """Rows that are probability distributions (for the KL divergence)."""
    y = np.abs(y) + 0.1
    return (y / y.sum(-1, keepdims=True)).astype(np.float32)


def _v(fn, t, p, **kw):
    return np.asarray(fn(t, p, **kw).data, dtype=np.float64)


NON_NEGATIVE_REAL = [L.mean_absolute_error, L.mean_absolute_percentage_error, L.mean_squared_logarithmic_error,
                     L.hinge, L.squared_hinge, L.categorical_hinge, L.log_cosh, L.huber]
ZERO_AT_EQUAL = [L.mean_absolute_error, L.mean_absolute_percentage_error, L.mean_squared_logarithmic_error,
                 L.log_cosh, L.huber]
SYMMETRIC = [L.mean_absolute_error, L.mean_squared_logarithmic_error, L.log_cosh, L.huber, L.cosine_similarity]


@pytest.mark.parametrize('fn', NON_NEGATIVE_REAL, ids=lambda f: f.__name__)
@given(data=pairs())
def test_non_negative(fn, data):
    assert (_v(fn, *data) >= -1e-6).all()


@given(data=pairs(0.0, 1.0, kind='binary'), gamma=st.floats(0.0, 4.0), smoothing=st.floats(0.0, 0.5),
       balancing=st.booleans())
def test_focal_losses_are_non_negative(data, gamma, smoothing, balancing):
    t, p = data
    assert (_v(L.binary_focal_crossentropy, t, p, gamma=gamma, label_smoothing=smoothing,
               apply_class_balancing=balancing) >= 0).all()
    assert (_v(L.binary_focal_crossentropy, t, 20 * p - 10, gamma=gamma, from_logits=True) >= 0).all()
    onehot = np.eye(t.shape[1], dtype=np.float32)[np.argmax(t, -1)]
    p = p + 0.01  # an all-zero row is no distribution (0/0, in Keras too)
    assert (_v(L.categorical_focal_crossentropy, onehot, p, gamma=gamma, label_smoothing=smoothing) >= 0).all()


@given(data=pairs())
def test_kl_divergence_of_distributions_is_non_negative_and_zero_at_equal(data):
    t, p = distributions(data[0]), distributions(data[1])
    assert (_v(L.kl_divergence, t, p) >= -1e-6).all()
    np.testing.assert_allclose(_v(L.kl_divergence, t, t), 0.0, atol=1e-6)


@pytest.mark.parametrize('fn', ZERO_AT_EQUAL, ids=lambda f: f.__name__)
@given(data=pairs())
def test_zero_when_prediction_equals_target(fn, data):
    y = data[1]
    np.testing.assert_allclose(_v(fn, y, y.copy()), 0.0, atol=1e-6)


@pytest.mark.parametrize('fn', SYMMETRIC, ids=lambda f: f.__name__)
@given(data=pairs())
def test_symmetric(fn, data):
    t, p = data
    np.testing.assert_allclose(_v(fn, t, p), _v(fn, p, t), rtol=1e-5, atol=1e-6)


@given(data=pairs())
def test_cosine_similarity_is_bounded_and_minus_one_on_itself(data):
    t, p = data
    assert (np.abs(_v(L.cosine_similarity, t, p)) <= 1 + 1e-5).all()
    nonzero = np.abs(p).sum(-1) > 1e-3
    np.testing.assert_allclose(_v(L.cosine_similarity, p, p)[nonzero], -1.0, rtol=1e-5)


@pytest.mark.parametrize('fn', [L.hinge, L.squared_hinge], ids=lambda f: f.__name__)
@given(data=pairs(kind='binary'))
def test_hinge_reads_01_labels_as_minus_one_one(fn, data):
    t, p = data
    np.testing.assert_allclose(_v(fn, t, p), _v(fn, 2 * t - 1, p), rtol=1e-6)


@given(data=pairs(0.0, 1.0, kind='binary'))
def test_focal_losses_without_focus_are_the_core_crossentropies(data):
    t, p = data
    np.testing.assert_allclose(_v(L.binary_focal_crossentropy, t, p, gamma=0.0),
                               _v(core.binary_crossentropy, t, p), rtol=1e-5, atol=1e-6)
    onehot = np.eye(t.shape[1], dtype=np.float32)[np.argmax(t, -1)]
    p = p + 0.01
    np.testing.assert_allclose(_v(L.categorical_focal_crossentropy, onehot, p, gamma=0.0, alpha=1.0),
                               _v(core.categorical_crossentropy, onehot, p), rtol=1e-5, atol=1e-6)


@given(data=pairs(-2.0, 2.0))
def test_huber_is_half_mse_inside_delta(data):
    np.testing.assert_allclose(_v(L.huber, *data, delta=10.0), 0.5 * _v(core.mean_squared_error, *data),
                               rtol=1e-5, atol=1e-6)


# -- gradients --------------------------------------------------------------------------
def _real(rng, shape):
    return rng.uniform(0.3, 2.0, shape), rng.uniform(-1.0, 3.0, shape)


def _labels(rng, shape, low=0.05, high=0.95):
    return (rng.rand(*shape) > 0.5) * 1.0, rng.uniform(low, high, shape)


def _onehot(rng, shape, low=0.05, high=1.0):
    return np.eye(shape[1])[rng.randint(0, shape[1], shape[0])], rng.uniform(low, high, shape)


# (function, kwargs, inputs, whether y_true is differentiable: not for labels)
GRADIENT_CASES = [
    (L.mean_absolute_error, {}, _real, True),
    (L.mean_absolute_percentage_error, {}, _real, True),
    (L.mean_squared_logarithmic_error, {}, _real, True),
    (L.hinge, {}, lambda r, s: (_labels(r, s)[0], r.normal(size=s)), False),
    (L.squared_hinge, {}, lambda r, s: (2 * _labels(r, s)[0] - 1, r.normal(size=s)), False),
    (L.categorical_hinge, {}, lambda r, s: (_onehot(r, s)[0], r.normal(size=s)), False),
    (L.log_cosh, {}, lambda r, s: (r.normal(size=s), 4 * r.normal(size=s)), True),
    (L.huber, {'delta': 0.7}, lambda r, s: (r.normal(size=s), 2 * r.normal(size=s)), True),
    (L.kl_divergence, {}, lambda r, s: (r.uniform(0.05, 0.9, s), r.uniform(0.05, 0.9, s)), True),
    (L.poisson, {}, lambda r, s: (r.poisson(2.0, s) * 1.0, r.uniform(0.2, 3.0, s)), True),
    (L.cosine_similarity, {}, _real, True),
    (L.cosine_similarity, {'axis': 0}, _real, True),
    (L.binary_focal_crossentropy, {}, _labels, False),
    (L.binary_focal_crossentropy, {'apply_class_balancing': True, 'gamma': 1.5, 'label_smoothing': 0.2},
     _labels, False),
    (L.binary_focal_crossentropy, {'from_logits': True}, lambda r, s: (_labels(r, s)[0], 3 * r.normal(size=s)),
     False),
    (L.categorical_focal_crossentropy, {}, _onehot, False),
    (L.categorical_focal_crossentropy, {'alpha': [0.5, 0.2, 0.3], 'label_smoothing': 0.1}, _onehot, False),
    (L.categorical_focal_crossentropy, {'from_logits': True, 'gamma': 3.0},
     lambda r, s: (_onehot(r, s)[0], 3 * r.normal(size=s)), False),
]


@pytest.mark.parametrize('fn, kwargs, make, true_differentiable', GRADIENT_CASES,
                         ids=['%s-%d' % (c[0].__name__, i) for i, c in enumerate(GRADIENT_CASES)])
@given(seed=st.integers(0, 2 ** 16))
def test_gradients_match_finite_differences(fn, kwargs, make, true_differentiable, seed):
    y_true, y_pred = make(np.random.RandomState(seed), (3, 3))
    check_gradients(lambda t, p: fn(t, p, **kwargs), [y_true, y_pred],
                    differentiable=[true_differentiable, True], noncontiguous=seed % 2 == 1)


def test_every_loss_has_a_gradient_check():
    assert {c[0] for c in GRADIENT_CASES} == {fn for fn, _ in L.losses.REGISTERED if not isinstance(fn, type)}


def test_float64_inputs_stay_float64():
    """Gradient checks depend on it: float64 tensors are not cast down."""
    t, p = Tensor(np.full((2, 3), 0.5)), Tensor(np.full((2, 3), 0.25))
    for fn, _ in L.losses.REGISTERED:
        if not isinstance(fn, type):
            assert fn(t, p).dtype == np.float64, fn.__name__
