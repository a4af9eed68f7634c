"""kcore.testing.loss_test: it passes good losses and catches each kind of broken one."""
import numpy as np
import pytest
from hypothesis import given

from kcore import backend as K
from kcore.autodiff import apply
from kcore.losses import Loss, LossFunctionWrapper, mean_squared_error
from kcore.plugins import register, registered, unregister
from kcore.testing import loss_test
from kcore.testing import strategies as kst
from kcore.testing.loss_test import check_loss_trains, check_loss_values


def scaled_error(y_true, y_pred, scale=1.0):
    """A correct loss with an argument: ``scale * mean(|y_pred - y_true|**3)``."""
    return scale * K.mean(K.abs(y_pred - y_true) ** 3, axis=-1)


class ScaledError(LossFunctionWrapper):
    def __init__(self, scale=1.0, reduction='sum_over_batch_size', name='scaled_error'):
        super().__init__(scaled_error, reduction=reduction, name=name, scale=scale)


@given(data=kst.loss_inputs({'shape': (3, 4), 'y_true_range': (-1, 1), 'y_pred_range': (-1, 1)}))
def test_values_are_returned_and_match_a_formula(data):
    y_true, y_pred = data
    got = loss_test(mean_squared_error, y_true=y_true, y_pred=y_pred)
    np.testing.assert_allclose(got, ((y_pred - y_true) ** 2).mean(-1), rtol=1e-5)
    assert got.dtype == np.float32


def test_functions_and_classes_with_arguments_pass_registered_or_not():
    loss_test(scaled_error, {'scale': 2.0})
    loss_test(ScaledError, {'scale': 0.5}, example={'shape': (3, 2, 4)})
    with registered(ScaledError), registered(scaled_error, kind='losses'):
        loss_test(ScaledError)
        loss_test(scaled_error)


def test_expected_output_and_shape_are_checked():
    y_true, y_pred = np.zeros((2, 3), 'float32'), np.full((2, 3), 0.5, 'float32')
    loss_test(mean_squared_error, y_true=y_true, y_pred=y_pred, expected_output=[0.25, 0.25])
    with pytest.raises(AssertionError, match='expected_output'):
        loss_test(mean_squared_error, y_true=y_true, y_pred=y_pred, expected_output=[0.5, 0.5])
    with pytest.raises(AssertionError, match=r'per-sample losses have shape \(2,\), expected \(2, 1\)'):
        loss_test(mean_squared_error, y_true=y_true, y_pred=y_pred, expected_shape=(2, 1))


def test_a_loss_that_reduces_the_batch_is_caught():
    def batch_mean(y_true, y_pred):
        return K.mean(K.square(y_pred - y_true))
    with pytest.raises(AssertionError, match='one value per sample'):
        loss_test(batch_mean)


def test_a_silent_float64_upcast_is_caught():
    def upcast(y_true, y_pred):
        return K.mean(K.square(K.cast(y_pred, 'float64') - K.cast(y_true, 'float64')), axis=-1)
    with pytest.raises(AssertionError, match='no silent up-casts'):
        loss_test(upcast)


def test_a_non_finite_loss_is_caught():
    def overflowing(y_true, y_pred):
        return K.mean(y_pred * float('inf') + y_true, axis=-1)
    with pytest.raises(AssertionError, match='not finite'):
        loss_test(overflowing)


def test_a_class_that_breaks_reductions_or_sample_weights_is_caught():
    class IgnoresWeights(ScaledError):
        def __call__(self, y_true, y_pred, sample_weight=None):
            return super().__call__(y_true, y_pred)

    class AveragesTwice(ScaledError):
        def __call__(self, y_true, y_pred, sample_weight=None):
            out = super().__call__(y_true, y_pred, sample_weight)
            return out / 2.0 if self.reduction == 'sum_over_batch_size' else out

    class PerBatch(ScaledError):
        def __call__(self, y_true, y_pred, sample_weight=None):
            return K.sum(self.call(y_true, y_pred))
    with pytest.raises(AssertionError, match=r'sample_weight of shape \(batch,\)'):
        loss_test(IgnoresWeights)
    with pytest.raises(AssertionError, match="reduction='sum_over_batch_size'"):
        loss_test(AveragesTwice)
    with pytest.raises(AssertionError, match='one value per sample'):
        loss_test(PerBatch)


def test_a_class_that_forgets_an_argument_in_its_config_is_caught():
    class Forgetful(ScaledError):
        def get_config(self):
            return Loss.get_config(self)
    with pytest.raises(AssertionError, match='from_config'):
        loss_test(Forgetful, {'scale': 3.0})


def test_a_class_without_its_reduction_in_the_config_is_caught():
    class NoReduction(ScaledError):
        def get_config(self):
            return {'scale': self._fn_kwargs['scale']}
    with pytest.raises(AssertionError, match='must hold the reduction'):
        loss_test(NoReduction)


def test_a_wrong_gradient_is_caught():
    def bad_square(x):
        return x * x, lambda g, needs: (g * x,)  # should be 2 * g * x
    register(bad_square, kind='kernels', name='bad_square_for_loss_test')
    try:
        def bad_mse(y_true, y_pred):
            return K.mean(apply('bad_square_for_loss_test', y_pred - y_true), axis=-1)
        with pytest.raises(AssertionError, match='gradient mismatch'):
            loss_test(bad_mse)
    finally:
        unregister(bad_square, kind='kernels')


def test_a_loss_that_does_not_reach_the_predictions_does_not_train():
    def detached(y_true, y_pred):
        return K.mean(K.square(K.stop_gradient(y_pred) - y_true), axis=-1)
    loss_test(detached, checks=[check_loss_values])
    with pytest.raises(AssertionError, match='did not lower the loss'):
        loss_test(detached, checks=[check_loss_values, check_loss_trains])


def test_class_index_targets_through_an_example():
    from kcore.losses import sparse_categorical_crossentropy
    example = {'y_true_shape': (4,), 'y_true_dtype': 'int32', 'y_true_range': (0, 3), 'shape': (4, 3)}
    out = loss_test(sparse_categorical_crossentropy, example=example)
    assert out.shape == (4,)


def test_bad_arguments_are_refused():
    with pytest.raises(TypeError, match='Loss subclass'):
        loss_test(int)
    with pytest.raises(TypeError, match='both y_true and y_pred'):
        loss_test(mean_squared_error, y_true=np.zeros((2, 3)))
