"""Sequence preprocessing, as keras_preprocessing 1.1.2 (``keras.preprocessing.sequence``):
padding, skip-gram pairs, word sampling tables, and windows over a time series."""
import json
import numbers
import random

import numpy as np

from kcore.training.data import Sequence

__all__ = ['pad_sequences', 'make_sampling_table', 'skipgrams', 'TimeseriesGenerator',
           'timeseries_generator_from_json']


def _is_text_dtype(dtype):
    try:
        return np.issubdtype(dtype, np.str_)
    except TypeError:
        return False


def pad_sequences(sequences, maxlen=None, dtype='int32', padding='pre', truncating='pre', value=0.):
    """Pad (or truncate) every sequence to ``maxlen`` (default: the longest) into one array
    ``(len(sequences), maxlen) + entry_shape``.

    ``padding``/``truncating`` ``'pre'`` work at the start, ``'post'`` at the end. Entries may be
    scalars or arrays of one shape (the first non-empty sequence sets it); strings need
    ``dtype=object`` (or a str dtype).
    """
    if not hasattr(sequences, '__len__'):
        raise ValueError('pad_sequences: `sequences` must be iterable (a list of sequences). Received: %s.'
                         % type(sequences).__name__)
    if padding not in ('pre', 'post'):
        raise ValueError('Padding type "%s" not understood. Expected padding="pre" or "post".' % (padding,))
    if truncating not in ('pre', 'post'):
        raise ValueError('Truncating type "%s" not understood. Expected truncating="pre" or "post".'
                         % (truncating,))
    lengths, sample_shape, found = [], (), False
    for x in sequences:
        try:
            lengths.append(len(x))
        except TypeError:
            raise ValueError('`sequences` must be a list of iterables. Found non-iterable: ' + str(x)) from None
        if not found and len(x):
            sample_shape = np.asarray(x).shape[1:]
            found = True
    if maxlen is None:
        maxlen = int(np.max(lengths)) if lengths else 0
    elif not isinstance(maxlen, numbers.Integral) or maxlen < 0:
        raise ValueError('pad_sequences: `maxlen` must be a non-negative integer or None. Received: maxlen=%r.'
                         % (maxlen,))
    if isinstance(value, str) and dtype != object and not _is_text_dtype(dtype):
        raise ValueError("`dtype` {} is not compatible with `value`'s type: {}\n"
                         "You should set `dtype=object` for variable length strings."
                         .format(dtype, type(value)))
    x = np.full((len(sequences), maxlen) + sample_shape, value, dtype=dtype)
    if maxlen == 0:
        return x
    for idx, s in enumerate(sequences):
        if not len(s):
            continue
        trunc = s[-maxlen:] if truncating == 'pre' else s[:maxlen]
        try:
            trunc = np.asarray(trunc, dtype=dtype)
        except (ValueError, TypeError) as e:
            raise ValueError('pad_sequences: the sequence at position %d cannot be stored as dtype=%r (%s). '
                             'Expected numbers (word indices); pass dtype=object for strings or other values.'
                             % (idx, dtype, e)) from None
        if trunc.shape[1:] != sample_shape:
            raise ValueError('Shape of sample %s of sequence at position %s is different from expected shape %s'
                             % (trunc.shape[1:], idx, sample_shape))
        if padding == 'post':
            x[idx, :len(trunc)] = trunc
        else:
            x[idx, -len(trunc):] = trunc
    return x


def make_sampling_table(size, sampling_factor=1e-5):
    """The probability of keeping the word of rank ``i`` (word2vec's sub-sampling, with a
    Zipf estimate of the frequencies): ``min(1, sqrt(sampling_factor * i * (ln i + gamma) ...))``."""
    gamma = 0.577
    rank = np.arange(size)
    rank[0] = 1
    inv_fq = rank * (np.log(rank) + gamma) + 0.5 - 1. / (12. * rank)
    f = sampling_factor * inv_fq
    return np.minimum(1., f / np.sqrt(f))


