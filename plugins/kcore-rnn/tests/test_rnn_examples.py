"""The two recurrent examples (examples/imdb_lstm.py, examples/char_rnn.py), run
in-process with few epochs on the small data they write themselves."""
import importlib.util
import os

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def load(name):
    path = os.path.join(ROOT, 'examples', name + '.py')
    spec = importlib.util.spec_from_file_location('kcore_example_' + name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_imdb_lstm_learns_sentiment_with_word_order(capsys):
    example = load('imdb_lstm')
    reviews, labels = example.make_reviews(200, seed=1)
    assert {0.0, 1.0} == set(labels.tolist())
    assert any('not' in r for r in reviews)
    padded = example.pad_sequences([[5, 6, 7], [8]], 4)
    np.testing.assert_array_equal(padded, [[0, 5, 6, 7], [0, 0, 0, 8]])
    accuracy = example.main(['--epochs', '6', '--samples', '2000', '--maxlen', '48', '--learning-rate', '0.01',
                             '--verbose', '0'])
    out = capsys.readouterr().out
    assert '1600 training and 400 held-out reviews' in out
    assert accuracy > 0.8  # six short epochs give about 89%; the full run (10 epochs, 4000 reviews) about 98%


def test_char_rnn_learns_and_generates_text(capsys):
    example = load('char_rnn')
    losses, samples = example.main(['--epochs', '3', '--sentences', '200', '--generate', '30', '--verbose', '0'])
    assert losses[-1] < losses[0] * 0.8
    corpus_chars = set(example.make_corpus(200, 0))
    for temperature, text in samples.items():
        assert len(text) == 30 and set(text) <= corpus_chars
    assert 'temperature 0.2' in capsys.readouterr().out
