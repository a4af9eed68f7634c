"""Reuters newswires, labelled over 46 topics, as lists of word indices."""
import numpy as np

from kcore.datasets import _word_sequences as ws
from kcore.datasets.safe_pickle import load_npz
from kcore.utils.data_utils import get_file

ORIGIN = 'https://s3.amazonaws.com/text-datasets/reuters.npz'
FILE_HASH = '87aedbeb0cb229e378797a632c1997b6'
WORD_INDEX_ORIGIN = 'https://s3.amazonaws.com/text-datasets/reuters_word_index.json'
WORD_INDEX_HASH = '4d44cc38712099c9e383dc6e5f11a921'


def load_data(path='reuters.npz', num_words=None, skip_top=0, maxlen=None, test_split=0.2, seed=113,
              start_char=1, oov_char=2, index_from=3, **kwargs):
    """``(x_train, y_train), (x_test, y_test)`` as Keras 2.3 returns them: the newswires
    shuffled with ``RandomState(seed)``, re-indexed as in :func:`kcore.datasets.imdb.load_data`,
    then split at ``int(n * (1 - test_split))``. Read without unpickling."""
    num_words = ws.check_kwargs(kwargs, num_words)
    path = get_file(path, origin=ORIGIN, file_hash=FILE_HASH)
    f = load_npz(path)
    xs, labels = f['x'], f['y']

    indices = np.arange(len(xs))
    np.random.RandomState(seed).shuffle(indices)
    xs, labels = xs[indices], labels[indices]

    xs = ws.as_lists(xs, path)
    xs, labels = ws.reindex(xs, labels, num_words, skip_top, maxlen, start_char, oov_char, index_from)

    idx = int(len(xs) * (1 - test_split))
    return ((ws.keras_array(xs[:idx]), ws.labels_array(labels[:idx])),
            (ws.keras_array(xs[idx:]), ws.labels_array(labels[idx:])))


def get_word_index(path='reuters_word_index.json'):
    """The dict word -> index (before the ``index_from`` shift)."""
    return ws.word_index(path, WORD_INDEX_ORIGIN, WORD_INDEX_HASH)
