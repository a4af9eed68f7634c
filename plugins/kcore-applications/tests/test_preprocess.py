"""preprocess_input in Keras's three modes, on arrays and on symbolic tensors."""
import numpy as np
import pytest

import kcore
from kcore.applications import (densenet, imagenet_utils, inception_v3, mobilenet, mobilenet_v2, nasnet, resnet,
                                resnet50, resnet_v2, resnext, vgg16, vgg19, xception)

RGB = np.array([[[[10., 20., 30.], [255., 0., 127.5]]]], dtype='float32')  # (1, 1, 2, 3)


def test_caffe_mode_flips_to_bgr_and_subtracts_the_imagenet_mean():
    out = imagenet_utils.preprocess_input(RGB.copy(), mode='caffe')
    expected = RGB[..., ::-1] - np.array([103.939, 116.779, 123.68], dtype='float32')
    np.testing.assert_allclose(out, expected, rtol=1e-6)


def test_tf_mode_scales_to_minus_one_one():
    np.testing.assert_allclose(imagenet_utils.preprocess_input(RGB.copy(), mode='tf'), RGB / 127.5 - 1, rtol=1e-6)


def test_torch_mode_scales_then_normalizes_per_channel():
    out = imagenet_utils.preprocess_input(RGB.copy(), mode='torch')
    expected = (RGB / 255. - np.array([0.485, 0.456, 0.406])) / np.array([0.229, 0.224, 0.225])
    np.testing.assert_allclose(out, expected, rtol=1e-5)


def test_channels_first_acts_on_axis_1_and_one_image_works_too():
    batch = np.transpose(RGB, (0, 3, 1, 2)).copy()
    out = imagenet_utils.preprocess_input(batch, data_format='channels_first', mode='caffe')
    expected = np.transpose(imagenet_utils.preprocess_input(RGB.copy(), mode='caffe'), (0, 3, 1, 2))
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    single = imagenet_utils.preprocess_input(batch[0].copy(), data_format='channels_first', mode='torch')
    np.testing.assert_allclose(single, imagenet_utils.preprocess_input(batch.copy(), data_format='channels_first',
                                                                       mode='torch')[0], rtol=1e-6)


def test_float_arrays_change_in_place_and_integers_become_floatx():
    x = RGB.copy()
    imagenet_utils.preprocess_input(x, mode='tf')
    np.testing.assert_allclose(x, RGB / 127.5 - 1, rtol=1e-6)
    ints = np.array([[[[0, 255, 10]]]], dtype='uint8')
    out = imagenet_utils.preprocess_input(ints, mode='tf')
    assert out.dtype == np.float32 and ints.dtype == np.uint8


@pytest.mark.parametrize('module, mode', [
    (vgg16, 'caffe'), (vgg19, 'caffe'), (resnet50, 'caffe'), (resnet, 'caffe'), (resnet_v2, 'tf'),
    (resnext, 'torch'), (inception_v3, 'tf'), (xception, 'tf'), (mobilenet, 'tf'), (mobilenet_v2, 'tf'),
    (densenet, 'torch'), (nasnet, 'tf')])
def test_each_module_uses_keras_mode(module, mode):
    np.testing.assert_allclose(module.preprocess_input(RGB.copy()),
                               imagenet_utils.preprocess_input(RGB.copy(), mode=mode), rtol=1e-6)


@pytest.mark.parametrize('mode', ['caffe', 'tf', 'torch'])
def test_symbolic_tensors_give_the_same_values_inside_a_model(mode):
    inputs = kcore.layers.Input(shape=(1, 2, 3))
    model = kcore.Model(inputs, imagenet_utils.preprocess_input(inputs, mode=mode))
    np.testing.assert_allclose(model.predict(RGB, verbose=0),
                               imagenet_utils.preprocess_input(RGB.copy(), mode=mode), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize('kwargs, match', [
    ({'mode': 'keras'}, 'unknown mode'), ({'data_format': 'nhwc'}, 'unknown data_format'),
    ({'scale': 2}, 'unexpected keyword')])
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        imagenet_utils.preprocess_input(RGB.copy(), **kwargs)


def test_two_axes_are_not_an_image():
    with pytest.raises(ValueError, match='3 axes'):
        imagenet_utils.preprocess_input(np.zeros((4, 3), 'float32'), mode='caffe')
