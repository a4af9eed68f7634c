"""kcore.applications resolves through the registries: names, modules, signatures, and
what a user sees without the plugin."""
import importlib
import inspect
import os
import subprocess
import sys

import pytest

import kcore
import kcore.applications
from kcore.plugins import registry

#: keras.applications in Keras 2.3.1: what each name is, with its module
KERAS_NAMES = {
    'VGG16': 'vgg16', 'VGG19': 'vgg19', 'ResNet50': 'resnet50', 'InceptionV3': 'inception_v3',
    'InceptionResNetV2': 'inception_resnet_v2', 'Xception': 'xception', 'MobileNet': 'mobilenet',
    'MobileNetV2': 'mobilenet_v2', 'DenseNet121': 'densenet', 'DenseNet169': 'densenet', 'DenseNet201': 'densenet',
    'NASNetMobile': 'nasnet', 'NASNetLarge': 'nasnet', 'ResNet101': 'resnet', 'ResNet152': 'resnet',
    'ResNet50V2': 'resnet_v2', 'ResNet101V2': 'resnet_v2', 'ResNet152V2': 'resnet_v2',
}
#: keras_applications 1.0.8's parameters (name, default) for each constructor
_COMMON = [('include_top', True), ('weights', 'imagenet'), ('input_tensor', None), ('input_shape', None),
           ('pooling', None), ('classes', 1000)]
SIGNATURES = dict(
    {name: _COMMON for name in KERAS_NAMES},
    MobileNet=[('input_shape', None), ('alpha', 1.0), ('depth_multiplier', 1), ('dropout', 1e-3),
               ('include_top', True), ('weights', 'imagenet'), ('input_tensor', None), ('pooling', None),
               ('classes', 1000)],
    MobileNetV2=[('input_shape', None), ('alpha', 1.0), ('include_top', True), ('weights', 'imagenet'),
                 ('input_tensor', None), ('pooling', None), ('classes', 1000)],
    NASNetMobile=[('input_shape', None)] + [p for p in _COMMON if p[0] != 'input_shape'],
    NASNetLarge=[('input_shape', None)] + [p for p in _COMMON if p[0] != 'input_shape'],
)
MODULES = ['vgg16', 'vgg19', 'resnet50', 'resnet', 'resnet_v2', 'resnext', 'inception_v3', 'inception_resnet_v2',
           'xception', 'mobilenet', 'mobilenet_v2', 'densenet', 'nasnet', 'imagenet_utils']


@pytest.mark.parametrize('name', sorted(KERAS_NAMES))
def test_every_keras_applications_name_resolves_with_keras_signature(name):
    fn = getattr(kcore.applications, name)
    module = importlib.import_module('kcore.applications.' + KERAS_NAMES[name])
    assert getattr(module, name) is fn or name in ('ResNet50',)
    params = list(inspect.signature(fn).parameters.values())
    assert [(p.name, p.default) for p in params[:-1]] == SIGNATURES[name]
    assert params[-1].kind is inspect.Parameter.VAR_KEYWORD


def test_resnet50_of_keras_applications_is_the_resnet50_module_one():
    from kcore.applications import resnet, resnet50
    assert kcore.applications.ResNet50 is resnet50.ResNet50 and resnet.ResNet50 is not resnet50.ResNet50


@pytest.mark.parametrize('module', MODULES)
def test_every_module_path_is_the_plugin_module(module):
    imported = importlib.import_module('kcore.applications.' + module)
    assert imported is importlib.import_module('kcore_applications.' + module)
    assert getattr(kcore.applications, module) is imported
    assert callable(imported.preprocess_input) and callable(imported.decode_predictions)
    exec('from kcore.applications.%s import preprocess_input' % module, {})


def test_dir_lists_models_and_modules():
    listing = dir(kcore.applications)
    assert {'VGG16', 'ResNeXt50', 'NASNetLarge', 'mobilenet_v2', 'resnet50'} <= set(listing)


def test_unknown_names_say_so_with_close_matches():
    with pytest.raises(AttributeError, match="Unknown application: 'ResNet51'.*'ResNet50'"):
        kcore.applications.ResNet51
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module('kcore.applications.resnet51')


def test_names_and_modules_carry_their_distribution():
    assert registry('applications').entry('VGG16').distribution.startswith('kcore-applications')
    assert registry('modules').entry('kcore.applications.vgg16').obj == 'kcore_applications.vgg16'


_PROBE = '''
import importlib, kcore, kcore.applications
try:
    kcore.applications.ResNet50
except AttributeError as e:
    print(e)
try:
    importlib.import_module('kcore.applications.mobilenet_v2')
except ModuleNotFoundError as e:
    print(e)
'''


@pytest.mark.parametrize('env', [{'KCORE_DISABLE_PLUGINS': 'applications'}, {'KCORE_DISABLE_PLUGIN_AUTOLOAD': '1'}])
def test_without_the_plugin_the_error_says_pip_install_kcore_applications(env):
    result = subprocess.run([sys.executable, '-c', _PROBE], capture_output=True, text=True, timeout=120,
                            env=dict(os.environ, **env))
    lines = result.stdout.strip().splitlines()
    assert result.returncode == 0, result.stderr
    assert len(lines) == 2, result.stdout
    assert "Unknown application: 'ResNet50'" in lines[0]
    assert "No module named 'kcore.applications.mobilenet_v2'" in lines[1]
    assert all('kcore-applications' in line for line in lines)
