"""Callbacks: Keras's hook order, and each built-in callback's behaviour."""
import csv
import math
import os

import numpy as np
import pytest

import kcore
from kcore import callbacks
from kcore.errors import SavingError
from kcore.layers import Dense
from kcore.models import Model, Sequential


def _model(loss='mse', optimizer=None, metrics=None, units=1):
    m = Sequential([Dense(4, activation='relu', input_shape=(3,)), Dense(units)])
    m.compile(optimizer or kcore.optimizers.SGD(learning_rate=0.05), loss, metrics=metrics)
    return m


def _data(n=16, seed=0):
    rs = np.random.RandomState(seed)
    x = rs.rand(n, 3).astype('float32')
    return x, x.sum(axis=1, keepdims=True)


class Recorder(callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.calls = []

    def __getattribute__(self, name):
        if name.startswith('on_') and name not in ('on_batch_begin', 'on_batch_end'):
            calls = object.__getattribute__(self, 'calls')
            return lambda *args, **kwargs: calls.append((name,) + tuple(a for a in args if isinstance(a, int)))
        return object.__getattribute__(self, name)


def test_fit_calls_hooks_in_keras_order_with_validation():
    x, y = _data(8)
    rec = Recorder()
    _model().fit(x, y, batch_size=4, epochs=2, validation_data=(x[:4], y[:4]), callbacks=[rec], verbose=0)
    epoch = lambda e: [('on_epoch_begin', e), ('on_train_batch_begin', 0), ('on_train_batch_end', 0),
                       ('on_train_batch_begin', 1), ('on_train_batch_end', 1), ('on_test_begin',),
                       ('on_test_batch_begin', 0), ('on_test_batch_end', 0), ('on_test_end',),
                       ('on_epoch_end', e)]
    assert rec.calls == [('on_train_begin',)] + epoch(0) + epoch(1) + [('on_train_end',)]


def test_evaluate_and_predict_hooks():
    x, y = _data(8)
    m = _model()
    rec = Recorder()
    m.evaluate(x, y, batch_size=8, callbacks=[rec], verbose=0)
    m.predict(x, batch_size=8, callbacks=[rec], verbose=0)
    assert rec.calls == [('on_test_begin',), ('on_test_batch_begin', 0), ('on_test_batch_end', 0),
                         ('on_test_end',), ('on_predict_begin',), ('on_predict_batch_begin', 0),
                         ('on_predict_batch_end', 0), ('on_predict_end',)]


def test_keras2_on_batch_end_still_called():
    class LossHistory(callbacks.Callback):  # the Keras 2 docs' example
        def on_train_begin(self, logs=None):
            self.losses = []

        def on_batch_end(self, batch, logs=None):
            self.losses.append(logs.get('loss'))
    x, y = _data(8)
    h = LossHistory()
    _model().fit(x, y, batch_size=2, epochs=1, callbacks=[h], verbose=0)
    assert len(h.losses) == 4 and all(isinstance(v, float) for v in h.losses)


def test_callbacks_must_be_callback_instances():
    x, y = _data(4)
    with pytest.raises(TypeError, match='LambdaCallback'):
        _model().fit(x, y, callbacks=[lambda: None], verbose=0)


def test_history_and_model_history():
    x, y = _data()
    m = _model()
    h = m.fit(x, y, epochs=3, verbose=0, validation_split=0.25)
    assert h.epoch == [0, 1, 2]
    assert set(h.history) == {'loss', 'val_loss'} and len(h.history['loss']) == 3
    assert m.history is h
    h2 = m.fit(x, y, epochs=2, initial_epoch=1, verbose=0)
    assert h2.epoch == [1]


def test_lambda_callback_and_unknown_hook():
    x, y = _data(8)
    seen = []
    cb = callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append((epoch, round(logs['loss'], 6))),
                                  on_train_batch_begin=lambda batch, logs: seen.append(('b', batch)))
    _model().fit(x, y, batch_size=8, epochs=2, callbacks=[cb], verbose=0)
    assert [s[0] for s in seen] == ['b', 0, 'b', 1]
    with pytest.raises(TypeError, match='on_epoch_ending'):
        callbacks.LambdaCallback(on_epoch_ending=print)


