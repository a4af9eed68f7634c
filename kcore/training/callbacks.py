"""Callbacks: hooks into ``fit``/``evaluate``/``predict``.

The engine (``Callback``, ``CallbackList``, ``History``, ``ProgbarLogger``) lives in
``kcore.training.callback_engine`` and is re-exported here; this module holds the catalogue
users pick from.  The callbacks that watch a logged quantity (EarlyStopping,
ModelCheckpoint, ReduceLROnPlateau) share ``_Monitor`` for the direction and
the "is this an improvement" rule.
"""
import csv
import math
import os
import warnings

import numpy as np

from kcore.training.callback_engine import HOOKS, Callback, CallbackList, History, ProgbarLogger  # noqa: F401


class LambdaCallback(Callback):
    """A callback from plain functions, e.g.
    ``LambdaCallback(on_epoch_end=lambda epoch, logs: print(logs['loss']))``.

    Any hook may be given (``on_train_batch_end=...``, ``on_test_begin=...``);
    the arguments are the hook's.

    Args:
        on_epoch_begin: Called as ``f(epoch, logs)``.
        on_epoch_end: Called as ``f(epoch, logs)``.
        on_batch_begin: Called as ``f(batch, logs)`` before each training batch.
        on_batch_end: Called as ``f(batch, logs)`` after each training batch.
        on_train_begin: Called as ``f(logs)``.
        on_train_end: Called as ``f(logs)``.
        **kwargs: Any other hook, by its name.
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_batch_begin=None, on_batch_end=None,
                 on_train_begin=None, on_train_end=None, **kwargs):
        super().__init__()
        given = dict(kwargs, on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end,
                     on_batch_begin=on_batch_begin, on_batch_end=on_batch_end,
                     on_train_begin=on_train_begin, on_train_end=on_train_end)
        allowed = set(HOOKS) | {'on_batch_begin', 'on_batch_end'}
        unknown = sorted(set(kwargs) - allowed)
        if unknown:
            raise TypeError('LambdaCallback: unknown hook(s) %s. Expected some of: %s.'
                            % (', '.join(unknown), ', '.join(sorted(allowed))))
        for name, fn in given.items():
            if fn is None:
                continue
            if not callable(fn):
                raise TypeError('LambdaCallback: %s must be callable. Received: %r.' % (name, fn))
            setattr(self, name, fn)


class TerminateOnNaN(Callback):
    """Stops training as soon as a batch's loss is NaN or infinite."""

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get('loss')
        if loss is not None and not math.isfinite(float(loss)):
            print('Batch %d: Invalid loss, terminating training' % batch)
            self.model.stop_training = True


class CSVLogger(Callback):
    """Writes one row per epoch (``epoch`` and every logged value) to a CSV file.

    The header is the sorted log names (Keras's order); with ``append=True`` an
    existing file is continued without a second header.

    Args:
        filename: The CSV file.
        separator: The field separator.
        append: Continue an existing file instead of replacing it.
    """

    chief_only = True

    def __init__(self, filename, separator=',', append=False):
        super().__init__()
        self.filename = os.fspath(filename)
        self.sep = separator
        self.append = append
        self._file = None
        self._writer = None
        self._keys = None

    def on_train_begin(self, logs=None):
        has_rows = self.append and os.path.exists(self.filename) and os.path.getsize(self.filename) > 0
        self._file = open(self.filename, 'a' if self.append else 'w', newline='')
        self._keys = None
        self._writer = None
        self._append_header = not has_rows

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        if self._keys is None:
            self._keys = sorted(logs)
            self._writer = csv.DictWriter(self._file, fieldnames=['epoch'] + self._keys,
                                          delimiter=self.sep, extrasaction='ignore')
            if self._append_header:
                self._writer.writeheader()
        row = {'epoch': epoch}
        row.update({k: _csv_value(logs.get(k, 'NA')) for k in self._keys})
        self._writer.writerow(row)
        self._file.flush()

    def on_train_end(self, logs=None):
        if self._file is not None:
            self._file.close()
            self._file = None

    def get_config(self):
        return {'filename': self.filename, 'separator': self.sep, 'append': self.append}


def _csv_value(v):
    if isinstance(v, (np.ndarray, list, tuple)) and np.ndim(v) > 0:
        return '"[%s]"' % ', '.join(str(x) for x in np.ravel(v))
    return v


