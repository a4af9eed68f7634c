"""kcore.datasets: small files in Keras's exact formats in a temporary cache, read as Keras 2.3 reads them,
and files that would run code refused."""
import gzip
import json
import os
import pickle
import tarfile

import numpy as np
import pytest

from kcore import config
from kcore.datasets import boston_housing, cifar10, cifar100, fashion_mnist, imdb, mnist, reuters
from kcore.datasets import safe_pickle
from kcore.datasets.cifar import load_batch


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty Keras cache (``$KERAS_HOME/datasets``); nothing can be downloaded."""
    monkeypatch.setenv('KERAS_HOME', str(tmp_path))
    folder = tmp_path / 'datasets'
    folder.mkdir()
    return folder


def _object_array(seqs):
    out = np.empty(len(seqs), dtype=object)
    out[:] = [list(s) for s in seqs]
    return out


def _keras_text_reference(xs_train, y_train, xs_test, y_test, num_words=None, skip_top=0, maxlen=None, seed=113,
                          start_char=1, oov_char=2, index_from=3, test_split=None):
    """Keras 2.3.1's imdb/reuters steps, spelled out literally (global seeding and all)."""
    if test_split is None:
        np.random.seed(seed)
        idx = np.arange(len(xs_train))
        np.random.shuffle(idx)
        xs_train, y_train = [xs_train[i] for i in idx], y_train[idx]
        idx = np.arange(len(xs_test))
        np.random.shuffle(idx)
        xs_test, y_test = [xs_test[i] for i in idx], y_test[idx]
        xs, labels = xs_train + xs_test, np.concatenate([y_train, y_test])
    else:
        np.random.seed(seed)
        idx = np.arange(len(xs_train))
        np.random.shuffle(idx)
        xs, labels = [xs_train[i] for i in idx], y_train[idx]
    if start_char is not None:
        xs = [[start_char] + [w + index_from for w in x] for x in xs]
    elif index_from:
        xs = [[w + index_from for w in x] for x in xs]
    if maxlen:
        pairs = [(x, y) for x, y in zip(xs, labels) if len(x) < maxlen]
        xs, labels = [p[0] for p in pairs], [p[1] for p in pairs]
    if not num_words:
        num_words = max(max(x) for x in xs)
    if oov_char is not None:
        xs = [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    else:
        xs = [[w for w in x if skip_top <= w < num_words] for x in xs]
    cut = len(xs_train) if test_split is None else int(len(xs) * (1 - test_split))
    return (xs[:cut], list(labels[:cut])), (xs[cut:], list(labels[cut:]))


def _assert_text_equal(got, want):
    (gx, gy), (tx, ty) = got
    (wx, wy), (vx, vy) = want
    assert [list(s) for s in gx] == wx and [list(s) for s in tx] == vx
    assert list(gy) == wy and list(ty) == vy
    assert gy.dtype == np.int64 and (ty.dtype == np.int64 or not len(ty))  # Keras: np.array([]) is float64


def _seqs(rng, n, vocab=30):
    return [list(map(int, rng.randint(1, vocab, size=rng.randint(1, 12)))) for _ in range(n)]


def test_mnist_reads_keras_npz(cache):
    rng = np.random.RandomState(0)
    arrays = {'x_train': rng.randint(0, 256, (5, 28, 28)).astype('uint8'), 'y_train': np.arange(5, dtype='uint8'),
              'x_test': rng.randint(0, 256, (3, 28, 28)).astype('uint8'), 'y_test': np.arange(3, dtype='uint8')}
    np.savez(cache / 'mnist.npz', **arrays)
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    for got, name in [(x_train, 'x_train'), (y_train, 'y_train'), (x_test, 'x_test'), (y_test, 'y_test')]:
        assert got.dtype == np.uint8 and np.array_equal(got, arrays[name])


def test_fashion_mnist_reads_idx_gz_files(cache):
    folder = cache / 'fashion-mnist'
    folder.mkdir()
    rng = np.random.RandomState(1)
    x = {'train': rng.randint(0, 256, (4, 28, 28)).astype('uint8'), 't10k': rng.randint(0, 256, (2, 28, 28))
         .astype('uint8')}
    y = {'train': np.array([1, 2, 3, 4], 'uint8'), 't10k': np.array([9, 0], 'uint8')}
    for split in ('train', 't10k'):
        with gzip.open(folder / ('%s-labels-idx1-ubyte.gz' % split), 'wb') as f:
            f.write(b'\0\0\x08\x01' + len(y[split]).to_bytes(4, 'big') + y[split].tobytes())
        with gzip.open(folder / ('%s-images-idx3-ubyte.gz' % split), 'wb') as f:
            f.write(b'\0\0\x08\x03' + len(y[split]).to_bytes(4, 'big') + b'\0\0\0\x1c\0\0\0\x1c' + x[split].tobytes())
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    assert x_train.shape == (4, 28, 28) and x_test.shape == (2, 28, 28) and x_train.dtype == np.uint8
    assert np.array_equal(x_train, x['train']) and np.array_equal(y_test, y['t10k'])


def _cifar_batch(path, n, label_keys, seed, protocol=2):
    rng = np.random.RandomState(seed)
    data = rng.randint(0, 256, (n, 3072)).astype('uint8')
    batch = {b'batch_label': b'training batch', b'data': data,
             b'filenames': [b'img_%d.png' % i for i in range(n)]}
    labels = {}
    for key, high in label_keys:
        labels[key] = list(map(int, rng.randint(0, high, n)))
        batch[key.encode()] = labels[key]
    with open(path, 'wb') as f:
        pickle.dump(batch, f, protocol=protocol)
    return data, labels


@pytest.mark.parametrize('data_format', ['channels_last', 'channels_first'])
def test_cifar10_reads_pickled_batches_without_unpickling(cache, data_format, monkeypatch):
    folder = cache / 'cifar-10-batches-py'
    folder.mkdir()
    parts = [_cifar_batch(folder / ('data_batch_%d' % i), 3, [('labels', 10)], i, protocol=2 + i % 3)
             for i in range(1, 6)]
    test_data, test_labels = _cifar_batch(folder / 'test_batch', 2, [('labels', 10)], 9)
    monkeypatch.setattr(config, 'image_data_format', lambda: data_format)
    (x_train, y_train), (x_test, y_test) = cifar10.load_data()
    want = np.concatenate([d for d, _ in parts]).reshape(15, 3, 32, 32)
    want_test = test_data.reshape(2, 3, 32, 32)
    if data_format == 'channels_last':
        want, want_test = want.transpose(0, 2, 3, 1), want_test.transpose(0, 2, 3, 1)
    assert x_train.shape == want.shape and x_train.dtype == np.uint8 and np.array_equal(x_train, want)
    assert np.array_equal(x_test, want_test)
    assert y_train.shape == (15, 1) and y_train.dtype == np.uint8
    assert y_train[:, 0].tolist() == sum((lab['labels'] for _, lab in parts), [])
    assert y_test.shape == (2, 1) and y_test.dtype == np.int64 and y_test[:, 0].tolist() == test_labels['labels']


def test_cifar100_label_modes(cache):
    folder = cache / 'cifar-100-python'
    folder.mkdir()
    keys = [('fine_labels', 100), ('coarse_labels', 20)]
    train, train_labels = _cifar_batch(folder / 'train', 4, keys, 0)
    _cifar_batch(folder / 'test', 2, keys, 1)
    for mode in ('fine', 'coarse'):
        (x_train, y_train), (x_test, y_test) = cifar100.load_data(label_mode=mode)
        assert x_train.shape == (4, 32, 32, 3) and y_train.shape == (4, 1) and y_test.shape == (2, 1)
        assert y_train[:, 0].tolist() == train_labels[mode + '_labels']
        assert np.array_equal(x_train, train.reshape(4, 3, 32, 32).transpose(0, 2, 3, 1))
    with pytest.raises(ValueError, match='label_mode'):
        cifar100.load_data(label_mode='medium')


def test_cifar_untar_from_the_keras_archive(tmp_path, cache):
    src = tmp_path / 'src' / 'cifar-10-batches-py'
    src.mkdir(parents=True)
    for name in ['data_batch_%d' % i for i in range(1, 6)] + ['test_batch']:
        _cifar_batch(src / name, 2, [('labels', 10)], 3)
    with tarfile.open(cache / 'cifar-10-batches-py.tar.gz', 'w:gz') as tar:
        tar.add(src, arcname='cifar-10-batches-py')
    (x_train, _), (x_test, _) = cifar10.load_data()
    assert x_train.shape == (10, 32, 32, 3) and x_test.shape == (2, 32, 32, 3)


@pytest.mark.parametrize('kwargs', [{}, {'num_words': 10}, {'skip_top': 5, 'num_words': 20},
                                    {'maxlen': 8}, {'start_char': None}, {'start_char': None, 'index_from': 0},
                                    {'oov_char': None, 'num_words': 12}, {'seed': 7, 'index_from': 5}])
def test_imdb_matches_keras(cache, kwargs):
    rng = np.random.RandomState(3)
    xs_train, xs_test = _seqs(rng, 7), _seqs(rng, 5)
    y_train, y_test = rng.randint(0, 2, 7), rng.randint(0, 2, 5)
    np.savez(cache / 'imdb.npz', x_train=_object_array(xs_train), y_train=y_train,
             x_test=_object_array(xs_test), y_test=y_test)
    got = imdb.load_data(**kwargs)
    state = np.random.get_state()
    want = _keras_text_reference(xs_train, y_train, xs_test, y_test, **kwargs)
    np.random.set_state(state)
    _assert_text_equal(got, want)
    assert got[0][0].dtype == object


@pytest.mark.parametrize('kwargs', [{}, {'test_split': 0.5}, {'num_words': 9, 'maxlen': 10},
                                    {'skip_top': 3, 'oov_char': None}])
def test_reuters_matches_keras(cache, kwargs):
    rng = np.random.RandomState(4)
    xs, ys = _seqs(rng, 11, vocab=40), rng.randint(0, 46, 11)
    np.savez(cache / 'reuters.npz', x=_object_array(xs), y=ys)
    got = reuters.load_data(**kwargs)
    want = _keras_text_reference(xs, ys, None, None, test_split=kwargs.pop('test_split', 0.2), **kwargs)
    _assert_text_equal(got, want)


def test_word_indexes_and_legacy_arguments(cache):
    (cache / 'imdb_word_index.json').write_text(json.dumps({'the': 1, 'film': 2}))
    (cache / 'reuters_word_index.json').write_text(json.dumps({'said': 1}))
    assert imdb.get_word_index() == {'the': 1, 'film': 2}
    assert reuters.get_word_index() == {'said': 1}
    np.savez(cache / 'imdb.npz', x_train=_object_array([[1, 2], [3]]), y_train=np.array([0, 1]),
             x_test=_object_array([[4, 5, 6]]), y_test=np.array([1]))
    with pytest.warns(UserWarning, match='num_words'):
        imdb.load_data(nb_words=5)
    with pytest.raises(TypeError, match='Unrecognized keyword arguments'):
        imdb.load_data(words=5)
    with pytest.raises(ValueError, match='Increase maxlen'):
        imdb.load_data(maxlen=1)


def test_equal_length_sequences_give_a_2d_array_as_numpy_did(cache):
    np.savez(cache / 'imdb.npz', x_train=_object_array([[1, 2], [3, 4]]), y_train=np.array([0, 1]),
             x_test=_object_array([[4, 5]]), y_test=np.array([1]))
    (x_train, _), (x_test, _) = imdb.load_data()
    assert x_train.shape == (2, 3) and x_train.dtype.kind == 'i' and x_test.shape == (1, 3)


def test_boston_housing_matches_keras(cache):
    rng = np.random.RandomState(5)
    x, y = rng.rand(20, 13), rng.rand(20) * 50
    np.savez(cache / 'boston_housing.npz', x=x, y=y)
    (x_train, y_train), (x_test, y_test) = boston_housing.load_data()
    idx = np.arange(20)
    np.random.RandomState(113).shuffle(idx)
    assert np.array_equal(x_train, x[idx][:16]) and np.array_equal(y_test, y[idx][16:])
    assert x_train.dtype == np.float64 and x_test.shape == (4, 13)
    with pytest.raises(ValueError, match='test_split'):
        boston_housing.load_data(test_split=1.5)


def test_missing_file_offline_names_url_and_path(cache):
    with pytest.raises(OSError) as info:
        mnist.load_data()
    assert 'https://s3.amazonaws.com/img-datasets/mnist.npz' in str(info.value)
    assert str(cache / 'mnist.npz') in str(info.value)


class _RunsCode:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, ('touch %s' % self.marker,))


