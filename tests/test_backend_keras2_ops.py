"""Keras 2's K functions that kcore's op set lacked (issue 19): values against NumPy, gradients
against finite differences, and recording on symbolic tensors."""
import numpy as np
import pytest

import kcore
from kcore import backend as K
from kcore.testing import check_gradients

RNG = np.random.default_rng(0)


def test_crossentropies_take_keras_2_arguments():
    t = np.array([[0, 1, 0], [1, 0, 0]], 'float64')
    o = np.array([[0.2, 0.7, 0.1], [0.5, 0.4, 0.1]], 'float64')
    want = -np.log([0.7, 0.5])
    np.testing.assert_allclose(np.asarray(K.categorical_crossentropy(t, o)), want, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(K.categorical_crossentropy(t, 2 * o)), want, rtol=1e-6)  # rescaled
    logits = np.log(o)
    np.testing.assert_allclose(np.asarray(K.categorical_crossentropy(t, logits, from_logits=True)), want, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(K.sparse_categorical_crossentropy(np.array([[1], [0]]), o)), want,
                               rtol=1e-6)
    y, p = np.array([1.0, 0.0, 1.0]), np.array([0.9, 0.2, 0.4])
    bce = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    np.testing.assert_allclose(np.asarray(K.binary_crossentropy(y, p)), bce, rtol=1e-6)
    x = np.log(p / (1 - p))
    np.testing.assert_allclose(np.asarray(K.binary_crossentropy(y, x, from_logits=True)), bce, rtol=1e-6)
    assert np.isfinite(np.asarray(K.binary_crossentropy(np.array([1.0]), np.array([-500.0]), from_logits=True))).all()


@pytest.mark.parametrize('fn', [
    lambda o: K.categorical_crossentropy(np.eye(3)[[0, 2]], o),
    lambda o: K.categorical_crossentropy(np.eye(3)[[0, 2]], o, from_logits=True),
    lambda o: K.binary_crossentropy(np.array([[1.0, 0.0, 1.0]] * 2), o),
    lambda o: K.binary_crossentropy(np.array([[1.0, 0.0, 1.0]] * 2), o, from_logits=True),
    lambda o: K.temporal_padding(K.reshape(o, (1, 2, 3)), (2, 1)),
    lambda o: K.slice(o, [0, 1], [-1, 2])])
def test_gradients(fn):
    check_gradients(fn, [RNG.uniform(0.1, 0.9, (2, 3))])


def test_paddings_slice_size_and_top_k():
    x = RNG.random((2, 3, 4, 5))
    assert K.spatial_2d_padding(x, ((1, 0), (2, 2))).shape == (2, 4, 8, 5)
    assert K.spatial_2d_padding(x, ((1, 0), (2, 2)), data_format='channels_first').shape == (2, 3, 5, 9)
    assert K.spatial_3d_padding(RNG.random((1, 2, 2, 2, 1))).shape == (1, 4, 4, 4, 1)
    np.testing.assert_allclose(np.asarray(K.slice(x, [1, 0, 2, 0], [1, -1, 2, 3])), x[1:2, :, 2:4, 0:3], rtol=1e-6)
    assert K.size(x) == 120
    p = np.array([[0.1, 0.5, 0.4], [0.3, 0.3, 0.4]])
    np.testing.assert_array_equal(K.in_top_k(p, np.array([2, 0]), 1), [False, False])
    np.testing.assert_array_equal(K.in_top_k(p, np.array([2, 0]), 2), [True, True])  # a tie counts as in
    with pytest.raises(ValueError, match='same length'):
        K.slice(x, [0], [1, 2])


def test_names_and_graph_helpers():
    K.reset_uids()
    assert [K.get_uid('dense'), K.get_uid('dense'), K.get_uid('conv')] == [1, 2, 1]
    K.reset_uids()
    assert K.get_uid('dense') == 1
    with K.name_scope('block'):
        assert K.is_variable(K.variable(np.ones(2))) and not K.is_variable(np.ones(2))
    assert K.symbolic(len) is len and K.eager(len) is len and not K.is_sparse(np.ones(1))
    old = K.image_data_format()
    try:
        K.set_image_dim_ordering('th')
        assert K.image_data_format() == 'channels_first' and K.image_dim_ordering() == 'th'
    finally:
        K.set_image_data_format(old)
    assert K.normalize_data_format(None) == old


def test_recorded_on_symbolic_tensors_and_saved():
    a = kcore.Input((5, 3))
    model = kcore.Model(a, K.slice(K.temporal_padding(a, (1, 2)), [0, 0, 1], [-1, 4, 2]))
    x = RNG.random((2, 5, 3)).astype('float32')
    np.testing.assert_allclose(model.predict(x), np.pad(x, ((0, 0), (1, 2), (0, 0)))[:, :4, 1:3])
    clone = kcore.models.model_from_json(model.to_json())
    np.testing.assert_allclose(clone.predict(x), model.predict(x))
