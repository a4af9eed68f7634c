"""weights=: Keras-written files, Keras's cache for 'imagenet', the offline error, save/load."""
import os

import numpy as np
import pytest

import kcore
import kcore.applications
from kcore.applications import imagenet_utils, mobilenet
from kcore.errors import DownloadError

from conftest import FIXTURES

SMALL_MOBILENET = dict(alpha=0.25, include_top=False, pooling='avg', input_shape=(32, 32, 3))


def _keras_mobilenet():
    data = np.load(os.path.join(FIXTURES, 'k2_mobilenet_025.npz'))
    return data['x'], data['y']


def test_keras_weights_file_gives_keras_features():
    x, y = _keras_mobilenet()
    model = mobilenet.MobileNet(weights=os.path.join(FIXTURES, 'k2_mobilenet_025.h5'), **SMALL_MOBILENET)
    np.testing.assert_allclose(model.predict(x, verbose=0), y, rtol=1e-4, atol=1e-5)


def test_keras_saved_model_file_loads_as_weights_and_as_a_model():
    x, y = _keras_mobilenet()
    path = os.path.join(FIXTURES, 'k2_mobilenet_025_model.h5')
    model = kcore.applications.MobileNet(weights=path, **SMALL_MOBILENET)
    np.testing.assert_allclose(model.predict(x, verbose=0), y, rtol=1e-4, atol=1e-5)
    loaded = kcore.models.load_model(path, compile=False)
    assert [l.name for l in loaded.layers if l.weights] == [l.name for l in model.layers if l.weights]
    np.testing.assert_allclose(loaded.predict(x, verbose=0), y, rtol=1e-4, atol=1e-5)


def test_weights_of_another_architecture_are_refused_by_name():
    with pytest.raises(Exception, match='k2_mobilenet_025.h5'):
        kcore.applications.MobileNetV2(weights=os.path.join(FIXTURES, 'k2_mobilenet_025.h5'), alpha=0.35,
                                       include_top=False, input_shape=(32, 32, 3))


def test_imagenet_weights_come_from_keras_cache(keras_home, capsys):
    reference = kcore.applications.MobileNet(weights=None, alpha=0.25, include_top=False, input_shape=(128, 128, 3))
    os.makedirs(keras_home / 'models')
    reference.save_weights(str(keras_home / 'models' / 'mobilenet_2_5_128_tf_no_top.h5'))
    model = kcore.applications.MobileNet(weights='imagenet', alpha=0.25, include_top=False,
                                         input_shape=(128, 128, 3))
    assert 'Downloading' not in capsys.readouterr().out
    for a, b in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_imagenet_weights_offline_name_the_file_and_where_to_put_it(keras_home, monkeypatch):
    monkeypatch.setattr(mobilenet, 'BASE_WEIGHT_PATH', 'http://127.0.0.1:9/')  # nothing listens there
    with pytest.raises(DownloadError) as info:
        mobilenet.MobileNet(weights='imagenet', alpha=0.5, include_top=False, input_shape=(160, 160, 3))
    message = str(info.value)
    assert 'mobilenet_5_0_160_tf_no_top.h5' in message
    assert str(keras_home / 'models' / 'mobilenet_5_0_160_tf_no_top.h5') in message


def test_imagenet_weights_use_keras_file_names_and_hashes(monkeypatch):
    asked = []
    monkeypatch.setattr('kcore_applications.weights.fetch', lambda *a: asked.append(a) or _raise())
    for build in (lambda: kcore.applications.VGG16(include_top=False),
                  lambda: kcore.applications.resnet.ResNet101(),
                  lambda: kcore.applications.DenseNet121(include_top=False),
                  lambda: kcore.applications.MobileNetV2(alpha=0.35, input_shape=(96, 96, 3), include_top=False)):
        with pytest.raises(_Stop):
            build()
    assert asked == [
        ('vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5',
         'https://github.com/fchollet/deep-learning-models/releases/download/v0.1/'
         'vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5', '6d6bbae143d832006294945121d1f1fc'),
        ('resnet101_weights_tf_dim_ordering_tf_kernels.h5',
         'https://github.com/keras-team/keras-applications/releases/download/resnet/'
         'resnet101_weights_tf_dim_ordering_tf_kernels.h5', 'f1aeb4b969a6efcfb50fad2f0c20cfc5'),
        ('densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5',
         'https://github.com/keras-team/keras-applications/releases/download/densenet/'
         'densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5', '30ee3e1110167f948a6b9946edeeb738'),
        ('mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_96_no_top.h5',
         'https://github.com/JonathanCMitchell/mobilenet_v2_keras/releases/download/v1.1/'
         'mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_96_no_top.h5', None),
    ]


def _inception_resnet_block_model():
    """InceptionResNetV2's residual block (with its CustomScaleLayer) in a model small enough to save."""
    from kcore.applications import inception_resnet_v2
    inputs = kcore.layers.Input(shape=(8, 8, 16))
    x = inception_resnet_v2.inception_resnet_block(inputs, scale=0.17, block_type='block35', block_idx=1)
    return kcore.Model(inputs, x)


def _resnext_block_model():
    """ResNeXt's block: its grouped convolution's Lambda over K.sum restores without running code."""
    from kcore_applications import resnet_common
    inputs = kcore.layers.Input(shape=(8, 8, 64))
    return kcore.Model(inputs, resnet_common.block3(inputs, 64, groups=32, name='b'))


class _Stop(Exception):
    pass


def _raise():
    raise _Stop()