def test_imdb_npz_that_would_run_code_is_refused(cache, tmp_path):
    marker = tmp_path / 'pwned'
    evil = np.empty(2, dtype=object)
    evil[0], evil[1] = [1, 2], _RunsCode(marker)
    np.savez(cache / 'imdb.npz', x_train=evil, y_train=np.array([0, 1]), x_test=_object_array([[1]]),
             y_test=np.array([0]))
    with pytest.raises(safe_pickle.UnsafeFileError, match='posix.system|os.system|nt.system'):
        imdb.load_data()
    assert not marker.exists()
    with pytest.raises(ValueError):  # the error is a ValueError too
        reuters.load_data(path=str(cache / 'imdb.npz'))
    assert not marker.exists()


def test_cifar_batch_that_would_run_code_is_refused(tmp_path):
    marker = tmp_path / 'pwned'
    with open(tmp_path / 'batch', 'wb') as f:
        pickle.dump({b'data': _RunsCode(marker), b'labels': [1]}, f, protocol=2)
    with pytest.raises(safe_pickle.UnsafeFileError, match='refusing'):
        load_batch(str(tmp_path / 'batch'))
    assert not marker.exists()
    (tmp_path / 'garbage').write_bytes(b'\x80\x02not a pickle at all')
    with pytest.raises(safe_pickle.UnsafeFileError):
        load_batch(str(tmp_path / 'garbage'))


@pytest.mark.parametrize('protocol', [0, 1, 2, 3, 4, 5])
def test_safe_reader_matches_pickle_on_plain_data(protocol):
    value = {b'k': [1, -2, 2 ** 70, 3.5, None, True, 'text', b'raw', (1, 2)], 'arr': np.arange(6, dtype='<i4')
             .reshape(2, 3), 'f': np.asfortranarray(np.ones((2, 2), '>f8')), 'obj': _object_array([[1], [2, 3]]),
             's': np.int64(7), 'u': np.array(['ab', 'c'])}
    got = safe_pickle.loads(pickle.dumps(value, protocol=protocol))
    assert got[b'k'] == value[b'k'] and got['s'] == 7
    for key in ('arr', 'f', 'u'):
        assert got[key].dtype == value[key].dtype and np.array_equal(got[key], value[key])
    assert [list(x) for x in got['obj']] == [[1], [2, 3]]


def test_safe_reader_refuses_other_classes():
    import collections
    for value in [collections.OrderedDict(a=1), {1, 2}, np.zeros(2, dtype=[('a', 'i4')])]:
        with pytest.raises(safe_pickle.UnsafeFileError):
            safe_pickle.loads(pickle.dumps(value, protocol=2))
