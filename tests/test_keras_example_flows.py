"""The data steps of Keras 2.3's examples (reuters_mlp, imdb_cnn/imdb_fasttext, cifar10_cnn with
augmentation, lstm_text_generation, babi_rnn), written as those scripts write them, on small
files in Keras's formats in a temporary cache."""
import io
import tarfile

import numpy as np
import pytest

import kcore
from kcore.datasets import cifar10, imdb, reuters
from kcore.preprocessing import sequence
from kcore.preprocessing.image import ImageDataGenerator
from kcore.preprocessing.text import Tokenizer
from kcore.utils import get_file, to_categorical


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv('KERAS_HOME', str(tmp_path))
    (tmp_path / 'datasets').mkdir()
    return tmp_path / 'datasets'


def _lists(rng, n, vocab):
    out = np.empty(n, dtype=object)
    out[:] = [list(map(int, rng.randint(1, vocab, rng.randint(3, 30)))) for _ in range(n)]
    return out


def test_reuters_mlp(cache):
    rng = np.random.RandomState(0)
    np.savez(cache / 'reuters.npz', x=_lists(rng, 60, 300), y=rng.randint(0, 4, 60))
    (x_train, y_train), (x_test, y_test) = reuters.load_data(num_words=100, test_split=0.2)
    num_classes = np.max(y_train) + 1
    tokenizer = Tokenizer(num_words=100)
    x_train = tokenizer.sequences_to_matrix(x_train, mode='binary')
    x_test = tokenizer.sequences_to_matrix(x_test, mode='binary')
    y_train = to_categorical(y_train, num_classes)
    model = kcore.Sequential([kcore.layers.Dense(16, input_shape=(100,), activation='relu'),
                              kcore.layers.Dense(num_classes, activation='softmax')])
    model.compile(loss='categorical_crossentropy', optimizer='adam', metrics=['accuracy'])
    model.fit(x_train, y_train, batch_size=16, epochs=1, verbose=0, validation_split=0.1)
    assert x_train.shape == (48, 100) and x_test.shape == (12, 100)


def test_imdb_cnn_and_fasttext_data(cache):
    rng = np.random.RandomState(1)
    np.savez(cache / 'imdb.npz', x_train=_lists(rng, 20, 500), y_train=rng.randint(0, 2, 20),
             x_test=_lists(rng, 10, 500), y_test=rng.randint(0, 2, 10))
    (x_train, y_train), (x_test, y_test) = imdb.load_data(num_words=200)
    x_train = sequence.pad_sequences(x_train, maxlen=40)
    assert x_train.shape == (20, 40) and x_train.dtype == np.int32 and x_train.max() < 200
    ngram = set(zip(*[list(x_test[0])[i:] for i in range(2)]))  # imdb_fasttext's bigrams
    assert ngram and all(len(g) == 2 for g in ngram)
    model = kcore.Sequential([kcore.layers.Embedding(200, 8, input_length=40),
                              kcore.layers.GlobalAveragePooling1D(), kcore.layers.Dense(1, activation='sigmoid')])
    model.compile('adam', 'binary_crossentropy', metrics=['accuracy'])
    model.fit(x_train, y_train, batch_size=8, epochs=1, verbose=0,
              validation_data=(sequence.pad_sequences(x_test, maxlen=40), y_test))


def test_cifar10_cnn_with_augmentation(cache):
    import pickle
    folder = cache / 'cifar-10-batches-py'
    folder.mkdir()
    rng = np.random.RandomState(2)
    for name in ['data_batch_%d' % i for i in range(1, 6)] + ['test_batch']:
        batch = {b'data': rng.randint(0, 256, (4, 3072)).astype('uint8'), b'labels': list(rng.randint(0, 10, 4))}
        batch[b'labels'] = [int(v) for v in batch[b'labels']]
        with open(folder / name, 'wb') as f:
            pickle.dump(batch, f, protocol=2)
    (x_train, y_train), (x_test, y_test) = cifar10.load_data()
    y_train, y_test = to_categorical(y_train, 10), to_categorical(y_test, 10)
    x_train, x_test = x_train.astype('float32') / 255, x_test.astype('float32') / 255
    datagen = ImageDataGenerator(featurewise_center=False, rotation_range=0, width_shift_range=0.1,
                                 height_shift_range=0.1, horizontal_flip=True, fill_mode='nearest')
    datagen.fit(x_train)
    model = kcore.Sequential([kcore.layers.Flatten(input_shape=x_train.shape[1:]),
                              kcore.layers.Dense(10, activation='softmax')])
    model.compile(loss='categorical_crossentropy', optimizer='rmsprop', metrics=['accuracy'])
    model.fit_generator(datagen.flow(x_train, y_train, batch_size=8), epochs=1, validation_data=(x_test, y_test),
                        workers=2, verbose=0)
    assert x_train.shape == (20, 32, 32, 3)


def test_lstm_text_generation_and_babi_get_file(tmp_path, cache):
    src = tmp_path / 'nietzsche.txt'
    src.write_text('PREFACE\n\nSupposing that Truth is a woman--what then?')
    path = get_file('nietzsche.txt', origin=src.as_uri())
    with io.open(path, encoding='utf-8') as f:
        text = f.read().lower()
    assert sorted(set(text))[0] == '\n'
    members = {'tasks_1-20_v1-2/en/qa1_single-supporting-fact_train.txt': b'1 Mary moved to the bathroom.\n'}
    with tarfile.open(tmp_path / 'babi.tar.gz', 'w:gz') as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    path = get_file('babi-tasks-v1-2.tar.gz', origin=(tmp_path / 'babi.tar.gz').as_uri())
    with tarfile.open(path) as tar:
        lines = tar.extractfile(next(iter(members))).readlines()
    assert lines == [b'1 Mary moved to the bathroom.\n']
