"""``K.resize_images`` / ``K.resize_volumes`` (Keras 2 signatures), registered by kcore-conv on its
up-sampling kernels: values against NumPy's repeat, gradients against finite differences."""
import numpy as np
import pytest

from kcore import backend as K
from kcore.errors import ShapeError
from kcore.testing import check_gradients

RNG = np.random.default_rng(0)


def test_resize_images_repeats_rows_and_columns_in_either_format():
    x = RNG.normal(size=(2, 3, 4, 5)).astype('float32')
    want = x.repeat(2, axis=1).repeat(3, axis=2)
    np.testing.assert_array_equal(K.eval(K.resize_images(x, 2, 3, 'channels_last')), want)
    xf = x.transpose(0, 3, 1, 2)
    got = K.eval(K.resize_images(xf, 2, 3, 'channels_first'))
    np.testing.assert_array_equal(got, want.transpose(0, 3, 1, 2))
    bilinear = K.eval(K.resize_images(x, 2, 2, 'channels_last', interpolation='bilinear'))
    assert bilinear.shape == (2, 6, 8, 5)
    np.testing.assert_allclose(bilinear.mean(), x.mean(), atol=0.1)
    with pytest.raises(ValueError, match='interpolation'):
        K.resize_images(x, 2, 2, 'channels_last', interpolation='cubic')
    with pytest.raises(ShapeError, match='K.resize_images'):
        K.resize_images(x[0], 2, 2, 'channels_last')


def test_resize_volumes_repeats_three_axes():
    x = RNG.normal(size=(1, 2, 3, 2, 4)).astype('float32')
    want = x.repeat(2, axis=1).repeat(1, axis=2).repeat(3, axis=3)
    np.testing.assert_array_equal(K.eval(K.resize_volumes(x, 2, 1, 3, 'channels_last')), want)
    with pytest.raises(ShapeError, match='K.resize_volumes'):
        K.resize_volumes(x[..., 0], 2, 1, 3, 'channels_last')


@pytest.mark.parametrize('fn, shape', [
    (lambda x: K.resize_images(x, 2, 3, 'channels_last'), (1, 2, 3, 2)),
    (lambda x: K.resize_images(x, 2, 2, 'channels_first', interpolation='bilinear'), (1, 2, 3, 3)),
    (lambda x: K.resize_volumes(x, 2, 2, 1, 'channels_first'), (1, 2, 2, 2, 2))])
def test_resize_gradients(fn, shape):
    check_gradients(fn, [RNG.normal(size=shape)])
