"""IMDB movie reviews, labelled by sentiment (positive/negative), as lists of word indices."""
import numpy as np

from kcore.datasets import _word_sequences as ws
from kcore.datasets.safe_pickle import load_npz
from kcore.utils.data_utils import get_file

ORIGIN = 'https://s3.amazonaws.com/text-datasets/imdb.npz'
FILE_HASH = '599dadb1135973df5b59232a0e9a887c'
WORD_INDEX_ORIGIN = 'https://s3.amazonaws.com/text-datasets/imdb_word_index.json'
WORD_INDEX_HASH = 'bfafd718b763782e994055a2d397834f'


def load_data(path='imdb.npz', num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1, oov_char=2,
              index_from=3, **kwargs):
    """``(x_train, y_train), (x_test, y_test)`` as Keras 2.3 returns them.

    Word ``i`` of the word index appears as ``i + index_from``; each review starts
    with ``start_char``; words outside ``[skip_top, num_words)`` become ``oov_char``.
    ``x_*`` are object arrays of lists of ints, ``y_*`` int arrays. Both splits are
    shuffled with one ``RandomState(seed)`` (train first).

    As in Keras 2.3, ``maxlen`` drops reviews of ``maxlen`` words or more from the
    joined train+test list, which is then cut at the original training size
    (so with ``maxlen`` some test reviews land in ``x_train``). The npz file's
    object arrays are read without unpickling.
    """
    num_words = ws.check_kwargs(kwargs, num_words)
    path = get_file(path, origin=ORIGIN, file_hash=FILE_HASH)
    f = load_npz(path)
    x_train, labels_train = f['x_train'], f['y_train']
    x_test, labels_test = f['x_test'], f['y_test']

    rng = np.random.RandomState(seed)
    indices = np.arange(len(x_train))
    rng.shuffle(indices)
    x_train, labels_train = x_train[indices], labels_train[indices]
    indices = np.arange(len(x_test))
    rng.shuffle(indices)
    x_test, labels_test = x_test[indices], labels_test[indices]

    xs = ws.as_lists(x_train, path) + ws.as_lists(x_test, path)
    labels = np.concatenate([labels_train, labels_test])
    xs, labels = ws.reindex(xs, labels, num_words, skip_top, maxlen, start_char, oov_char, index_from)

    idx = len(x_train)
    return ((ws.keras_array(xs[:idx]), ws.labels_array(labels[:idx])),
            (ws.keras_array(xs[idx:]), ws.labels_array(labels[idx:])))


def get_word_index(path='imdb_word_index.json'):
    """The dict word -> index (before the ``index_from`` shift)."""
    return ws.word_index(path, WORD_INDEX_ORIGIN, WORD_INDEX_HASH)
