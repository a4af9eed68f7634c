"""Text preprocessing, as keras_preprocessing 1.1.2 (``keras.preprocessing.text``): splitting
text into words, hashing words to indices, and the :class:`Tokenizer` vocabulary."""
import functools
import json
import warnings
from collections import Counter, OrderedDict, defaultdict
from hashlib import md5

import numpy as np

__all__ = ['text_to_word_sequence', 'one_hot', 'hashing_trick', 'Tokenizer', 'tokenizer_from_json']

DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'


@functools.lru_cache(maxsize=64)
def _translation(filters, split):
    return str.maketrans({c: split for c in filters})


def text_to_word_sequence(text, filters=DEFAULT_FILTERS, lower=True, split=' '):
    """The words of ``text``: lower-cased, every character of ``filters`` turned into
    ``split``, split on ``split``, empty words dropped."""
    if not isinstance(text, str):
        raise TypeError('text_to_word_sequence: `text` must be a str. Received: %s. Decode bytes first, '
                        'or pass a list of words to the Tokenizer.' % type(text).__name__)
    if lower:
        text = text.lower()
    text = text.translate(_translation(filters, split))
    return [w for w in text.split(split) if w]


def one_hot(text, n, filters=DEFAULT_FILTERS, lower=True, split=' '):
    """Each word of ``text`` as an index in ``[1, n)``, by Python's ``hash`` (which changes between
    processes unless ``PYTHONHASHSEED`` is set; ``hashing_trick(..., hash_function='md5')`` is stable)."""
    return hashing_trick(text, n, hash_function=hash, filters=filters, lower=lower, split=split)


def _md5(word):
    return int(md5(word.encode()).hexdigest(), 16)


def hashing_trick(text, n, hash_function=None, filters=DEFAULT_FILTERS, lower=True, split=' '):
    """Each word of ``text`` as ``hash_function(word) % (n - 1) + 1`` (``None``: ``hash``; ``'md5'``:
    a hash that is stable across processes)."""
    if hash_function is None:
        hash_function = hash
    elif hash_function == 'md5':
        hash_function = _md5
    if not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError('hashing_trick: `n` (the size of the index space) must be an integer >= 2. '
                         'Received: n=%r.' % (n,))
    seq = text_to_word_sequence(text, filters=filters, lower=lower, split=split)
    return [(hash_function(w) % (n - 1) + 1) for w in seq]


