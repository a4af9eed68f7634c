"""Every architecture against Keras's own: layer names, classes, order and weight shapes
(``fixtures/keras_applications_layers.json.gz``, written by keras_applications 1.0.8,
see tools/make_keras_application_fixtures.py), parameter counts and output shapes."""
import gzip
import importlib
import json
import os

import numpy as np
import pytest

import kcore.applications
from kcore.utils import naming

from conftest import FIXTURES

with gzip.open(os.path.join(FIXTURES, 'keras_applications_layers.json.gz'), 'rt') as _f:
    KERAS = json.load(_f)['models']

#: the parameter counts of Keras's documentation table (with the classifier)
PARAMS = {
    'vgg16.VGG16': 138_357_544, 'vgg19.VGG19': 143_667_240, 'resnet50.ResNet50': 25_636_712,
    'resnet.ResNet50': 25_636_712, 'resnet.ResNet101': 44_707_176, 'resnet.ResNet152': 60_419_944,
    'resnet_v2.ResNet50V2': 25_613_800, 'resnet_v2.ResNet101V2': 44_675_560, 'resnet_v2.ResNet152V2': 60_380_648,
    'resnext.ResNeXt50': 25_097_128, 'resnext.ResNeXt101': 44_315_560, 'inception_v3.InceptionV3': 23_851_784,
    'inception_resnet_v2.InceptionResNetV2': 55_873_736, 'xception.Xception': 22_910_480,
    'mobilenet.MobileNet': 4_253_864, 'mobilenet_v2.MobileNetV2': 3_538_984, 'densenet.DenseNet121': 8_062_504,
    'densenet.DenseNet169': 14_307_880, 'densenet.DenseNet201': 20_242_984, 'nasnet.NASNetMobile': 5_326_716,
    'nasnet.NASNetLarge': 88_949_818,
}
#: where kcore deliberately uses another class (no weights, same name): see inception_resnet_v2's docstring
CLASS_SUBSTITUTES = {('Lambda', 'CustomScaleLayer')}


def _constructor(key):
    module, name = key.split('.')
    return getattr(importlib.import_module('kcore.applications.' + module), name)


@pytest.mark.parametrize('key', sorted(PARAMS))
def test_architecture_is_keras_layer_for_layer(key, fast_random):
    naming.reset()
    model = _constructor(key)(weights=None)
    keras = KERAS[key]
    assert model.count_params() == PARAMS[key] == keras['params']
    assert list(model.output_shape) == keras['output_shape'] == [None, 1000]
    assert model.name == keras['name']
    assert len(model.layers) == len(keras['layers'])
    for i, (layer, (name, cls, shapes)) in enumerate(zip(model.layers, keras['layers'])):
        where = '%s layer #%d (%s)' % (key, i, layer.name)
        if name is not None:
            assert layer.name == name, where
        assert type(layer).__name__ == cls or (cls, type(layer).__name__) in CLASS_SUBSTITUTES, where
        assert [list(w.shape) for w in layer.weights] == shapes, where


@pytest.mark.parametrize('key, kwargs, shape', [
    ('vgg16.VGG16', {'include_top': False, 'input_shape': (32, 32, 3)}, (None, 1, 1, 512)),
    ('vgg19.VGG19', {'include_top': False, 'pooling': 'max', 'input_shape': (48, 64, 3)}, (None, 512)),
    ('resnet.ResNet50', {'include_top': False, 'pooling': 'avg', 'input_shape': (32, 32, 3)}, (None, 2048)),
    ('resnet_v2.ResNet50V2', {'include_top': False, 'input_shape': (64, 64, 3)}, (None, 2, 2, 2048)),
    ('resnext.ResNeXt50', {'include_top': False, 'pooling': 'avg', 'input_shape': (32, 32, 3)}, (None, 2048)),
    ('inception_v3.InceptionV3', {'include_top': False, 'pooling': 'avg', 'input_shape': (75, 75, 3)}, (None, 2048)),
    ('inception_resnet_v2.InceptionResNetV2', {'include_top': False, 'input_shape': (75, 75, 3)},
     (None, 1, 1, 1536)),
    ('xception.Xception', {'include_top': False, 'pooling': 'avg', 'input_shape': (71, 71, 3)}, (None, 2048)),
    ('mobilenet.MobileNet', {'include_top': False, 'alpha': 0.5, 'input_shape': (None, None, 3)},
     (None, None, None, 512)),
    ('mobilenet_v2.MobileNetV2', {'alpha': 0.35, 'classes': 7, 'input_shape': (96, 96, 3)}, (None, 7)),
    ('densenet.DenseNet121', {'include_top': False, 'pooling': 'avg'}, (None, 1024)),
    ('nasnet.NASNetMobile', {'include_top': False, 'pooling': 'avg', 'input_shape': (32, 32, 3)}, (None, 1056)),
])
def test_without_the_classifier_any_size_and_pooling(key, kwargs, shape, fast_random):
    model = _constructor(key)(weights=None, **kwargs)
    assert model.output_shape == shape


