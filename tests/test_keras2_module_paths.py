"""Keras 2's module paths (issue 19): ``kcore.layers.convolutional``, ``kcore.engine.network``,
``kcore.utils.np_utils``, ``kcore.callbacks.callbacks``, ... hold the same objects as kcore's
own paths; plugin classes appear under their Keras path through the registry; a missing
first-party plugin is an ImportError carrying its ``pip install`` line."""
import os
import subprocess
import sys

import numpy as np
import pytest

import kcore
from kcore import plugins
from kcore.errors import MissingPluginError
from helpers.dists import fresh_plugins  # noqa: F401  (fixture)


@pytest.mark.parametrize('module, names', [
    ('kcore.layers.convolutional', ['Conv1D', 'Conv2D', 'Conv2DTranspose', 'UpSampling2D', 'ZeroPadding2D',
                                    'Cropping2D', 'Convolution2D', 'Deconvolution2D', 'SeparableConv2D']),
    ('kcore.layers.pooling', ['MaxPooling2D', 'AveragePooling1D', 'GlobalAveragePooling2D', 'MaxPool2D']),
    ('kcore.layers.recurrent', ['LSTM', 'GRU', 'SimpleRNN', 'RNN', 'LSTMCell', 'StackedRNNCells']),
    ('kcore.layers.wrappers', ['TimeDistributed', 'Bidirectional']),
    ('kcore.layers.convolutional_recurrent', ['ConvLSTM2D']),
    ('kcore.layers.advanced_activations', ['LeakyReLU', 'PReLU', 'ELU', 'ThresholdedReLU', 'Softmax', 'ReLU']),
    ('kcore.layers.local', ['LocallyConnected1D', 'LocallyConnected2D']),
    ('kcore.layers.core', ['Dense', 'Dropout', 'SpatialDropout1D', 'SpatialDropout2D', 'SpatialDropout3D',
                           'Lambda', 'Masking', 'Reshape']),
    ('kcore.layers.noise', ['GaussianNoise', 'AlphaDropout']),
    ('kcore.layers.embeddings', ['Embedding']),
    ('kcore.layers.merge', ['Add', 'Concatenate', 'concatenate']),
])
def test_layers_under_their_keras_2_module(module, names):
    import importlib
    mod = importlib.import_module(module)
    for name in names:
        assert getattr(mod, name) is getattr(kcore.layers, name), (module, name)
    if mod.__doc__.startswith("Keras 2's module path"):  # the facades list the registry
        assert set(names) <= set(dir(mod))


def test_keras_2_helpers_re_exported_where_keras_had_them():
    from kcore.engine.training import to_list
    from kcore.layers.convolutional import K, conv_utils, initializers
    from kcore.layers.core import has_arg
    from kcore.utils import generic_utils
    assert K is kcore.backend and initializers is kcore.initializers
    assert conv_utils.conv_output_length(5, 3, 'valid', 1) == 3
    assert to_list is generic_utils.to_list and has_arg is generic_utils.has_arg
    with pytest.raises(AttributeError, match='no attribute'):
        kcore.engine.training.not_a_keras_name


def test_engine_paths():
    from kcore.engine import get_source_inputs
    from kcore.engine.network import Network
    from kcore.engine.saving import load_model, save_model
    from kcore.engine.topology import Input, Node
    from kcore.engine.training_generator import fit_generator
    assert load_model is kcore.models.load_model and save_model is kcore.models.save_model
    a = Input((3,))
    b = Input((2,))
    out = kcore.layers.Dense(2)(kcore.layers.concatenate([a, b]))
    assert get_source_inputs(out) == [a, b]
    net = Network([a, b], out)
    assert isinstance(net, kcore.Model) and isinstance(kcore.Sequential(), Network)
    assert isinstance(out.node, Node)

    def batches():
        while True:
            yield [np.ones((4, 3), 'float32'), np.ones((4, 2), 'float32')], np.zeros((4, 2), 'float32')
    net.compile('sgd', 'mse')
    history = fit_generator(net, batches(), steps_per_epoch=2, epochs=1, verbose=0)
    assert len(history.history['loss']) == 1


