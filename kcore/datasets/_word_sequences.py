"""What imdb and reuters share: Keras 2.3's re-indexing, filtering and array building."""
import json
import warnings

import numpy as np

from kcore.utils.data_utils import get_file


def check_kwargs(kwargs, num_words):
    """Keras's legacy ``nb_words`` spelling; anything else is an error."""
    if 'nb_words' in kwargs:
        warnings.warn('The `nb_words` argument in `load_data` has been renamed `num_words`.', stacklevel=3)
        num_words = kwargs.pop('nb_words')
    if kwargs:
        raise TypeError('Unrecognized keyword arguments: ' + str(kwargs))
    return num_words


def as_lists(array, where):
    """Each entry of an object array as a list of Python ints (refusing anything else)."""
    out = []
    for entry in array:
        seq = list(entry)
        if not all(isinstance(w, (int, np.integer)) and not isinstance(w, bool) for w in seq):
            raise ValueError('%s: expected sequences of integer word indices. Received an entry holding %r. '
                             'The file may be damaged; delete it and download it again.'
                             % (where, next(type(w).__name__ for w in seq
                                            if not isinstance(w, (int, np.integer)) or isinstance(w, bool))))
        out.append([int(w) for w in seq])
    return out


def reindex(xs, labels, num_words, skip_top, maxlen, start_char, oov_char, index_from):
    """Keras 2.3's steps, in its order: shift by ``index_from``, prepend ``start_char``, drop
    sequences of ``maxlen`` words or more, then map words outside ``[skip_top, num_words)`` to
    ``oov_char`` (or drop them). Without ``num_words`` the bound is the largest index, so that
    index itself becomes out-of-vocabulary, as in Keras."""
    if start_char is not None:
        xs = [[start_char] + [w + index_from for w in x] for x in xs]
    elif index_from:
        xs = [[w + index_from for w in x] for x in xs]
    if maxlen:
        kept = [(x, y) for x, y in zip(xs, labels) if len(x) < maxlen]
        xs, labels = [x for x, _ in kept], [y for _, y in kept]
        if not xs:
            raise ValueError('After filtering for sequences shorter than maxlen=' + str(maxlen) +
                             ', no sequence was kept. Increase maxlen.')
    if not num_words:
        num_words = max([max(x) for x in xs if x] or [0])
    if oov_char is not None:
        xs = [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    else:
        xs = [[w for w in x if skip_top <= w < num_words] for x in xs]
    return xs, labels


def keras_array(seqs):
    """``np.array(list_of_lists)`` as NumPy < 1.24 made it in Keras 2.3: a 2-D int array when
    every sequence has the same length, else a 1-D object array of lists."""
    if seqs and len({len(s) for s in seqs}) == 1:
        return np.array(seqs)
    out = np.empty(len(seqs), dtype=object)
    for i, s in enumerate(seqs):
        out[i] = s
    return out


def labels_array(labels):
    return np.array(labels)


def word_index(path, origin, file_hash):
    path = get_file(path, origin=origin, file_hash=file_hash)
    with open(path, encoding='utf-8') as f:
        return json.load(f)