def test_stop_training_from_a_callback_ends_the_epoch_loop():
    x, y = _data(8)

    class StopAtBatch(callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 1:
                self.model.stop_training = True
    h = _model().fit(x, y, batch_size=2, epochs=5, callbacks=[StopAtBatch()], verbose=0)
    assert len(h.history['loss']) == 1


def test_terminate_on_nan(capsys):
    x, y = _data(8)
    y = y.copy()
    y[5] = np.nan
    with pytest.warns(UserWarning, match=r'y at index \(5, 0\)'):  # fit names the bad array first
        h = _model().fit(x, y, batch_size=2, epochs=3, shuffle=False, callbacks=[callbacks.TerminateOnNaN()],
                         verbose=0)
    assert len(h.history['loss']) == 1
    assert 'Batch 2: Invalid loss, terminating training' in capsys.readouterr().out


# -- EarlyStopping --------------------------------------------------------------------------------------
class Scripted(callbacks.Callback):
    """Overwrites the monitored value with a script, so early stopping is tested exactly."""

    def __init__(self, values, key='val_loss'):
        super().__init__()
        self.values, self.key = values, key

    def on_epoch_end(self, epoch, logs=None):
        logs[self.key] = self.values[epoch]


def _run_es(values, es, key='val_loss'):
    x, y = _data(8)
    m = _model()
    h = m.fit(x, y, epochs=len(values), callbacks=[Scripted(values, key), es], verbose=0)
    return len(h.history['loss']), m


def test_early_stopping_patience_and_min_delta():
    assert _run_es([5, 4, 4, 4, 4, 1], callbacks.EarlyStopping(patience=2))[0] == 4
    # 3.95 is not an improvement of more than 0.1 on 4
    assert _run_es([5, 4, 3.95, 3.9, 1, 1], callbacks.EarlyStopping(patience=2, min_delta=0.1))[0] == 4
    assert _run_es([5, 4, 3, 2, 1], callbacks.EarlyStopping(patience=0))[0] == 5


def test_early_stopping_mode_auto_and_max():
    # accuracy goes up: auto infers max
    assert _run_es([0.5, 0.6, 0.6, 0.6], callbacks.EarlyStopping('val_accuracy', patience=1),
                   key='val_accuracy')[0] == 3
    assert _run_es([0.5, 0.6, 0.7, 0.8], callbacks.EarlyStopping('val_score', mode='max', patience=0),
                   key='val_score')[0] == 4
    with pytest.raises(ValueError, match="mode"):
        callbacks.EarlyStopping(mode='up')


def test_early_stopping_baseline():
    # never beats the baseline 1.0: stops after `patience` epochs although it improves
    assert _run_es([3, 2.5, 2, 1.5, 1.2, 0.5], callbacks.EarlyStopping(patience=2, baseline=1.0))[0] == 2
    # beats it at once: the counter restarts as without a baseline
    assert _run_es([0.9, 0.8, 0.7, 0.7, 0.7], callbacks.EarlyStopping(patience=2, baseline=1.0))[0] == 5


def test_early_stopping_restore_best_weights():
    x, y = _data(8)
    m = _model()
    snapshots = []
    record = callbacks.LambdaCallback(on_epoch_end=lambda e, logs: snapshots.append(m.get_weights()))
    es = callbacks.EarlyStopping(patience=1, restore_best_weights=True)
    m.fit(x, y, epochs=6, callbacks=[Scripted([3, 1, 2, 2, 2, 2]), record, es], verbose=0)
    assert es.stopped_epoch == 2 and es.best_epoch == 1
    for got, want in zip(m.get_weights(), snapshots[1]):
        np.testing.assert_array_equal(got, want)


def test_early_stopping_warns_when_the_monitor_is_missing():
    x, y = _data(8)
    with pytest.warns(UserWarning, match='val_loss.*not in the logs'):
        _model().fit(x, y, epochs=1, callbacks=[callbacks.EarlyStopping()], verbose=0)


# -- ModelCheckpoint -------------------------------------------------------------------------------------
def test_model_checkpoint_formats_names_and_saves_loadable_models(tmp_path):
    x, y = _data()
    m = _model()
    path = str(tmp_path / 'm.{epoch:02d}-{val_loss:.2f}.h5')
    m.fit(x, y, epochs=2, validation_split=0.25, callbacks=[callbacks.ModelCheckpoint(path)], verbose=0)
    files = sorted(os.listdir(tmp_path))
    assert len(files) == 2 and files[0].startswith('m.01-') and files[1].startswith('m.02-')
    loaded = kcore.models.load_model(str(tmp_path / files[1]))
    np.testing.assert_allclose(loaded.predict(x, verbose=0), m.predict(x, verbose=0), rtol=1e-6)


def test_model_checkpoint_save_best_only(tmp_path, capsys):
    x, y = _data(8)
    path = str(tmp_path / 'best.h5')
    saved_at = []

    class Watch(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if os.path.exists(path):
                saved_at.append((epoch, os.path.getmtime(path), os.path.getsize(path)))
                os.remove(path)
    ck = callbacks.ModelCheckpoint(path, save_best_only=True, verbose=1)
    _model().fit(x, y, epochs=4, callbacks=[Scripted([3, 1, 2, 0.5]), ck, Watch()], verbose=0)
    assert [e for e, _, _ in saved_at] == [0, 1, 3]
    out = capsys.readouterr().out
    assert 'val_loss improved from inf to 3.00000' in out and 'did not improve from 1.00000' in out


def test_model_checkpoint_weights_only_and_save_freq(tmp_path):
    x, y = _data(8)
    m = _model()
    path = str(tmp_path / 'w.h5')
    m.fit(x, y, batch_size=2, epochs=1, callbacks=[callbacks.ModelCheckpoint(path, save_weights_only=True,
                                                                             save_freq=3)], verbose=0)
    fresh = _model()
    fresh.load_weights(path)
    assert os.path.exists(path)
    with pytest.raises(ValueError, match='save_freq'):
        callbacks.ModelCheckpoint(path, save_freq=0)


def test_model_checkpoint_keras2_period(tmp_path):
    x, y = _data(8)
    path = str(tmp_path / 'w{epoch}.h5')
    _model().fit(x, y, epochs=4, verbose=0, callbacks=[callbacks.ModelCheckpoint(path, save_weights_only=True,
                                                                                 period=2)])
    assert sorted(os.listdir(tmp_path)) == ['w2.h5', 'w4.h5']


class Subclassed(Model):
    def __init__(self):
        super().__init__()
        self.dense = Dense(1)

    def call(self, inputs):
        return self.dense(inputs)


def test_unsavable_model_fails_when_training_begins(tmp_path):
    x, y = _data(8)
    m = Subclassed()
    m.compile('sgd', 'mse')
    ran = []
    with pytest.raises(SavingError, match='save_weights'):
        m.fit(x, y, epochs=2, verbose=0, callbacks=[
            callbacks.LambdaCallback(on_train_batch_begin=lambda b, logs: ran.append(b)),
            callbacks.ModelCheckpoint(str(tmp_path / 'm.h5'))])
    assert ran == []  # no step ran: the check is in on_train_begin
    m.fit(x, y, epochs=1, verbose=0, callbacks=[callbacks.ModelCheckpoint(str(tmp_path / 'w.h5'),
                                                                          save_weights_only=True)])
    assert os.path.exists(tmp_path / 'w.h5')


def test_unsavable_model_fed_by_a_generator_fails_after_the_first_batch(tmp_path):
    x, y = _data(8)
    m = Subclassed()
    m.compile('sgd', 'mse')

    def gen():
        while True:
            yield x[:4], y[:4]
    ran = []
    with pytest.raises(SavingError):
        m.fit(gen(), steps_per_epoch=3, epochs=2, verbose=0, callbacks=[
            callbacks.LambdaCallback(on_train_batch_begin=lambda b, logs: ran.append(b)),
            callbacks.ModelCheckpoint(str(tmp_path / 'm.h5'))])
    assert ran == [0]


def test_model_checkpoint_unknown_name_in_filepath(tmp_path):
    x, y = _data(8)
    with pytest.raises(KeyError, match='val_acc'):
        _model().fit(x, y, epochs=1, verbose=0,
                     callbacks=[callbacks.ModelCheckpoint(str(tmp_path / 'm-{val_acc:.2f}.h5'))])


# -- learning rate ------------------------------------------------------------------------------------------
def test_learning_rate_scheduler_sets_and_logs_the_rate():
    x, y = _data(8)
    m = _model()
    h = m.fit(x, y, epochs=3, verbose=0,
              callbacks=[callbacks.LearningRateScheduler(lambda epoch, lr: 0.1 / (epoch + 1))])
    np.testing.assert_allclose(h.history['lr'], [0.1, 0.05, 0.1 / 3])
    assert m.optimizer.learning_rate == pytest.approx(0.1 / 3)
    # Keras 2's one-argument schedule
    h = _model().fit(x, y, epochs=2, verbose=0, callbacks=[callbacks.LearningRateScheduler(lambda e: 0.01 * (e + 1))])
    np.testing.assert_allclose(h.history['lr'], [0.01, 0.02])
    with pytest.raises(ValueError, match='finite float'):
        _model().fit(x, y, verbose=0, callbacks=[callbacks.LearningRateScheduler(lambda e, lr: 'fast')])


def test_learning_rate_scheduler_changes_the_update():
    x, y = _data(8)
    a, b = _model(), _model()
    b.set_weights(a.get_weights())
    a.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    b.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0,
          callbacks=[callbacks.LearningRateScheduler(lambda e, lr: 0.0)])
    assert not np.allclose(a.get_weights()[0], b.get_weights()[0])
    fresh = _model()
    fresh.set_weights(b.get_weights())  # lr 0 left the weights as they were
    np.testing.assert_array_equal(b.get_weights()[0], fresh.get_weights()[0])


def test_reduce_lr_on_plateau():
    x, y = _data(8)
    m = _model()
    cb = callbacks.ReduceLROnPlateau(factor=0.5, patience=1, cooldown=2, min_lr=0.01)
    h = m.fit(x, y, epochs=7, verbose=0, callbacks=[Scripted([1, 1, 1, 1, 1, 1, 1]), cb])
    # logged before the epoch's reduction: halved at index 1, 3 and 5 (the cooldown counts down
    # first, so 2 epochs of cooldown leave one quiet epoch, as in Keras); never below min_lr
    np.testing.assert_allclose(h.history['lr'], [0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125, 0.01])
    with pytest.raises(ValueError, match='factor'):
        callbacks.ReduceLROnPlateau(factor=1.5)


# -- CSVLogger -----------------------------------------------------------------------------------------------
def test_csv_logger_writes_and_appends(tmp_path):
    x, y = _data(8)
    path = str(tmp_path / 'log.csv')
    m = _model(metrics=['mae'])
    m.fit(x, y, epochs=2, verbose=0, validation_data=(x, y), callbacks=[callbacks.CSVLogger(path)])
    m.fit(x, y, epochs=1, verbose=0, validation_data=(x, y), callbacks=[callbacks.CSVLogger(path, append=True)])
    with open(path) as f:
        rows = list(csv.reader(f))
    assert rows[0] == ['epoch', 'loss', 'mae', 'val_loss', 'val_mae']
    assert [r[0] for r in rows[1:]] == ['0', '1', '0']
    assert all(math.isfinite(float(v)) for r in rows[1:] for v in r)


def test_builtin_callbacks_resolve_by_name():
    for name in ('EarlyStopping', 'ModelCheckpoint', 'LearningRateScheduler', 'ReduceLROnPlateau', 'CSVLogger',
                 'TerminateOnNaN', 'LambdaCallback', 'History', 'ProgbarLogger'):
        assert issubclass(getattr(kcore.callbacks, name), callbacks.Callback)


def test_verbose_messages_use_keras_2_3_wording(tmp_path, capsys):
    """Keras 2.3 prints epochs as %05d and values as %0.5f (``Epoch 00003: val_loss improved ...``)."""
    x, y = _data(8)
    path = str(tmp_path / 'best.h5')
    ck = callbacks.ModelCheckpoint(path, save_best_only=True, verbose=1)
    es = callbacks.EarlyStopping(patience=1, verbose=1, restore_best_weights=True)
    lr = callbacks.ReduceLROnPlateau(patience=1, verbose=1, factor=0.5)
    _model().fit(x, y, epochs=4, callbacks=[Scripted([0.5, 0.4, 0.6, 0.7]), ck, lr, es], verbose=0)
    out = capsys.readouterr().out
    assert '\nEpoch 00001: val_loss improved from inf to 0.50000, saving model to %s' % path in out
    assert '\nEpoch 00002: val_loss improved from 0.50000 to 0.40000, saving model to %s' % path in out
    assert '\nEpoch 00003: val_loss did not improve from 0.40000' in out
    assert '\nEpoch 00003: ReduceLROnPlateau reducing learning rate to 0.0' in out
    assert 'Restoring model weights from the end of the best epoch\nEpoch 00003: early stopping' in out
    ck = callbacks.ModelCheckpoint(str(tmp_path / 'm{epoch}.h5'), verbose=1)
    sched = callbacks.LearningRateScheduler(lambda epoch: 0.01, verbose=1)
    _model().fit(x, y, epochs=1, callbacks=[ck, sched], verbose=0)
    out = capsys.readouterr().out
    assert '\nEpoch 00001: saving model to %s' % (tmp_path / 'm1.h5') in out
    assert '\nEpoch 00001: LearningRateScheduler setting learning rate to 0.01.' in out