def test_callbacks_path():
    from kcore.callbacks.callbacks import Callback, EarlyStopping, K, Progbar
    assert EarlyStopping is kcore.callbacks.EarlyStopping and issubclass(EarlyStopping, Callback)
    assert K is kcore.backend and Progbar is kcore.utils.Progbar


def test_objectives_is_losses():
    from kcore.objectives import categorical_crossentropy, mean_squared_error
    assert mean_squared_error is kcore.losses.mean_squared_error
    assert categorical_crossentropy is kcore.losses.categorical_crossentropy


def test_utils_submodules_and_names():
    from kcore.utils import np_utils, to_categorical
    from kcore.utils.multi_gpu_utils import multi_gpu_model
    assert to_categorical is np_utils.to_categorical and multi_gpu_model is kcore.utils.multi_gpu_model
    assert {'np_utils', 'generic_utils', 'conv_utils', 'CustomObjectScope'} <= set(dir(kcore.utils))


def test_import_kcore_stays_light():
    code = ('import sys, kcore, kcore.layers, kcore.models; '
            'print(sorted(m for m in sys.modules if m.startswith(("kcore.utils.", "kcore.engine", "kcore.legacy"))))')
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    loaded = eval(proc.stdout)  # a printed list of strings
    assert not [m for m in loaded if m.split('.')[-1] in ('generic_utils', 'io_utils', 'layer_utils', 'legacy')]


def test_a_missing_first_party_name_is_an_import_error_with_the_pip_line(fresh_plugins):
    plugins.load()
    plugins.registry('layers').remove('LSTM')  # as if the installed kcore-rnn lacked it
    with pytest.raises(ImportError, match='pip install -U kcore-rnn') as info:
        from kcore.layers import LSTM  # noqa: F401
    assert 'LSTM' in str(info.value)
    with pytest.raises(MissingPluginError, match='pip install -U kcore-rnn'):
        from kcore.layers.recurrent import LSTM  # noqa: F401,F811
    # an unknown name of no plugin stays an AttributeError (hasattr works)
    assert not hasattr(kcore.layers, 'NoSuchLayer')


_PROBE = '''
try:
    from kcore.layers import LSTM
except ImportError as e:
    print(type(e).__name__, e)
try:
    from kcore.layers.convolutional import Conv2D
except ImportError as e:
    print(type(e).__name__, e)
'''


def test_without_the_plugins_from_import_names_the_package():
    env = dict(os.environ, KCORE_DISABLE_PLUGINS='kcore-rnn,kcore-conv')
    proc = subprocess.run([sys.executable, '-c', _PROBE], capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 2, proc.stdout
    assert lines[0].startswith('MissingPluginError') and 'pip install kcore-rnn' in lines[0]
    assert 'pip install kcore-conv' in lines[1]


def test_facades_re_export_keras_2_helpers():
    from kcore.losses import K, losses_utils, serialize_keras_object
    from kcore.metrics import BaseMeanIoU, SensitivitySpecificityBase
    from kcore.optimizers import deserialize_keras_object
    assert K is kcore.backend and losses_utils is kcore.utils.losses_utils
    assert serialize_keras_object is kcore.utils.generic_utils.serialize_keras_object
    assert deserialize_keras_object is kcore.utils.generic_utils.deserialize_keras_object
    assert issubclass(kcore.metrics.MeanIoU, BaseMeanIoU)
    assert issubclass(kcore.metrics.SensitivityAtSpecificity, SensitivitySpecificityBase)


def test_layer_submodules_are_attributes_before_anyone_imports_them():
    """Keras 2: ``keras.layers.wrappers.TimeDistributed`` works right after ``import keras``
    (Keras's core tests write it so). A fresh process, where nothing imported the submodules."""
    code = ('import kcore\nfrom kcore import layers\n'
            'assert layers.wrappers.TimeDistributed.__name__ == "TimeDistributed"\n'
            'assert layers.recurrent.LSTM.__name__ == "LSTM" and layers.core.Dense is layers.Dense\n'
            'assert layers.normalization.BatchNormalization is layers.BatchNormalization\n')
    subprocess.run([sys.executable, '-c', code], check=True, timeout=120)
