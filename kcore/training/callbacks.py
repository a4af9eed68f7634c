"""Callbacks: hooks into ``fit``/``evaluate``/``predict``.

``Callback`` defines every hook as a no-op; ``CallbackList`` calls them in
order.  ``History`` and ``ProgbarLogger`` are added by ``fit`` itself.
"""
from kcore.utils.progbar import Progbar, resolve_verbose


class Callback:
    """Base class; override the hooks you need.  ``self.model`` and ``self.params``
    are set before training starts."""

    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None): pass
    def on_train_end(self, logs=None): pass
    def on_epoch_begin(self, epoch, logs=None): pass
    def on_epoch_end(self, epoch, logs=None): pass
    def on_train_batch_begin(self, batch, logs=None): pass
    def on_train_batch_end(self, batch, logs=None): pass
    def on_test_begin(self, logs=None): pass
    def on_test_end(self, logs=None): pass
    def on_test_batch_begin(self, batch, logs=None): pass
    def on_test_batch_end(self, batch, logs=None): pass
    def on_predict_begin(self, logs=None): pass
    def on_predict_end(self, logs=None): pass
    def on_predict_batch_begin(self, batch, logs=None): pass
    def on_predict_batch_end(self, batch, logs=None): pass

    # Keras 2 names
    def on_batch_begin(self, batch, logs=None):
        self.on_train_batch_begin(batch, logs)

    def on_batch_end(self, batch, logs=None):
        self.on_train_batch_end(batch, logs)

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


_HOOKS = [name for name in vars(Callback) if name.startswith('on_') and name not in ('on_batch_begin', 'on_batch_end')]


class CallbackList:
    """Calls a hook on every callback, in order."""

    def __init__(self, callbacks=None, model=None, params=None):
        self.callbacks = list(callbacks or [])
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError('callbacks must be kcore.callbacks.Callback instances. Received: %r.' % (cb,))
            if model is not None:
                cb.set_model(model)
            if params is not None:
                cb.set_params(params)

    def __getattr__(self, name):
        if name in _HOOKS:
            def call(*args, **kwargs):
                for cb in self.callbacks:
                    getattr(cb, name)(*args, **kwargs)
            return call
        raise AttributeError(name)

    def __iter__(self):
        return iter(self.callbacks)


class History(Callback):
    """Records the epoch logs: ``history.history['loss']`` is one value per epoch."""

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)


class ProgbarLogger(Callback):
    """Prints ``Epoch i/n`` and the progress bar (``verbose`` 1) or one line per epoch (2)."""

    def __init__(self, count_mode='steps', stateful_metrics=None, verbose=1):
        super().__init__()
        self.verbose = verbose
        self._bar = None
        self._seen = 0

    def set_params(self, params):
        super().set_params(params)
        self.verbose = resolve_verbose(params.get('verbose', self.verbose))
        self.epochs = params.get('epochs', 1)
        self.steps = params.get('steps')

    def on_epoch_begin(self, epoch, logs=None):
        if self.verbose:
            print('Epoch %d/%d' % (epoch + 1, self.epochs), flush=True)
        self._start_bar()

    def _start_bar(self):
        self._seen = 0
        self._bar = Progbar(self.steps, verbose=self.verbose) if self.verbose else None

    def on_train_batch_end(self, batch, logs=None):
        self._batch_update(batch, logs)

    def on_test_begin(self, logs=None):
        if self.params.get('mode') == 'test':
            self._start_bar()

    def on_test_batch_end(self, batch, logs=None):
        if self.params.get('mode') == 'test':
            self._batch_update(batch, logs)

    def on_test_end(self, logs=None):
        if self.params.get('mode') == 'test' and self._bar is not None:
            self._bar.update(self._seen, list((logs or {}).items()), finalize=True)

    def on_predict_begin(self, logs=None):
        if self.params.get('mode') == 'predict':
            self._start_bar()

    def on_predict_batch_end(self, batch, logs=None):
        if self.params.get('mode') == 'predict' and self._bar is not None:
            self._seen = batch + 1
            self._bar.update(self._seen, finalize=False)

    def on_predict_end(self, logs=None):
        if self.params.get('mode') == 'predict' and self._bar is not None:
            self._bar.update(self._seen, finalize=True)

    def _batch_update(self, batch, logs):
        if self._bar is None:
            return
        self._seen = batch + 1
        self._bar.update(self._seen, list((logs or {}).items()), finalize=False)

    def on_epoch_end(self, epoch, logs=None):
        if self._bar is not None:
            self._bar.update(self._seen, list((logs or {}).items()), finalize=True)


BUILTINS = [Callback, History, ProgbarLogger]