def skipgrams(sequence, vocabulary_size, window_size=4, negative_samples=1., shuffle=True, categorical=False,
              sampling_table=None, seed=None):
    """``(couples, labels)``: word pairs within ``window_size`` of each other (label 1) and
    as many times ``negative_samples`` random pairs (label 0). Index 0 is skipped.

    Uses Python's ``random`` module as keras_preprocessing does, so a ``random.seed``
    reproduces its pairs exactly.
    """
    couples, labels = [], []
    n = len(sequence)
    for i, wi in enumerate(sequence):
        if not wi:
            continue
        if sampling_table is not None and sampling_table[wi] < random.random():
            continue
        for j in range(max(0, i - window_size), min(n, i + window_size + 1)):
            if j != i:
                wj = sequence[j]
                if not wj:
                    continue
                couples.append([wi, wj])
                labels.append([0, 1] if categorical else 1)
    if negative_samples > 0:
        num_negative = int(len(labels) * negative_samples)
        words = [c[0] for c in couples]
        random.shuffle(words)
        couples += [[words[i % len(words)], random.randint(1, vocabulary_size - 1)] for i in range(num_negative)]
        labels += ([[1, 0]] if categorical else [0]) * num_negative
    if shuffle:
        if seed is None:
            seed = random.randint(0, 10 ** 7)  # keras_preprocessing's 10e6, as an int (Python 3.12 refuses floats)
        random.seed(seed)
        random.shuffle(couples)
        random.seed(seed)
        random.shuffle(labels)
    return couples, labels


def _remove_long_seq(maxlen, seq, label):
    """Keep the (sequence, label) pairs whose sequence is shorter than ``maxlen``."""
    kept = [(x, y) for x, y in zip(seq, label) if len(x) < maxlen]
    return [x for x, _ in kept], [y for _, y in kept]


class TimeseriesGenerator(Sequence):
    """Batches of windows over a time series: sample ``i`` is ``data[row - length:row:sampling_rate]``
    with target ``targets[row]``, rows ``stride`` apart from ``start_index + length`` to
    ``end_index``. A :class:`kcore.utils.Sequence`, so ``fit`` takes it directly."""

    def __init__(self, data, targets, length, sampling_rate=1, stride=1, start_index=0, end_index=None,
                 shuffle=False, reverse=False, batch_size=128):
        if len(data) != len(targets):
            raise ValueError('Data and targets have to be of same length. Data length is {} while target length '
                             'is {}'.format(len(data), len(targets)))
        for name, v, low in (('length', length, 1), ('sampling_rate', sampling_rate, 1), ('stride', stride, 1),
                             ('batch_size', batch_size, 1), ('start_index', start_index, 0)):
            if not isinstance(v, numbers.Integral) or v < low:
                raise ValueError('TimeseriesGenerator: `%s` must be an integer >= %d. Received: %s=%r.'
                                 % (name, low, name, v))
        self.data = data
        self.targets = targets
        self.length = length
        self.sampling_rate = sampling_rate
        self.stride = stride
        self.start_index = start_index + length
        if end_index is None:
            end_index = len(data) - 1
        self.end_index = end_index
        self.shuffle = shuffle
        self.reverse = reverse
        self.batch_size = batch_size
        if self.start_index > self.end_index:
            raise ValueError('`start_index+length=%i > end_index=%i` is disallowed, as no part of the sequence '
                             'would be left to be used as current step.' % (self.start_index, self.end_index))

    def __len__(self):
        step = self.batch_size * self.stride
        return (self.end_index - self.start_index + step) // step

    def __getitem__(self, index):
        if self.shuffle:
            rows = np.random.randint(self.start_index, self.end_index + 1, size=self.batch_size)
        else:
            i = self.start_index + self.batch_size * self.stride * index
            rows = np.arange(i, min(i + self.batch_size * self.stride, self.end_index + 1), self.stride)
        samples = np.array([self.data[row - self.length:row:self.sampling_rate] for row in rows])
        targets = np.array([self.targets[row] for row in rows])
        if self.reverse:
            return samples[:, ::-1, ...], targets
        return samples, targets

    def get_config(self):
        """The arguments as a dict, ``data``/``targets`` JSON-encoded.

        As keras_preprocessing 1.1.2, ``start_index`` is stored with ``length`` added,
        so :func:`timeseries_generator_from_json` starts ``length`` steps later.
        """
        def encode(values, what):
            if type(values).__module__ == np.__name__:
                values = values.tolist()
            try:
                return json.dumps(values)
            except TypeError:
                raise TypeError('%s not JSON Serializable:' % what, values) from None

        return {'data': encode(self.data, 'Data'), 'targets': encode(self.targets, 'Targets'),
                'length': self.length, 'sampling_rate': self.sampling_rate, 'stride': self.stride,
                'start_index': self.start_index, 'end_index': self.end_index, 'shuffle': self.shuffle,
                'reverse': self.reverse, 'batch_size': self.batch_size}

    def to_json(self, **kwargs):
        return json.dumps({'class_name': type(self).__name__, 'config': self.get_config()}, **kwargs)


def timeseries_generator_from_json(json_string):
    """A :class:`TimeseriesGenerator` from :meth:`TimeseriesGenerator.to_json`'s string."""
    config = json.loads(json_string).get('config')
    config['data'] = json.loads(config.pop('data'))
    config['targets'] = json.loads(config.pop('targets'))
    return TimeseriesGenerator(**config)