# -- callbacks that watch a logged quantity ---------------------------------------------
_MAXIMIZED = ('acc', 'accuracy', 'auc', 'precision', 'recall', 'fmeasure')


class _Monitor:
    """Which direction ``monitor`` should go, and whether a value improves on another.

    ``mode='auto'`` infers the direction from the name as Keras does: accuracies,
    AUC, precision and recall go up, everything else (losses, errors) goes down.
    """

    def __init__(self, owner, monitor, mode, min_delta=0.0):
        if mode not in ('auto', 'min', 'max'):
            raise ValueError("%s: mode must be 'auto', 'min' or 'max'. Received: mode=%r."
                             % (owner, mode))
        if mode == 'auto':
            base = monitor[4:] if monitor.startswith('val_') else monitor
            last = base.split('_')[-1] if '_' in base else base
            mode = 'max' if ('acc' in base or last in _MAXIMIZED or base in _MAXIMIZED) else 'min'
        self.owner = owner
        self.monitor = monitor
        self.mode = mode
        self.min_delta = abs(float(min_delta))

    def initial(self):
        return math.inf if self.mode == 'min' else -math.inf

    def improves(self, value, reference):
        if self.mode == 'min':
            return value < reference - self.min_delta
        return value > reference + self.min_delta

    def value(self, logs, action):
        """The monitored value from ``logs``, or None with a warning naming what is there."""
        value = (logs or {}).get(self.monitor)
        if value is None:
            warnings.warn('%s: the monitored quantity %r is not in the logs, so it cannot %s. Available: %s. '
                          'Monitor one of these (validation values need validation_data or '
                          'validation_split).' % (self.owner, self.monitor, action,
                                                  ', '.join(sorted(logs or {})) or 'none'),
                          UserWarning, stacklevel=3)
            return None
        return float(value)


