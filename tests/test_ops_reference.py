"""``K`` semantics that Keras 2 documents, beyond what the gradient tables check:
shapes of dot/batch_dot, switch, clip, relu, one_hot, conversions, errors and dtypes."""
import numpy as np
import pytest

from kcore import backend as K
from kcore import config
from kcore.autodiff import Tensor


def ones(*shape, dtype=np.float32):
    return Tensor(np.ones(shape, dtype=dtype))


def test_dot_shapes_as_keras_2_documents():
    assert K.int_shape(K.dot(ones(2, 3), ones(4, 3, 5))) == (2, 4, 5)
    assert K.int_shape(K.dot(ones(32, 28, 3), ones(3, 4))) == (32, 28, 4)
    assert K.int_shape(K.dot(ones(2, 3), ones(3))) == (2,)
    x = np.arange(24.0).reshape(2, 3, 4)
    y = np.arange(40.0).reshape(2, 4, 5)
    np.testing.assert_allclose(K.dot(x.astype(np.float32), y.astype(np.float32)).numpy(),
                               np.tensordot(x, y, axes=([2], [1])), rtol=1e-6)


def test_batch_dot_shapes_as_keras_2_documents():
    assert K.int_shape(K.batch_dot(ones(32, 20, 1), ones(32, 30, 20), axes=[1, 2])) == (32, 1, 30)
    assert K.int_shape(K.batch_dot(ones(4, 3), ones(4, 3))) == (4, 1)
    assert K.int_shape(K.batch_dot(ones(4, 3), ones(4, 3), axes=1)) == (4, 1)
    assert K.int_shape(K.batch_dot(ones(4, 2, 3), ones(4, 3, 5))) == (4, 2, 5)
    x = np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32)
    np.testing.assert_allclose(K.batch_dot(x, x).numpy(), [[5.0], [25.0]])


@pytest.mark.parametrize('x, y, axes, message', [
    ((3,), (3,), None, 'rank 2 or more'),
    ((2, 3), (4, 3), None, 'same batch size'),
    ((2, 3), (2, 4), None, 'contracted axes differ in size'),
    ((2, 3), (2, 3), 0, 'batch axis 0'),
    ((2, 3), (2, 3), ((1, 2), 1), 'pair of ints'),
])
def test_batch_dot_errors(x, y, axes, message):
    with pytest.raises(ValueError, match=message):
        K.batch_dot(ones(*x), ones(*y), axes=axes)


def test_var_and_std_divide_by_n():
    x = np.array([[1.0, 2.0, 3.0, 4.0]], dtype=np.float32)
    assert float(K.var(x)) == pytest.approx(1.25)
    assert float(K.std(x)) == pytest.approx(np.sqrt(1.25))
    assert K.int_shape(K.var(x, axis=1, keepdims=True)) == (1, 1)


def test_switch_follows_keras_2():
    then, other = np.ones((3, 2), np.float32), np.zeros((3, 2), np.float32)
    rows = K.switch(np.array([True, False, True]), then, other)  # applies per row, not per column
    np.testing.assert_array_equal(rows.numpy(), [[1, 1], [0, 0], [1, 1]])
    np.testing.assert_array_equal(K.switch(True, lambda: then, lambda: other).numpy(), then)
    np.testing.assert_array_equal(K.switch(np.array(False), then, other).numpy(), other)
    with pytest.raises(ValueError, match='condition has rank 3'):
        K.switch(np.ones((3, 2, 1), bool), then, other)


def test_clip_follows_keras_2():
    x = np.array([-2.0, 0.0, 2.0], dtype=np.float32)
    np.testing.assert_array_equal(K.clip(x, -1.0, 1.0).numpy(), [-1, 0, 1])
    np.testing.assert_array_equal(K.clip(x, None, 1.0).numpy(), [-2, 0, 1])
    np.testing.assert_array_equal(K.clip(x, 1.0, -1.0).numpy(), [1, 1, 1])  # max < min: max becomes min