def test_small_models_predict_the_shapes_they_declare():
    model = kcore.applications.MobileNetV2(weights=None, alpha=0.35, input_shape=(32, 32, 3), classes=5)
    y = model.predict(np.random.RandomState(0).uniform(-1, 1, (2, 32, 32, 3)).astype('float32'), verbose=0)
    assert y.shape == (2, 5) and y.dtype == np.float32
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-5)


def test_input_tensor_is_used_and_the_model_starts_at_its_input():
    inputs = kcore.layers.Input(shape=(32, 32, 3))
    model = kcore.applications.MobileNet(weights=None, alpha=0.25, include_top=False, input_tensor=inputs)
    assert model.inputs == [inputs] and model.output_shape == (None, 1, 1, 256)


def test_resnet50_without_pooling_warns_as_keras():
    with pytest.warns(UserWarning, match='has been changed since Keras 2.2.0'):
        kcore.applications.ResNet50(weights=None, include_top=False, input_shape=(32, 32, 3))


def test_unusual_channel_counts_warn_as_keras():
    with pytest.warns(UserWarning, match='usually expects 1 or 3 input channels'):
        kcore.applications.MobileNet(weights=None, include_top=False, alpha=0.25, input_shape=(32, 32, 5))


@pytest.mark.parametrize('call, match', [
    (lambda A: A.VGG16(weights='no/such/file.h5'), "should be either `None`.*no/such/file.h5"),
    (lambda A: A.VGG16(weights='imagenet', classes=10), 'classes` should be 1000'),
    (lambda A: A.ResNet50(weights=None, include_top=False, input_shape=(16, 16, 3)), 'at least 32x32'),
    (lambda A: A.InceptionV3(weights=None, include_top=False, input_shape=(64, 64, 3)), 'at least 75x75'),
    (lambda A: A.Xception(weights=None, input_shape=(None, None, 3)), 'static `input_shape`'),
    (lambda A: A.VGG16(weights=None, input_shape=(32, 32)), 'tuple of three integers'),
    (lambda A: A.VGG16(weights='imagenet', input_shape=(64, 64, 3)), 'should be \\(224, 224, 3\\)'),
    (lambda A: A.MobileNet(weights='imagenet', alpha=0.3), 'alpha can be one of'),
    (lambda A: A.MobileNet(weights='imagenet', depth_multiplier=2), 'depth multiplier must be 1'),
    (lambda A: A.MobileNetV2(weights='imagenet', alpha=0.6), 'alpha can be one of'),
    (lambda A: A.DenseNet121(weights=None, pooling='mean', include_top=False), "pooling must be None, 'avg'"),
    (lambda A: A.NASNetMobile(weights='imagenet', input_shape=(None, None, 3)), 'must be static'),
])
def test_bad_arguments_are_refused_with_keras_messages(call, match):
    with pytest.raises(ValueError, match=match):
        call(kcore.applications)


def test_unknown_keyword_arguments_are_refused():
    with pytest.raises(TypeError, match='unexpected keyword argument.*backend'):
        kcore.applications.VGG16(weights=None, backend=object())


def test_input_tensor_must_be_symbolic():
    with pytest.raises(TypeError, match='symbolic tensor'):
        kcore.applications.MobileNet(weights=None, input_tensor=np.zeros((1, 32, 32, 3)))
