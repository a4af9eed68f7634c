"""The pinball loss against its NumPy formula, and through kcore's loss kit."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import kcore
from kcore.testing import loss_test
from kcore.testing import strategies as kst
from kcore_mylayer.losses import PinballLoss, pinball_loss

QUANTILES = st.floats(0.01, 0.99)
REAL_VALUES = {'shape': (4, 3), 'y_true_range': (-2.0, 2.0), 'y_pred_range': (-2.0, 2.0)}


def pinball_reference(y_true, y_pred, quantile):
    """Koenker's check function, averaged over the last axis, in float64."""
    error = y_true.astype(np.float64) - y_pred.astype(np.float64)
    return np.where(error >= 0, quantile * error, (quantile - 1.0) * error).mean(axis=-1)


@given(data=kst.loss_inputs(REAL_VALUES), quantile=QUANTILES)
def test_pinball_loss_matches_the_formula(data, quantile):
    y_true, y_pred = data
    got = loss_test(pinball_loss, {'quantile': quantile}, y_true=y_true, y_pred=y_pred)
    np.testing.assert_allclose(got, pinball_reference(y_true, y_pred, quantile), rtol=1e-5, atol=1e-6)


@given(data=kst.loss_inputs(REAL_VALUES), quantile=QUANTILES)
def test_the_class_weighs_and_reduces_the_same_values(data, quantile):
    y_true, y_pred = data
    per_sample = loss_test(PinballLoss, {'quantile': quantile}, y_true=y_true, y_pred=y_pred)
    np.testing.assert_allclose(per_sample, pinball_reference(y_true, y_pred, quantile), rtol=1e-5, atol=1e-6)
    weights = np.linspace(0.5, 1.5, len(y_true)).astype('float32')
    total = PinballLoss(quantile, reduction='sum')(y_true, y_pred, sample_weight=weights)
    np.testing.assert_allclose(float(total), (per_sample * weights).sum(), rtol=1e-5)


@given(data=kst.loss_inputs(REAL_VALUES), quantile=QUANTILES)
def test_over_predicting_costs_more_below_the_median(data, quantile):
    # the asymmetry that makes it a quantile loss: q weighs under-, 1 - q over-prediction
    y_true, _ = data
    shift = np.float32(0.5)
    over = pinball_reference(y_true, y_true + shift, quantile)
    under = pinball_reference(y_true, y_true - shift, quantile)
    np.testing.assert_allclose(over / under, (1 - quantile) / quantile, rtol=1e-5)


def test_the_default_quantile_is_half_the_mean_absolute_error():
    y_true, y_pred = np.array([[1.0, -2.0]], 'float32'), np.array([[0.0, 0.0]], 'float32')
    loss_test(pinball_loss, y_true=y_true, y_pred=y_pred, expected_output=[0.75])


def test_names_resolve_through_kcore():
    assert kcore.losses.get('pinball_loss') is pinball_loss
    assert kcore.losses.get('quantile_loss') is pinball_loss
    assert isinstance(kcore.losses.get('PinballLoss'), PinballLoss)


def test_a_quantile_outside_zero_one_is_a_clear_error():
    with pytest.raises(ValueError, match=r'quantile must be in \(0, 1\). Received: quantile=1.5'):
        PinballLoss(quantile=1.5)
