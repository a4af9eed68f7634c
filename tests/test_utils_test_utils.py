"""kcore.utils.test_utils: Keras 2.3's layer_test and get_test_data, as Keras's own layer tests
call them (issue 19)."""
import numpy as np
import pytest

import kcore
from kcore.utils.test_utils import get_test_data, layer_test


def test_get_test_data_shapes_and_learnable_labels():
    np.random.seed(0)
    (x_train, y_train), (x_test, y_test) = get_test_data(num_train=60, num_test=20, input_shape=(4,),
                                                         num_classes=3)
    assert x_train.shape == (60, 4) and x_test.shape == (20, 4) and x_train.dtype == np.float32
    assert y_train.shape == (60,) and set(np.unique(y_train)) <= {0, 1, 2}
    means = [x_train[y_train == c].mean() for c in range(3)]
    assert means[0] < means[1] < means[2]  # the label sets the inputs' mean
    (x, y), _ = get_test_data(num_train=5, num_test=1, input_shape=(2, 3), output_shape=(4,), classification=False)
    assert x.shape == (5, 2, 3) and y.shape == (5, 4) and y.dtype == np.float32


def test_layer_test_returns_the_output_and_checks_expected_values():
    x = np.arange(6, dtype='float32').reshape(2, 3)
    out = layer_test(kcore.layers.Dense, {'units': 2, 'kernel_initializer': 'ones', 'bias_initializer': 'zeros'},
                     input_data=x, expected_output=x.sum(axis=1, keepdims=True).repeat(2, axis=1))
    assert out.shape == (2, 2)
    with pytest.raises(AssertionError):
        layer_test(kcore.layers.Dense, {'units': 2, 'kernel_initializer': 'ones'}, input_data=x,
                   expected_output=np.zeros((2, 2)))


def test_layer_test_unknown_sizes_dtypes_and_fixed_batch():
    assert layer_test(kcore.layers.Dropout, {'rate': 0.5}, input_shape=(3, None, 2)).shape[::2] == (3, 2)
    out = layer_test(kcore.layers.Embedding, {'input_dim': 10, 'output_dim': 3}, input_shape=(2, 4),
                     input_dtype='int32', expected_output_dtype='float32')
    assert out.shape == (2, 4, 3)
    assert layer_test(kcore.layers.Flatten, {}, input_shape=(2, 3, 4), fixed_batch_size=True).shape == (2, 12)
    with pytest.raises(AssertionError, match='output dtype float32, expected int32'):
        layer_test(kcore.layers.Embedding, {'input_dim': 10, 'output_dim': 3}, input_shape=(2, 4),
                   input_dtype='int32')


class WrongShape(kcore.layers.Layer):
    """Sums the last axis but declares 7 columns."""

    def call(self, inputs):
        return kcore.backend.sum(inputs, axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 7)


def test_layer_test_catches_a_wrong_compute_output_shape():
    with kcore.utils.custom_object_scope({'WrongShape': WrongShape}):
        with pytest.raises(AssertionError, match='compute_output_shape'):
            layer_test(WrongShape, {}, input_shape=(2, 3, 4))
