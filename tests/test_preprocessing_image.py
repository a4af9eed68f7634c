"""kcore.preprocessing.image beyond the reference cases: errors, training with fit, saving, the missing extra."""
import os
import subprocess
import sys

import numpy as np
import pytest

import kcore
from kcore.preprocessing import image
from kcore.preprocessing.image import ImageDataGenerator


def _tree(root, classes=('a', 'b'), per_class=3):
    for c in classes:
        os.makedirs(root / c, exist_ok=True)
        for i in range(per_class):
            image.save_img(str(root / c / ('%d.png' % i)), np.random.RandomState(i).rand(8, 8, 3))
    return root


def test_missing_extra_names_it():
    code = ('import sys; sys.modules["PIL"] = None; sys.modules["PIL.Image"] = None\n'
            'try:\n    import kcore.preprocessing.image\nexcept ImportError as e:\n    print(e)\n')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=120)
    assert 'pip install "kcore[image]"' in out.stdout, out.stdout + out.stderr
    code = 'import sys; sys.modules["scipy"] = None\nimport kcore.preprocessing as p\ntry:\n    p.image\n' \
           'except ImportError as e:\n    print(e)\nprint(p.text.Tokenizer is not None)\n'
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=120)
    assert 'kcore[image]' in out.stdout and "'scipy'" in out.stdout and out.stdout.strip().endswith('True')


def test_flow_trains_a_model_with_sample_weights_and_workers():
    rng = np.random.RandomState(0)
    x, y = rng.rand(24, 8, 8, 3).astype('float32'), np.eye(2)[rng.randint(0, 2, 24)].astype('float32')
    gen = ImageDataGenerator(rotation_range=10, width_shift_range=0.1, horizontal_flip=True)
    it = gen.flow(x, y, batch_size=8, sample_weight=np.ones(24), seed=1)
    assert isinstance(it, kcore.utils.Sequence) and len(it[0]) == 3
    model = kcore.Sequential([kcore.layers.Flatten(input_shape=(8, 8, 3)), kcore.layers.Dense(2, activation='softmax')])
    model.compile('sgd', 'categorical_crossentropy')
    history = model.fit(it, epochs=2, verbose=0, workers=2)
    assert len(history.history['loss']) == 2 and np.isfinite(history.history['loss']).all()


def test_flow_from_directory_trains_and_saves_augmented_images(tmp_path, capsys):
    data = _tree(tmp_path / 'data')
    out = tmp_path / 'saved'
    out.mkdir()
    it = ImageDataGenerator(rescale=1 / 255., zoom_range=0.1).flow_from_directory(
        str(data), target_size=(8, 8), batch_size=2, save_to_dir=str(out), save_prefix='aug', seed=0)
    assert 'Found 6 images belonging to 2 classes.' in capsys.readouterr().out
    model = kcore.Sequential([kcore.layers.Flatten(input_shape=(8, 8, 3)), kcore.layers.Dense(2, activation='softmax')])
    model.compile('sgd', 'categorical_crossentropy')
    model.fit(it, epochs=1, verbose=0)
    saved = os.listdir(out)
    assert saved and all(f.startswith('aug_') and f.endswith('.png') for f in saved)
    it = ImageDataGenerator().flow(np.zeros((3, 4, 4, 1)), batch_size=3, save_to_dir=str(out), save_prefix='np')
    it[0]
    assert len([f for f in os.listdir(out) if f.startswith('np_')]) >= 1


def test_directory_errors_name_the_argument(tmp_path):
    gen = ImageDataGenerator()
    (tmp_path / 'empty').mkdir()
    with pytest.raises(ValueError, match='no images found in `directory`'):
        gen.flow_from_directory(str(tmp_path / 'empty'))
    with pytest.raises(ValueError, match='is not a folder'):
        gen.flow_from_directory(str(tmp_path / 'nowhere'))
    data = _tree(tmp_path / 'data')
    with pytest.raises(ValueError, match='Invalid class_mode'):
        gen.flow_from_directory(str(data), class_mode='onehot')
    with pytest.raises(ValueError, match='color mode'):
        gen.flow_from_directory(str(data), color_mode='cmyk')
    with pytest.raises(ValueError, match='subset'):
        gen.flow_from_directory(str(data), subset='test')
    (data / 'a' / 'broken.png').write_bytes(b'this is not a png')
    it = gen.flow_from_directory(str(data), target_size=(8, 8), batch_size=10, shuffle=False)
    with pytest.raises(image.ImageFileError, match='broken.png'):
        it[0]
    with pytest.raises(OSError):  # what Keras users catch
        image.load_img(str(data / 'a' / 'broken.png'))


