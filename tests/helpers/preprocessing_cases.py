"""Cases run against both keras_preprocessing 1.1.2 (by tools/make_preprocessing_fixtures.py, which
stores its outputs in tests/fixtures/preprocessing/) and kcore (by tests/test_preprocessing_reference.py).

Each case takes the modules (``sequence``, ``text``, ``image``) of one implementation and returns
plain data (:func:`normalize`); nothing here imports either implementation.
"""
import json
import random

import numpy as np


def normalize(value):
    """JSON-able data that compares exactly: arrays keep dtype and shape, dicts keep order."""
    if isinstance(value, np.ndarray):
        values = value.tolist()
        if value.dtype.kind == 'f':
            values = np.asarray(value, dtype='float64').tolist()
        return {'__array__': str(value.dtype) if value.dtype.kind != 'O' else 'object',
                'shape': list(value.shape), 'values': normalize(values)}
    if isinstance(value, np.generic):
        return normalize(value.item())
    if isinstance(value, dict):
        return {'__dict__': [[normalize(k), normalize(v)] for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        return [normalize(v) for v in value]
    if isinstance(value, float) and value != value:
        return {'__nan__': True}
    return value


def _sorted_dict(d):
    return dict(sorted(d.items(), key=lambda kv: str(kv[0])))


# -- sequence -------------------------------------------------------------------------------

PAD_CASES = [
    ([[1, 2, 3], [4, 5], [6]], {}),
    ([[1, 2, 3], [4, 5], [6]], {'maxlen': 2}),
    ([[1, 2, 3], [4, 5], [6]], {'maxlen': 2, 'padding': 'post', 'truncating': 'post'}),
    ([[1, 2, 3], [4, 5], [6]], {'maxlen': 5, 'padding': 'post', 'value': -1}),
    ([[1, 2, 3], [], [6]], {'truncating': 'post', 'maxlen': 1}),
    ([[1.5, 2.5], [3.25]], {'dtype': 'float32'}),
    ([[1.5, 2.7], [-3.25]], {}),
    ([[1, 2], [3]], {'dtype': 'float64', 'value': 0.5}),
    ([['a', 'bb'], ['ccc']], {'dtype': object, 'value': 'PAD'}),
    ([['a', 'bb'], ['ccc']], {'dtype': '<U3', 'value': 'x'}),
    ([['a', 'bb'], ['ccc']], {'dtype': object, 'maxlen': 3, 'padding': 'post'}),
    ([[[1, 2], [3, 4]], [[5, 6]], []], {}),
    ([[[1, 2], [3, 4]], [[5, 6]]], {'maxlen': 3, 'padding': 'post', 'dtype': 'float32', 'value': -1.0}),
    ([[[[1], [2]], [[3], [4]]], [[[5], [6]]]], {'truncating': 'post', 'maxlen': 1}),
    ([[True, False], [True]], {'dtype': 'bool', 'value': False}),
    ([[2 ** 40, 1], [3]], {'dtype': 'int64'}),
]


def pad_cases(sequence, text, image=None):
    out = [sequence.pad_sequences(seqs, **kw) for seqs, kw in PAD_CASES]
    out.append(sequence.pad_sequences([np.arange(4), np.arange(2)], maxlen=3))
    out.append(sequence.pad_sequences((np.ones((2, 3)), np.zeros((1, 3))), dtype='float32'))
    return out


def sampling_cases(sequence, text, image=None):
    return [sequence.make_sampling_table(10), sequence.make_sampling_table(7, sampling_factor=1e-3),
            sequence.make_sampling_table(1)]


def skipgram_cases(sequence, text, image=None):
    out = []
    table = sequence.make_sampling_table(12, sampling_factor=0.1)
    for kw in [{}, {'window_size': 2, 'seed': 3}, {'categorical': True, 'seed': 5},
               {'negative_samples': 0.5, 'seed': 1}, {'negative_samples': 0.0, 'shuffle': False},
               {'sampling_table': table, 'seed': 9}, {'window_size': 1, 'shuffle': False}]:
        random.seed(1234)
        out.append(sequence.skipgrams([1, 2, 0, 3, 4, 5, 6, 7, 0, 8, 9, 10, 11], 12, **kw))
    return out


def timeseries_cases(sequence, text, image=None):
    data = np.arange(40).reshape(20, 2)
    targets = np.arange(20) * 10
    out = []
    for kw in [{'length': 3}, {'length': 4, 'sampling_rate': 2, 'batch_size': 3},
               {'length': 2, 'stride': 3, 'batch_size': 2, 'reverse': True},
               {'length': 3, 'start_index': 2, 'end_index': 15, 'batch_size': 4},
               {'length': 5, 'batch_size': 1, 'stride': 2, 'sampling_rate': 3}]:
        gen = sequence.TimeseriesGenerator(data, targets, **kw)
        out.append([len(gen)] + [list(gen[i]) for i in range(len(gen))])
    gen = sequence.TimeseriesGenerator(list(range(10)), list(range(10)), length=2, batch_size=4)
    out.append(json.loads(gen.to_json()))
    out.append(gen.get_config())
    back = sequence.timeseries_generator_from_json(gen.to_json())
    out.append([len(back)] + [list(back[i]) for i in range(len(back))])
    np.random.seed(0)
    shuffled = sequence.TimeseriesGenerator(data, targets, length=3, shuffle=True, batch_size=5)
    out.append(list(shuffled[0]))
    return out


# -- text -----------------------------------------------------------------------------------

CORPUS = [
    'The cat sat on the mat.',
    'The dog ate my homework!! (Really, it did.)',
    'Cats and dogs: friends or foes? The debate goes on...',
    'A tab\there, a newline\nthere; UPPER and lower Case.',
    '',
    'the the the cat cat dog',
    "Don't split contractions-with-hyphens; e-mail me @ home #hashtag",
    'Ünïcödé wörds ÄND Straße café',
]


def word_sequence_cases(sequence, text, image=None):
    out = []
    for s in CORPUS:
        out.append(text.text_to_word_sequence(s))
        out.append(text.text_to_word_sequence(s, lower=False))
        out.append(text.text_to_word_sequence(s, filters='', split=' '))
        out.append(text.text_to_word_sequence(s, filters='.!', split='e'))
        out.append(text.text_to_word_sequence(s, split='  '))
        out.append(text.hashing_trick(s, 17, hash_function='md5'))
        out.append(text.hashing_trick(s, 1000, hash_function=lambda w: len(w) * 31, lower=False))
    return out


def _tokenizer_state(tok):
    return {'word_counts': tok.word_counts, 'word_docs': _sorted_dict(tok.word_docs),
            'index_docs': _sorted_dict(tok.index_docs), 'word_index': _sorted_dict(tok.word_index),
            'index_word': _sorted_dict(tok.index_word), 'document_count': tok.document_count,
            'word_index_ranked': sorted(tok.word_index.items(), key=lambda kv: kv[1])}


TOKENIZER_SETTINGS = [{}, {'num_words': 6}, {'oov_token': '<unk>'}, {'num_words': 5, 'oov_token': 'OOV'},
                      {'char_level': True}, {'char_level': True, 'lower': False, 'num_words': 10},
                      {'lower': False, 'filters': '.', 'split': ' '}, {'split': 'a', 'filters': ''},
                      {'num_words': 0}, {'oov_token': 'the'}]


def tokenizer_cases(sequence, text, image=None):
    out = []
    queries = ['the cat and the unknown zebra', 'dog dog mat', '', 'Ünïcödé café?', 'The The THE']
    for settings in TOKENIZER_SETTINGS:
        tok = text.Tokenizer(**settings)
        tok.fit_on_texts(CORPUS)
        tok.fit_on_texts(['extra words after the first fit', ['a', 'List', 'of', 'words']])
        seqs = tok.texts_to_sequences(queries + [['cat', 'Dog', 'zebra']])
        out.append(_tokenizer_state(tok))
        out.append(seqs)
        out.append(list(tok.texts_to_sequences_generator(CORPUS)))
        out.append(tok.sequences_to_texts(seqs + [[1, 2, 3, 99, 0]]))
        for mode in ('binary', 'count', 'freq', 'tfidf'):
            out.append(tok.texts_to_matrix(queries[:2] + CORPUS[:3], mode=mode))
            out.append(tok.sequences_to_matrix([[1, 2, 2, 3], [], [4, 4, 4, 50]], mode=mode))
        config = json.loads(tok.to_json())['config']
        for key in ('word_docs', 'index_docs', 'word_index', 'index_word'):
            config[key] = _sorted_dict(json.loads(config[key]))
        out.append(config)
        back = text.tokenizer_from_json(tok.to_json())
        out.append(back.texts_to_sequences(queries))
        out.append(back.texts_to_matrix(queries, mode='tfidf'))
    tok = text.Tokenizer(num_words=8)
    tok.fit_on_sequences([[1, 2, 3], [2, 3, 3, 7], [5]])
    out.append([tok.document_count, _sorted_dict(tok.index_docs)])
    for mode in ('binary', 'count', 'freq', 'tfidf'):
        out.append(tok.sequences_to_matrix([[1, 2, 2], [7, 5, 9], []], mode=mode))
    return out


SEQUENCE_TEXT_CASES = {
    'pad': pad_cases, 'sampling': sampling_cases, 'skipgrams': skipgram_cases, 'timeseries': timeseries_cases,
    'word_sequences': word_sequence_cases, 'tokenizer': tokenizer_cases,
}