class Tokenizer:
    """A vocabulary of words (or characters) ranked by frequency, and the conversions between
    texts, index sequences and bag-of-words matrices.

    Index 0 is never a word; with ``oov_token`` it takes index 1 and stands in for unknown
    words. ``num_words`` keeps only indices below it when converting (the vocabulary itself
    keeps every word). ``word_counts`` keeps the order in which words were first seen; ties in
    frequency rank in that order.
    """

    def __init__(self, num_words=None, filters=DEFAULT_FILTERS, lower=True, split=' ', char_level=False,
                 oov_token=None, document_count=0, **kwargs):
        if 'nb_words' in kwargs:
            warnings.warn('The `nb_words` argument in `Tokenizer` has been renamed `num_words`.', stacklevel=2)
            num_words = kwargs.pop('nb_words')
        if kwargs:
            raise TypeError('Unrecognized keyword arguments: ' + str(kwargs))
        if num_words is not None and (not isinstance(num_words, (int, np.integer)) or num_words < 0):
            raise ValueError('Tokenizer: `num_words` must be a non-negative integer or None. Received: '
                             'num_words=%r.' % (num_words,))
        self.word_counts = OrderedDict()
        self.word_docs = defaultdict(int)
        self.filters = filters
        self.split = split
        self.lower = lower
        self.num_words = num_words
        self.document_count = document_count
        self.char_level = char_level
        self.oov_token = oov_token
        self.index_docs = defaultdict(int)
        self.word_index = {}
        self.index_word = {}

    def _words(self, text):
        """The tokens of one text: a list of words is taken as it is (lower-cased), a string is
        split into words, or into characters with ``char_level``."""
        if self.char_level or isinstance(text, list):
            if self.lower:
                text = [w.lower() for w in text] if isinstance(text, list) else text.lower()
            return text
        return text_to_word_sequence(text, self.filters, self.lower, self.split)

    def fit_on_texts(self, texts):
        """Count the words of ``texts`` (strings, or lists of words) and rebuild ``word_index``."""
        if isinstance(texts, str):
            raise TypeError('Tokenizer.fit_on_texts: `texts` must be a list of texts. Received a single str; '
                            'wrap it in a list: fit_on_texts([text]).')
        counts, docs = Counter(), Counter()
        for text in texts:
            self.document_count += 1
            seq = self._words(text)
            counts.update(seq)
            docs.update(set(seq))
        word_counts = self.word_counts
        for w, c in counts.items():  # Counter keeps first-seen order, so word_counts does too
            word_counts[w] = word_counts.get(w, 0) + c
        word_docs = self.word_docs
        for w, c in docs.items():
            word_docs[w] += c
        ranked = sorted(word_counts.items(), key=lambda wc: wc[1], reverse=True)  # stable: ties keep order
        vocab = [] if self.oov_token is None else [self.oov_token]
        vocab.extend(w for w, _ in ranked)
        self.word_index = dict(zip(vocab, range(1, len(vocab) + 1)))
        self.index_word = {i: w for w, i in self.word_index.items()}
        for w, c in list(word_docs.items()):
            self.index_docs[self.word_index[w]] = c

    def fit_on_sequences(self, sequences):
        """Count in how many sequences each index appears (what ``tfidf`` needs)."""
        self.document_count += len(sequences)
        for seq in sequences:
            for i in set(seq):
                self.index_docs[i] += 1

    def texts_to_sequences(self, texts):
        """Each text as the list of its word indices (unknown words dropped, or ``oov_token``'s index)."""
        return list(self.texts_to_sequences_generator(texts))

    def texts_to_sequences_generator(self, texts):
        if isinstance(texts, str):
            raise TypeError('Tokenizer.texts_to_sequences: `texts` must be a list of texts. Received a single '
                            'str; wrap it in a list.')
        num_words = self.num_words
        get = self.word_index.get
        oov_token = self.oov_token
        oov_index = get(oov_token)
        for text in texts:
            seq = self._words(text)
            if oov_token is None:
                if num_words:
                    yield [i for i in map(get, seq) if i is not None and i < num_words]
                else:
                    yield [i for i in map(get, seq) if i is not None]
                continue
            vect = []
            for i in map(get, seq):
                if i is None:
                    vect.append(oov_index)
                elif num_words and i >= num_words:
                    if oov_index is not None:
                        vect.append(oov_index)
                else:
                    vect.append(i)
            yield vect

    def sequences_to_texts(self, sequences):
        """Each sequence of indices back to a string of words joined by spaces."""
        return list(self.sequences_to_texts_generator(sequences))

    def sequences_to_texts_generator(self, sequences):
        num_words = self.num_words
        oov_index = self.word_index.get(self.oov_token)
        for seq in sequences:
            vect = []
            for num in seq:
                word = self.index_word.get(num)
                if word is not None:
                    if num_words and num >= num_words:
                        if oov_index is not None:
                            vect.append(self.index_word[oov_index])
                    else:
                        vect.append(word)
                elif self.oov_token is not None:
                    vect.append(self.index_word[oov_index])
            yield ' '.join(vect)

    def texts_to_matrix(self, texts, mode='binary'):
        """``(len(texts), num_words)`` bag-of-words matrix; see :meth:`sequences_to_matrix`."""
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    def sequences_to_matrix(self, sequences, mode='binary'):
        """A float64 matrix with one row per sequence: ``'binary'`` (present or not), ``'count'``,
        ``'freq'`` (count / sequence length) or ``'tfidf'`` (``(1 + ln count) * ln(1 + docs / (1 +
        docs with the word))``). Indices at or above ``num_words`` are left out."""
        if mode not in ('binary', 'count', 'freq', 'tfidf'):
            raise ValueError("Unknown vectorization mode: %r. Expected mode='binary', 'count', 'freq' or 'tfidf'."
                             % (mode,))
        if not self.num_words:
            if self.word_index:
                num_words = len(self.word_index) + 1
            else:
                raise ValueError('Specify a dimension (`num_words` argument), or fit on some text data first.')
        else:
            num_words = self.num_words
        if mode == 'tfidf' and not self.document_count:
            raise ValueError('Fit the Tokenizer on some data before using tfidf mode.')
        x = np.zeros((len(sequences), num_words))
        for i, seq in enumerate(sequences):
            if not len(seq):
                continue
            counts = Counter(j for j in seq if j < num_words)
            row = x[i]
            for j, c in counts.items():
                if mode == 'count':
                    row[j] = c
                elif mode == 'freq':
                    row[j] = c / len(seq)
                elif mode == 'binary':
                    row[j] = 1
                else:
                    tf = 1 + np.log(c)
                    idf = np.log(1 + self.document_count / (1 + self.index_docs.get(j, 0)))
                    row[j] = tf * idf
        return x

    def get_config(self):
        """The settings and the counts, the dicts JSON-encoded (readable by other projects)."""
        return {
            'num_words': self.num_words, 'filters': self.filters, 'lower': self.lower, 'split': self.split,
            'char_level': self.char_level, 'oov_token': self.oov_token, 'document_count': self.document_count,
            'word_counts': json.dumps(self.word_counts), 'word_docs': json.dumps(self.word_docs),
            'index_docs': json.dumps(self.index_docs), 'index_word': json.dumps(self.index_word),
            'word_index': json.dumps(self.word_index),
        }

    def to_json(self, **kwargs):
        """``{"class_name": "Tokenizer", "config": get_config()}`` as a JSON string."""
        return json.dumps({'class_name': type(self).__name__, 'config': self.get_config()}, **kwargs)


def tokenizer_from_json(json_string):
    """A :class:`Tokenizer` from :meth:`Tokenizer.to_json`'s string (plain data; nothing is run)."""
    config = dict(json.loads(json_string).get('config'))
    word_counts = json.loads(config.pop('word_counts'))
    word_docs = json.loads(config.pop('word_docs'))
    index_docs = {int(k): v for k, v in json.loads(config.pop('index_docs')).items()}
    index_word = {int(k): v for k, v in json.loads(config.pop('index_word')).items()}
    word_index = json.loads(config.pop('word_index'))
    tokenizer = Tokenizer(**config)
    tokenizer.word_counts = word_counts
    tokenizer.word_docs = word_docs
    tokenizer.index_docs = index_docs
    tokenizer.word_index = word_index
    tokenizer.index_word = index_word
    return tokenizer