def test_relu_variants_follow_keras_2():
    x = np.array([-3.0, -1.0, 0.0, 0.5, 2.0, 7.0], dtype=np.float32)
    np.testing.assert_allclose(K.relu(x).numpy(), [0, 0, 0, 0.5, 2, 7])
    np.testing.assert_allclose(K.relu(x, alpha=0.1).numpy(), [-0.3, -0.1, 0, 0.5, 2, 7])
    np.testing.assert_allclose(K.relu(x, max_value=6.0).numpy(), [0, 0, 0, 0.5, 2, 6])
    np.testing.assert_allclose(K.relu(x, threshold=1.0).numpy(), [0, 0, 0, 0, 2, 7])
    np.testing.assert_allclose(K.relu(x, alpha=0.5, max_value=5.0, threshold=1.0).numpy(),
                               [-2, -1, -0.5, -0.25, 2, 5], rtol=1e-6)
    assert K.relu(x, alpha=0.1, max_value=1.0).dtype == np.float32


def test_one_hot():
    out = K.one_hot(np.array([[0, 2], [1, 1]]), 3)
    assert out.shape == (2, 2, 3) and out.dtype == np.float32
    np.testing.assert_array_equal(out.numpy()[0], [[1, 0, 0], [0, 0, 1]])
    assert K.one_hot([1.0, 0.0], 2).numpy().tolist() == [[0, 1], [1, 0]]


def test_gather_converts_indices():
    ref = np.arange(6.0, dtype=np.float32).reshape(3, 2)
    np.testing.assert_array_equal(K.gather(ref, [2, 0]).numpy(), [[4, 5], [0, 1]])
    np.testing.assert_array_equal(K.gather(ref, np.array([1.0])).numpy(), [[2, 3]])


def test_shape_facts():
    t = ones(2, 3)
    assert K.shape(t) == (2, 3) and K.int_shape(t) == (2, 3) and K.ndim(t) == 2
    assert K.dtype(t) == 'float32' and K.count_params(t) == 6
    assert K.int_shape(np.zeros((4,))) == (4,)
    assert K.is_tensor(t) and not K.is_tensor(np.zeros(2))
    assert K.epsilon() == config.epsilon()


def test_conversions_respect_floatx():
    a = K.as_array(np.zeros(2))  # float64 NumPy data becomes floatx
    assert a.dtype == np.float32
    assert K.as_array(np.zeros(2, np.float16)).dtype == np.float16  # explicit float types are kept
    assert K.as_array([1, 2]).dtype.kind == 'i'
    assert K.as_array([1, 2], dtype='float64').dtype == np.float64
    t = ones(2)
    assert K.to_tensor(t) is t
    assert K.to_tensor(t, dtype='float64').dtype == np.float64


def test_python_and_numpy_scalars_keep_float32():
    x = ones(3)
    for value in (0.5, 2, np.float64(0.5), np.float32(0.5), np.int64(2)):
        for fn in (K.maximum, K.minimum, K.add, K.multiply, K.pow, K.divide):
            assert fn(x, value).dtype == np.float32, (fn.__name__, type(value))
    assert K.switch(np.array([True, False, True]), x, 0.0).dtype == np.float32
    assert K.clip(x, np.float64(0.0), np.float64(1.0)).dtype == np.float32


def test_ops_accept_lists_and_arrays():
    assert float(K.sum([1.0, 2.0, 3.0])) == 6.0
    assert K.sum([1.0, 2.0]).dtype == np.float32
    np.testing.assert_array_equal(K.concatenate([np.ones((1, 2)), ones(1, 2)], axis=0).numpy(), np.ones((2, 2)))
    assert K.mean(np.arange(4.0)).dtype == np.float32


def test_float64_mode_keeps_float64():
    old = config.floatx()
    config.set_floatx('float64')
    try:
        assert K.as_array(np.zeros(2)).dtype == np.float64
        assert K.one_hot([0], 2).dtype == np.float64
        assert K.variable([1, 2]).dtype == np.float64
    finally:
        config.set_floatx(old)