@pytest.mark.parametrize('build', [
    lambda: kcore.applications.MobileNetV2(weights=None, alpha=0.35, input_shape=(32, 32, 3), classes=3),
    lambda: kcore.applications.mobilenet.MobileNet(weights=None, alpha=0.25, input_shape=(32, 32, 3), classes=4),
    lambda: _inception_resnet_block_model(),
    lambda: _resnext_block_model(),
], ids=['mobilenet_v2', 'mobilenet', 'inception_resnet_block', 'resnext_block'])
def test_save_and_load_round_trip(build, tmp_path):
    model = build()
    x = np.random.RandomState(1).uniform(-1, 1, (2,) + model.input_shape[1:]).astype('float32')
    y = model.predict(x, verbose=0)
    model.save(str(tmp_path / 'm.h5'))
    loaded = kcore.models.load_model(str(tmp_path / 'm.h5'))
    np.testing.assert_allclose(loaded.predict(x, verbose=0), y, rtol=1e-5, atol=1e-6)
    model.save_weights(str(tmp_path / 'w.h5'))
    fresh = build()
    fresh.load_weights(str(tmp_path / 'w.h5'))
    np.testing.assert_allclose(fresh.predict(x, verbose=0), y, rtol=1e-5, atol=1e-6)


# -- the ImageNet class index ------------------------------------------------------------------
def _class_index_file(path, entries=1000):
    import json
    data = {str(i): ['n%08d' % i, 'class_%d' % i] for i in range(entries)}
    path.write_text(json.dumps(data))
    return path


@pytest.fixture
def class_index_in_cache(keras_home, monkeypatch):
    """A class index in Keras's cache; its hash is not Keras's, and the URL leads nowhere,
    so get_file uses the local file as it is (what a user without network gets)."""
    os.makedirs(keras_home / 'models')
    _class_index_file(keras_home / 'models' / 'imagenet_class_index.json')
    monkeypatch.setattr(imagenet_utils, 'CLASS_INDEX_PATH', 'http://127.0.0.1:9/imagenet_class_index.json')
    monkeypatch.setattr('kcore_applications.imagenet_utils._class_index', None)


def test_decode_predictions_reads_the_class_index_from_keras_cache(class_index_in_cache, capsys):
    preds = np.zeros((2, 1000), dtype='float32')
    preds[0, [3, 7, 5]] = [0.5, 0.3, 0.2]
    preds[1, 999] = 1.0
    decoded = kcore.applications.resnet50.decode_predictions(preds, top=3)
    assert [d[:2] for d in decoded[0]] == [('n00000003', 'class_3'), ('n00000007', 'class_7'),
                                          ('n00000005', 'class_5')]
    assert decoded[0][0][2] == pytest.approx(0.5)
    assert decoded[1][0][:2] == ('n00000999', 'class_999') and len(decoded[1]) == 3
    assert 'using the local file' in capsys.readouterr().out


def test_decode_predictions_wants_1000_classes():
    with pytest.raises(ValueError, match='shape \\(samples, 1000\\)'):
        imagenet_utils.decode_predictions(np.zeros((2, 10)))


@pytest.mark.parametrize('content, match', [
    (b'{"0": ["n1", "x"]', 'not valid JSON'),
    (b'\xff\xfe', 'not valid JSON'),
    (b'{"0": ["n1", "x"]}', 'expected form'),
    (b'[1, 2, 3]', 'expected form'),
])
def test_a_damaged_class_index_is_refused(tmp_path, content, match):
    path = tmp_path / 'index.json'
    path.write_bytes(content)
    with pytest.raises(ValueError, match=match):
        imagenet_utils.read_class_index(str(path))


def test_an_oversized_class_index_is_refused_before_it_is_read(tmp_path, monkeypatch):
    path = _class_index_file(tmp_path / 'index.json')
    monkeypatch.setattr('kcore_applications.imagenet_utils.MAX_CLASS_INDEX_BYTES', 1000)
    with pytest.raises(ValueError, match='bytes'):
        imagenet_utils.read_class_index(str(path))


def test_resnet50_reads_files_of_the_newer_resnet50_too(tmp_path, monkeypatch):
    """tf.keras and Keras 3 name ResNet50's layers as keras_applications' resnet module does
    (``conv1_conv``, ...); given such a file, Keras 2.3's resnet50.ResNet50 builds that network,
    so the file keeps its features.  (Checked end to end against tf.keras 2.15's ResNet50 by
    hand: a 94 MB file is too big for the suite.)"""
    import h5py
    from kcore_applications import resnet_common
    path = str(tmp_path / 'tf_keras_resnet50.h5')
    with h5py.File(path, 'w') as f:
        f.attrs['layer_names'] = np.array(['input_1', 'conv1_pad', 'conv1_conv'], dtype=h5py.string_dtype())
    calls = []
    monkeypatch.setattr(resnet_common, 'ResNet50', lambda *args: calls.append(args) or 'the newer ResNet50')
    assert kcore.applications.ResNet50(weights=path, include_top=False, pooling='avg') == 'the newer ResNet50'
    assert calls == [(False, path, None, None, 'avg', 1000)]


def test_keras3_legacy_h5_model_file_loads_as_weights_and_as_a_model():
    """Keras 3.15's own MobileNet (no padding layer before conv1; same weights), model.save('x.h5')."""
    data = np.load(os.path.join(FIXTURES, 'k3_mobilenet_025.npz'))
    path = os.path.join(FIXTURES, 'k3_mobilenet_025_model.h5')
    model = kcore.applications.MobileNet(weights=path, **SMALL_MOBILENET)
    np.testing.assert_allclose(model.predict(data['x'], verbose=0), data['y'], rtol=1e-4, atol=1e-5)
    loaded = kcore.models.load_model(path, compile=False)
    np.testing.assert_allclose(loaded.predict(data['x'], verbose=0), data['y'], rtol=1e-4, atol=1e-5)
