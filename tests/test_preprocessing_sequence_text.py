"""kcore.preprocessing.sequence and .text: what the reference cases do not cover (errors, fit, hashing)."""
import json
from collections import OrderedDict

import numpy as np
import pytest

import kcore
from kcore.preprocessing import sequence, text
from kcore.preprocessing.sequence import TimeseriesGenerator, pad_sequences
from kcore.preprocessing.text import Tokenizer


def test_pad_sequences_bad_input_names_the_argument():
    with pytest.raises(ValueError, match='maxlen'):
        pad_sequences([[1, 2]], maxlen=-1)
    with pytest.raises(ValueError, match='maxlen'):
        pad_sequences([[1, 2]], maxlen=2.5)
    with pytest.raises(ValueError, match='position 1 .*dtype'):
        pad_sequences([[1, 2], ['a', 'b']])
    with pytest.raises(ValueError, match='non-iterable'):
        pad_sequences([[1], 5])
    with pytest.raises(ValueError, match='must be iterable'):
        pad_sequences(x for x in [[1]])
    with pytest.raises(ValueError, match='dtype=object'):
        pad_sequences([['a']], value='x')
    with pytest.raises(ValueError, match='padding="pre" or "post"'):
        pad_sequences([[1]], padding='middle')
    with pytest.raises(ValueError, match='truncating'):
        pad_sequences([[1]], truncating='middle')
    with pytest.raises(ValueError, match='different from expected shape'):
        pad_sequences([[[1, 2]], [[1, 2, 3]]])


def test_timeseries_generator_trains_a_model():
    data = np.random.RandomState(0).rand(50, 3).astype('float32')
    gen = TimeseriesGenerator(data, data[:, :1], length=4, batch_size=8)
    assert isinstance(gen, kcore.utils.Sequence)
    model = kcore.Sequential([kcore.layers.Flatten(input_shape=(4, 3)), kcore.layers.Dense(1)])
    model.compile('sgd', 'mse')
    history = model.fit(gen, epochs=2, verbose=0)
    assert len(history.history['loss']) == 2
    with pytest.raises(ValueError, match='same length'):
        TimeseriesGenerator(data, data[:3], length=2)
    with pytest.raises(ValueError, match='length'):
        TimeseriesGenerator(data, data, length=0)
    with pytest.raises(ValueError, match='is disallowed'):
        TimeseriesGenerator(data, data, length=60)


def test_tokenizer_word_counts_keep_insertion_order_and_json_round_trips():
    tok = Tokenizer(oov_token='<oov>')
    tok.fit_on_texts(['b a b', 'c a'])
    assert isinstance(tok.word_counts, OrderedDict) and list(tok.word_counts) == ['b', 'a', 'c']
    assert tok.word_index == {'<oov>': 1, 'b': 2, 'a': 3, 'c': 4}
    back = text.tokenizer_from_json(tok.to_json())
    assert back.word_index == tok.word_index and back.texts_to_sequences(['a z']) == [[3, 1]]
    assert json.loads(tok.to_json())['class_name'] == 'Tokenizer'


def test_tokenizer_bad_input():
    tok = Tokenizer()
    with pytest.raises(TypeError, match='wrap it in a list'):
        tok.fit_on_texts('one text')
    with pytest.raises(ValueError, match='fit on some text'):
        tok.texts_to_matrix(['a'])
    tok.fit_on_texts(['a b'])
    with pytest.raises(ValueError, match='vectorization mode'):
        tok.texts_to_matrix(['a'], mode='onehot')
    with pytest.raises(ValueError, match='num_words'):
        Tokenizer(num_words=-3)
    with pytest.raises(TypeError, match='Unrecognized keyword'):
        Tokenizer(words=3)
    with pytest.warns(UserWarning, match='num_words'):
        assert Tokenizer(nb_words=4).num_words == 4
    with pytest.raises(ValueError, match='tfidf'):
        Tokenizer(num_words=3).sequences_to_matrix([[1]], mode='tfidf')


def test_one_hot_and_hashing():
    assert text.one_hot('a b a', 7) == [hash('a') % 6 + 1, hash('b') % 6 + 1, hash('a') % 6 + 1]
    assert text.hashing_trick('Hello, world', 1000, hash_function='md5') == [
        int(__import__('hashlib').md5(w.encode()).hexdigest(), 16) % 999 + 1 for w in ('hello', 'world')]
    with pytest.raises(ValueError, match='`n`'):
        text.one_hot('a', 1)
    with pytest.raises(TypeError, match='str'):
        text.text_to_word_sequence(b'bytes')


def test_skipgrams_and_sampling_table_shapes():
    couples, labels = sequence.skipgrams([1, 2, 3], 4, window_size=1, seed=0)
    assert len(couples) == len(labels) == 8 and sorted(labels) == [0] * 4 + [1] * 4
    table = sequence.make_sampling_table(100)
    assert table.shape == (100,) and np.all(np.diff(table[1:]) >= 0) and table.max() <= 1


def test_keras_submodule_hooks_of_keras_preprocessing():
    import types

    import kcore.backend
    import kcore.preprocessing as pre
    import kcore.utils
    assert pre.get_keras_submodule('backend') is kcore.backend
    assert pre.get_keras_submodule('utils') is kcore.utils
    with pytest.raises(ImportError, match="'backend' or 'utils'"):
        pre.get_keras_submodule('models')
    fake = types.ModuleType('fake_utils')
    try:
        pre.set_keras_submodules(backend=kcore.backend, utils=fake)
        assert pre.get_keras_submodule('utils') is fake
    finally:
        pre._KERAS_SUBMODULES.clear()