class EarlyStopping(Callback):
    """Stops training when ``monitor`` has not improved for ``patience`` epochs.

    Keras's rules: an improvement must beat the best value by more than
    ``min_delta``; with ``baseline`` the patience counter only restarts on a
    value that also beats the baseline, so a run that never reaches it stops
    after ``patience`` epochs even while improving (as Keras 3 documents; its
    code never stops an improving run, tf.keras 2 stopped one at patience=0); with
    ``restore_best_weights`` the weights of the best epoch are put back when
    training ends, also when it ran to the last epoch (Keras 3); nothing is
    watched before ``start_from_epoch``.

    Args:
        monitor: The logged value to watch, e.g. ``'val_loss'`` or ``'val_accuracy'``.
        min_delta: The smallest change that counts as an improvement.
        patience: Epochs without improvement before training stops.
        verbose: 1 prints a line when it acts; 0 is silent.
        mode: ``'min'``, ``'max'``, or ``'auto'`` to infer it from the name (accuracies rise).
        baseline: A value the monitored quantity must beat, or None.
        restore_best_weights: Put the best epoch's weights back when training ends.
        start_from_epoch: Epochs to wait before watching (a warm-up).
    """

    def __init__(self, monitor='val_loss', min_delta=0, patience=0, verbose=0, mode='auto', baseline=None,
                 restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        self._watch = _Monitor('EarlyStopping', monitor, mode, min_delta)
        self.monitor = monitor
        self.patience = int(patience)
        self.verbose = verbose
        self.baseline = baseline
        self.restore_best_weights = bool(restore_best_weights)
        self.start_from_epoch = int(start_from_epoch)
        self._reset()

    def _reset(self):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = self._watch.initial()
        self.best_weights = None
        self.best_epoch = 0

    def on_train_begin(self, logs=None):
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        if epoch < self.start_from_epoch:
            return
        current = self._watch.value(logs, 'stop early')
        if current is None:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._watch.improves(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._watch.improves(current, self.baseline):
                self.wait = 0
                return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        # Keras 2.3's wording: the restore line comes first, then 'Epoch 00005: early stopping'
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print('Restoring model weights from the end of the best epoch')
            self.model.set_weights(self.best_weights)
        if self.stopped_epoch > 0 and self.verbose > 0:
            print('Epoch %05d: early stopping' % (self.stopped_epoch + 1))

    def get_config(self):
        return {'monitor': self.monitor, 'min_delta': self._watch.min_delta, 'patience': self.patience,
                'verbose': self.verbose, 'mode': self._watch.mode, 'baseline': self.baseline,
                'restore_best_weights': self.restore_best_weights, 'start_from_epoch': self.start_from_epoch}


class ModelCheckpoint(Callback):
    """Saves the model (or its weights) after every epoch, or every ``save_freq`` batches.

    ``filepath`` may hold ``{epoch:02d}`` and any logged value, e.g.
    ``'weights.{epoch:02d}-{val_loss:.2f}.h5'``.  With ``save_best_only`` a file
    is written only when ``monitor`` improves.  Whether the model *can* be saved
    is checked in ``on_train_begin`` (``kcore.saving.check_savable``; after the
    first batch for a model that data from a generator builds), so a model
    without a config fails before the first epoch ends, not after it.

    Args:
        filepath: Where to save; may hold ``{epoch}`` and logged values.
        monitor: The logged value to watch, e.g. ``'val_loss'`` or ``'val_accuracy'``.
        verbose: 1 prints a line when it acts; 0 is silent.
        save_best_only: Save only when ``monitor`` improves.
        save_weights_only: Save only the weights (``save_weights``) instead of the model.
        mode: ``'min'``, ``'max'``, or ``'auto'`` to infer it from the name (accuracies rise).
        save_freq: ``'epoch'``, or a number of batches between saves.
        initial_value_threshold: With ``save_best_only``, a value to beat before the first save.
        **kwargs: Keras 2's ``period`` (save every ``period`` epochs).
    """

    chief_only = True

    def __init__(self, filepath, monitor='val_loss', verbose=0, save_best_only=False, save_weights_only=False,
                 mode='auto', save_freq='epoch', initial_value_threshold=None, **kwargs):
        super().__init__()
        if 'period' in kwargs:  # Keras 2: save every `period` epochs
            self.period = int(kwargs.pop('period'))
        else:
            self.period = 1
        if kwargs:
            raise TypeError('ModelCheckpoint got unexpected argument(s): %s.' % ', '.join(sorted(kwargs)))
        if save_freq != 'epoch' and not (isinstance(save_freq, int) and save_freq > 0):
            raise ValueError("ModelCheckpoint: save_freq must be 'epoch' or a positive number of batches. "
                             "Received: save_freq=%r." % (save_freq,))
        self._watch = _Monitor('ModelCheckpoint', monitor, mode)
        self.filepath = os.fspath(filepath)
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = bool(save_best_only)
        self.save_weights_only = bool(save_weights_only)
        self.save_freq = save_freq
        self.initial_value_threshold = initial_value_threshold
        self.best = self._initial_best()
        self._epoch = 0
        self._batches_seen = 0
        self._checked = False

    def _initial_best(self):
        if self.initial_value_threshold is not None:
            return float(self.initial_value_threshold)
        return self._watch.initial()

    def on_train_begin(self, logs=None):
        self._batches_seen = 0
        self._checked = False
        if getattr(self.model, 'built', True):
            self._check_savable()

    def _check_savable(self):
        from kcore.saving import check_savable  # kcore.saving loads on the first save, not at import
        check_savable(self.model, weights_only=self.save_weights_only)
        self._checked = True

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if not self._checked:  # a model built by its first batch (data from a generator)
            self._check_savable()
        if self.save_freq == 'epoch':
            return
        self._batches_seen += 1
        if self._batches_seen % self.save_freq == 0:
            self._save(self._epoch, dict(logs or {}, batch=batch + 1))

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == 'epoch' and (epoch + 1) % self.period == 0:
            self._save(epoch, logs or {})

    def format_filepath(self, epoch, logs):
        """The file name for ``epoch`` (0-based) with ``logs`` filled in."""
        try:
            return self.filepath.format(epoch=epoch + 1, **logs)
        except KeyError as e:
            raise KeyError('ModelCheckpoint: filepath %r names {%s}, which is not among the logged values: '
                           'epoch, %s. Use one of those names.'
                           % (self.filepath, e.args[0], ', '.join(sorted(logs)))) from None

    def _save(self, epoch, logs):
        path = self.format_filepath(epoch, logs)
        if self.save_best_only:
            current = self._watch.value(logs, 'save the best model only')
            if current is None:
                return
            if not self._watch.improves(current, self.best):
                if self.verbose > 0:
                    print('\nEpoch %05d: %s did not improve from %0.5f' % (epoch + 1, self.monitor, self.best))
                return
            if self.verbose > 0:
                print('\nEpoch %05d: %s improved from %0.5f to %0.5f, saving model to %s'
                      % (epoch + 1, self.monitor, self.best, current, path))
            self.best = current
        elif self.verbose > 0:
            print('\nEpoch %05d: saving model to %s' % (epoch + 1, path))
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(path, overwrite=True)
        else:
            self.model.save(path, overwrite=True)

    def get_config(self):
        return {'filepath': self.filepath, 'monitor': self.monitor, 'verbose': self.verbose,
                'save_best_only': self.save_best_only, 'save_weights_only': self.save_weights_only,
                'mode': self._watch.mode, 'save_freq': self.save_freq,
                'initial_value_threshold': self.initial_value_threshold}


def _optimizer_of(model, who):
    opt = getattr(model, 'optimizer', None)
    if opt is None or not hasattr(opt, 'learning_rate'):
        raise ValueError('%s needs a compiled model whose optimizer has a learning_rate. Received: '
                         'optimizer=%r. Call model.compile(optimizer=...) first.' % (who, opt))
    return opt


class LearningRateScheduler(Callback):
    """Sets the learning rate at the start of each epoch to ``schedule(epoch, lr)``
    (or ``schedule(epoch)``, Keras 2's one-argument form); the rate used is logged
    as ``lr`` (Keras 2.3's key).

    Args:
        schedule: ``f(epoch, lr) -> new lr`` (or ``f(epoch)``), epochs counted from 0.
        verbose: 1 prints a line when it acts; 0 is silent.
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise TypeError('LearningRateScheduler: schedule must be a function (epoch, lr) -> lr. '
                            'Received: %r.' % (schedule,))
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        opt = _optimizer_of(self.model, 'LearningRateScheduler')
        lr = float(opt.learning_rate)
        try:
            new = self.schedule(epoch, lr)
        except TypeError:  # Keras 2 schedules take only the epoch
            new = self.schedule(epoch)
        if isinstance(new, (np.ndarray, np.generic)):
            new = new.item()
        if not isinstance(new, (float, int)) or isinstance(new, bool) or not math.isfinite(new):
            raise ValueError('LearningRateScheduler: the schedule must return a finite float. Received: %r '
                             'for epoch %d.' % (new, epoch))
        opt.learning_rate = float(new)
        if self.verbose > 0:
            print('\nEpoch %05d: LearningRateScheduler setting learning rate to %s.' % (epoch + 1, float(new)))

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs['lr'] = float(_optimizer_of(self.model, 'LearningRateScheduler').learning_rate)


class ReduceLROnPlateau(Callback):
    """Multiplies the learning rate by ``factor`` when ``monitor`` has not improved
    (by more than ``min_delta``) for ``patience`` epochs; then waits ``cooldown``
    epochs, and never goes below ``min_lr``.  The rate is logged as ``lr`` (Keras 2.3's key).

    Args:
        monitor: The logged value to watch, e.g. ``'val_loss'`` or ``'val_accuracy'``.
        factor: The multiplier applied to the rate, below 1.
        patience: Epochs without improvement before the rate is reduced.
        verbose: 1 prints a line when it acts; 0 is silent.
        mode: ``'min'``, ``'max'``, or ``'auto'`` to infer it from the name (accuracies rise).
        min_delta: The smallest change that counts as an improvement.
        cooldown: Epochs to wait after a reduction before watching again.
        min_lr: The lowest rate.
        **kwargs: Keras 2.0's ``epsilon`` (the old name of ``min_delta``).
    """

    def __init__(self, monitor='val_loss', factor=0.1, patience=10, verbose=0, mode='auto', min_delta=1e-4,
                 cooldown=0, min_lr=0.0, **kwargs):
        super().__init__()
        if 'epsilon' in kwargs:  # Keras 2.0's name for min_delta
            min_delta = kwargs.pop('epsilon')
        if kwargs:
            raise TypeError('ReduceLROnPlateau got unexpected argument(s): %s.' % ', '.join(sorted(kwargs)))
        if not factor < 1.0:
            raise ValueError('ReduceLROnPlateau does not support a factor >= 1.0: it must reduce the rate. '
                             'Received: factor=%r.' % (factor,))
        self._watch = _Monitor('ReduceLROnPlateau', monitor, mode, min_delta)
        self.monitor = monitor
        self.factor = float(factor)
        self.patience = int(patience)
        self.verbose = verbose
        self.cooldown = int(cooldown)
        self.min_lr = float(min_lr)
        self._reset()

    def _reset(self):
        self.best = self._watch.initial()
        self.wait = 0
        self.cooldown_counter = 0

    def on_train_begin(self, logs=None):
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        opt = _optimizer_of(self.model, 'ReduceLROnPlateau')
        logs = logs if logs is not None else {}
        logs['lr'] = float(opt.learning_rate)
        current = self._watch.value(logs, 'reduce the learning rate')
        if current is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self._watch.improves(current, self.best):
            self.best = current
            self.wait = 0
        elif self.cooldown_counter <= 0:
            self.wait += 1
            if self.wait >= self.patience:
                old = float(opt.learning_rate)
                if old > self.min_lr:
                    new = max(old * self.factor, self.min_lr)
                    opt.learning_rate = new
                    if self.verbose > 0:
                        print('\nEpoch %05d: ReduceLROnPlateau reducing learning rate to %s.' % (epoch + 1, new))
                    self.cooldown_counter = self.cooldown
                    self.wait = 0

    def get_config(self):
        return {'monitor': self.monitor, 'factor': self.factor, 'patience': self.patience,
                'verbose': self.verbose, 'mode': self._watch.mode, 'min_delta': self._watch.min_delta,
                'cooldown': self.cooldown, 'min_lr': self.min_lr}


class BaseLogger(Callback):
    """Keras 2's epoch averages of the batch logs, weighted by each batch's ``size``.

    Keras 2 added it to every ``fit``; kcore's training loop computes the epoch's
    exact means itself, so this callback only fills in what the epoch logs lack (a
    value a callback logged per batch).  ``stateful_metrics`` are taken as logged
    last, not averaged.

    Args:
        stateful_metrics: names of values that are not averaged over the epoch.
    """

    def __init__(self, stateful_metrics=None):
        super().__init__()
        self.stateful_metrics = set(stateful_metrics or [])

    def on_epoch_begin(self, epoch, logs=None):
        self.seen = 0
        self.totals = {}

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        size = logs.get('size', 1) or 1
        self.seen += size
        for k, v in logs.items():
            if k in ('batch', 'size'):
                continue
            if k in self.stateful_metrics:
                self.totals[k] = v
            else:
                self.totals[k] = self.totals.get(k, 0.0) + v * size

    def on_epoch_end(self, epoch, logs=None):
        if logs is None or not self.seen:
            return
        for k, total in self.totals.items():
            if k not in logs:
                logs[k] = total if k in self.stateful_metrics else total / self.seen


class RemoteMonitor(Callback):
    """Sends the epoch logs to a server: an HTTP POST to ``root + path`` at the end of each epoch.

    As Keras 2, the logs go as one form field ``field`` holding their JSON, or as a
    JSON body with ``send_as_json=True``; a server that cannot be reached gives a
    warning, not an error.  kcore uses the standard library (no ``requests``).

    Args:
        root: the server's URL.
        path: the path to post to.
        field: the form field holding the JSON (form encoding only).
        headers: extra HTTP headers.
        send_as_json: post the logs as ``application/json``.
    """

    chief_only = True

    def __init__(self, root='http://localhost:9000', path='/publish/epoch/end/', field='data', headers=None,
                 send_as_json=False):
        super().__init__()
        self.root = root
        self.path = path
        self.field = field
        self.headers = headers
        self.send_as_json = send_as_json

    def on_epoch_end(self, epoch, logs=None):
        import json
        import urllib.parse
        import urllib.request
        send = {'epoch': epoch}
        for k, v in (logs or {}).items():
            send[k] = v.item() if isinstance(v, (np.ndarray, np.generic)) else v
        headers = dict(self.headers or {})
        if self.send_as_json:
            body = json.dumps(send).encode('utf-8')
            headers.setdefault('Content-Type', 'application/json')
        else:
            body = urllib.parse.urlencode({self.field: json.dumps(send)}).encode('utf-8')
            headers.setdefault('Content-Type', 'application/x-www-form-urlencoded')
        request = urllib.request.Request(self.root + self.path, data=body, headers=headers, method='POST')
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                response.read()
        except (OSError, ValueError):
            warnings.warn('Warning: could not reach RemoteMonitor root server at ' + str(self.root))


BUILTINS = [Callback, History, ProgbarLogger, LambdaCallback, TerminateOnNaN, CSVLogger, EarlyStopping,
            ModelCheckpoint, LearningRateScheduler, ReduceLROnPlateau, BaseLogger, RemoteMonitor]
