"""Keras 2.3's training behaviour (issue 19): history.params keys, predict silent by default,
the learning rate logged as ``lr``, stateful recurrent layers need a batch size."""
import numpy as np
import pytest

import kcore


def _model():
    model = kcore.Sequential([kcore.layers.Dense(2, activation='softmax', input_shape=(3,))])
    model.compile('sgd', 'categorical_crossentropy', metrics=['accuracy'])
    return model


def _data(n=20):
    x = np.random.default_rng(0).random((n, 3)).astype('float32')
    return x, kcore.utils.to_categorical((x[:, 0] > 0.5).astype('int64'), 2)


def test_history_params_have_keras_2_3_keys():
    x, y = _data()
    history = _model().fit(x, y, batch_size=5, epochs=2, verbose=0, validation_split=0.25)
    params = history.params
    assert {'batch_size', 'epochs', 'steps', 'samples', 'verbose', 'do_validation', 'metrics'} <= set(params)
    assert params['batch_size'] == 5 and params['epochs'] == 2 and params['samples'] == 15
    assert params['do_validation'] is True and params['verbose'] == 0
    assert params['metrics'] == ['loss', 'accuracy', 'val_loss', 'val_accuracy']
    assert _model().fit(x, y, epochs=1, verbose=0).params['metrics'] == ['loss', 'accuracy']


def test_predict_is_silent_by_default(capsys):
    x, _ = _data()
    model = _model()
    model.predict(x)
    assert capsys.readouterr().out == ''
    model.predict(x, verbose=1)
    assert '1/1' in capsys.readouterr().out


@pytest.mark.parametrize('callback', [
    lambda: kcore.callbacks.ReduceLROnPlateau(monitor='loss', patience=0, factor=0.5, min_delta=10.0),
    lambda: kcore.callbacks.LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1))])
def test_the_learning_rate_is_logged_as_lr(callback):
    x, y = _data()
    history = _model().fit(x, y, epochs=3, verbose=0, callbacks=[callback()])
    assert 'lr' in history.history and 'learning_rate' not in history.history
    assert len(history.history['lr']) == 3 and history.history['lr'][-1] < 0.1


def test_stateful_rnn_without_a_batch_size_raises_keras_error():
    pytest.importorskip('kcore_rnn')
    with pytest.raises(ValueError, match='If a RNN is stateful, it needs to know its batch size'):
        kcore.Sequential([kcore.layers.LSTM(2, stateful=True, input_shape=(3, 4))])
    with pytest.raises(ValueError, match='`batch_shape` argument to your Input layer'):
        kcore.layers.GRU(2, stateful=True)(kcore.Input((3, 4)))
    model = kcore.Sequential([kcore.layers.LSTM(2, stateful=True, batch_input_shape=(2, 3, 4))])
    assert model.layers[0].states[0].shape == (2, 2)