def test_array_errors_name_the_argument():
    gen = ImageDataGenerator()
    with pytest.raises(ValueError, match='rank 4'):
        gen.flow(np.zeros((4, 8, 8)))
    with pytest.warns(UserWarning, match='channels'):
        gen.flow(np.zeros((4, 8, 8, 5)))
    with pytest.raises(ValueError, match='rank 4'):
        gen.fit(np.zeros((8, 8, 3)))
    with pytest.raises(ValueError, match='same length'):
        gen.flow(np.zeros((4, 8, 8, 3)), np.zeros(3))
    with pytest.raises(ValueError, match='Unsupported channel number'):
        image.array_to_img(np.zeros((4, 4, 2)))
    with pytest.raises(ValueError, match='rank 3'):
        image.array_to_img(np.zeros((4, 4)))
    with pytest.raises(ValueError, match='apply_transform'):
        gen.apply_transform(np.zeros((2, 4, 4, 3)), {})
    with pytest.raises(ValueError, match='fill_mode'):
        ImageDataGenerator(fill_mode='smear')
    with pytest.raises(ValueError, match='zoom_range'):
        ImageDataGenerator(zoom_range=(1, 2, 3))
    with pytest.raises(ValueError, match='validation_split'):
        ImageDataGenerator(validation_split=1.5)
    with pytest.raises(ValueError, match='data_format'):
        ImageDataGenerator(data_format='channels_middle')
    with pytest.raises(ValueError, match='batch_size'):
        gen.flow(np.zeros((4, 8, 8, 3)), batch_size=0)


def test_flow_subset_splits_sample_weight_with_the_data():
    x = np.arange(10, dtype='float32').reshape(10, 1, 1, 1) * np.ones((1, 2, 2, 1), 'float32')
    y = np.array([0, 1] * 5)
    w = np.arange(10, dtype='float64')
    it = ImageDataGenerator(validation_split=0.2).flow(x, y, sample_weight=w, subset='training', shuffle=False,
                                                       batch_size=8)
    bx, _, bw = it[0]
    assert np.array_equal(bx[:, 0, 0, 0], bw)


def test_flow_from_dataframe_needs_no_pandas(tmp_path, capsys):
    data = _tree(tmp_path / 'data')
    table = {'filename': ['a/0.png', 'b/1.png', 'a/2.png'], 'class': ['a', 'b', 'a']}
    it = ImageDataGenerator().flow_from_dataframe(table, directory=str(data), target_size=(4, 4), batch_size=2,
                                                  shuffle=False)
    x, y = it[0]
    assert x.shape == (2, 4, 4, 3) and y.tolist() == [[1, 0], [0, 1]]
    with pytest.raises(KeyError, match='no column'):
        ImageDataGenerator().flow_from_dataframe(table, x_col='path')
    with pytest.raises(ValueError, match='Invalid class_mode'):
        ImageDataGenerator().flow_from_dataframe(table, directory=str(data), class_mode='onehot')


def test_keras_names_exist():
    import kcore.preprocessing.image.affine_transformations as at
    import kcore.preprocessing.image.utils as utils
    assert at.apply_affine_transform is image.apply_affine_transform and utils.load_img is image.load_img
    for name in image.__all__:
        assert getattr(image, name) is not None
    from kcore.preprocessing.image import dataframe_iterator, directory_iterator, image_data_generator  # noqa: F401
    from kcore.preprocessing.image import iterator, numpy_array_iterator  # noqa: F401
