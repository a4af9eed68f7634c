"""The progress bar: Keras 2's format, in a terminal and in a log file."""
import io
import re

import numpy as np
import pytest

from kcore.callbacks import ProgbarLogger
from kcore.layers import Dense
from kcore.models import Sequential
from kcore.utils import progbar as pb


class FakeTTY(io.StringIO):
    def isatty(self):
        return True


def test_format_helpers():
    assert pb.format_value(0.123456) == '0.1235'
    assert pb.format_value(1e-5) == '1.0000e-05'
    assert pb.format_value(0) == '0.0000e+00'  # Keras 2 prints zero in scientific notation
    assert pb.format_per_unit(0.0031) == '3ms/step'
    assert pb.format_per_unit(2e-5, 'step') == '20us/step'
    assert pb.format_per_unit(1.5, 'epoch') == '2s/epoch'
    assert pb.format_eta(5) == '5s' and pb.format_eta(125) == '2:05' and pb.format_eta(3725) == '1:02:05'


def test_resolve_verbose():
    assert pb.resolve_verbose('auto', FakeTTY()) == 1
    assert pb.resolve_verbose('auto', io.StringIO()) == 2
    assert pb.resolve_verbose(0) == 0 and pb.resolve_verbose(2) == 2
    with pytest.raises(ValueError, match='verbose'):
        pb.resolve_verbose(3)


def test_bar_in_a_terminal_redraws_in_place():
    out = FakeTTY()
    bar = pb.Progbar(4, stream=out, interval=0)
    for step in range(1, 4):
        bar.update(step, [('loss', 1.0 / step)], finalize=False)
    bar.update(4, [('loss', 0.25), ('val_loss', 0.5)], finalize=True)
    text = out.getvalue()
    frames = text.split('\r')[1:]
    assert len(frames) == 4
    assert re.match(r'1/4 \[======>\.{23}\] - ETA: \d+s - loss: 1\.0000', frames[0])
    assert re.match(r'4/4 \[={30}\] - \d+s \d+us/step - loss: 0\.2500 - val_loss: 0\.5000\n$', frames[3])
    assert text.count('\n') == 1


def test_bar_in_a_file_prints_only_the_final_line():
    out = io.StringIO()
    bar = pb.Progbar(3, stream=out, interval=0)
    for step in range(1, 4):
        bar.update(step, [('loss', 0.5)], finalize=step == 3)
    assert '\r' not in out.getvalue()
    assert out.getvalue().count('\n') == 1 and out.getvalue().startswith('3/3 [====')


def test_shorter_line_is_padded_over_the_longer_one():
    out = FakeTTY()
    bar = pb.Progbar(10, stream=out, interval=0)
    bar.update(1, [('loss', 12345.678)], finalize=False)
    bar.update(2, [('loss', 0.5)], finalize=False)
    first, second = out.getvalue().split('\r')[1:]
    assert len(second) >= len(first)


def test_verbose_2_one_line_and_unknown_target():
    out = io.StringIO()
    bar = pb.Progbar(5, verbose=2, stream=out)
    bar.update(3, [('loss', 0.5)], finalize=False)
    assert out.getvalue() == ''
    bar.update(5, [('loss', 0.25)], finalize=True)
    assert re.match(r'^5/5 - \d+s - loss: 0\.2500 - \d+[mu]?s/epoch - \d+[mu]?s/step\n$', out.getvalue())
    out = FakeTTY()
    bar = pb.Progbar(None, stream=out, interval=0)
    bar.update(7, finalize=True)
    assert '7/Unknown' in out.getvalue()


def _fit(verbose, stream, epochs=2):
    x = np.random.RandomState(0).rand(64, 3).astype('float32')
    y = x.sum(axis=1, keepdims=True)
    m = Sequential([Dense(1, input_shape=(3,))])
    m.compile('sgd', 'mse', metrics=['mae'])
    m.fit(x, y, batch_size=8, epochs=epochs, verbose=verbose, validation_split=0.25,
          callbacks=[ProgbarLogger(stream=stream)])
    return stream.getvalue()


def test_fit_verbose_1_in_a_terminal_shows_the_bar_and_epoch_lines():
    text = _fit(1, FakeTTY())
    assert text.startswith('Epoch 1/2\n')
    assert 'Epoch 2/2\n' in text
    assert '\r' in text
    finals = [l for l in text.split('\n') if ' - val_loss' in l]
    assert len(finals) == 2
    assert re.search(r'6/6 \[={30}\] - \d+s \d+[mu]?s/step - loss: [\d.e+-]+ - mae: [\d.e+-]+ - val_loss: [\d.e+-]+ - '
                     r'val_mae: [\d.e+-]+$', finals[-1])


def test_fit_auto_in_a_log_file_is_one_line_per_epoch_without_carriage_returns():
    text = _fit('auto', io.StringIO(), epochs=3)
    assert '\r' not in text
    lines = text.strip().split('\n')
    assert lines[0::2] == ['Epoch 1/3', 'Epoch 2/3', 'Epoch 3/3']
    assert all(re.match(r'6/6 - \d+s - loss: .* - val_mae: .* - \d+[mu]?s/epoch - \d+[mu]?s/step$', l)
               for l in lines[1::2])


def test_fit_verbose_0_prints_nothing(capsys):
    x = np.ones((4, 3), 'float32')
    m = Sequential([Dense(1, input_shape=(3,))])
    m.compile('sgd', 'mse')
    m.fit(x, np.ones((4, 1)), epochs=2, verbose=0)
    m.evaluate(x, np.ones((4, 1)), verbose=0)
    m.predict(x, verbose=0)
    assert capsys.readouterr().out == ''


def test_evaluate_and_predict_show_their_own_bar():
    x = np.ones((10, 3), 'float32')
    m = Sequential([Dense(1, input_shape=(3,))])
    m.compile('sgd', 'mse')
    out = io.StringIO()
    m.evaluate(x, np.ones((10, 1)), batch_size=4, verbose=1, callbacks=[ProgbarLogger(stream=out)])
    assert re.match(r'^3/3 \[={30}\] - \d+s \d+[mu]?s/step - loss: [\d.e+-]+\n$', out.getvalue())
    out = io.StringIO()
    m.predict(x, batch_size=4, verbose=1, callbacks=[ProgbarLogger(stream=out)])
    assert re.match(r'^3/3 \[={30}\] - \d+s \d+[mu]?s/step\n$', out.getvalue())


def test_progbar_is_importable_from_utils_as_in_keras():
    from kcore.utils import Progbar
    out = io.StringIO()
    bar = Progbar(2, stream=out)
    bar.add(1)
    bar.add(1, [('acc', 0.5)])
    assert out.getvalue().startswith('2/2 [') and 'acc: 0.5000' in out.getvalue()
