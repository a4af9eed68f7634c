"""The callback engine: the ``Callback`` base, ``CallbackList`` that runs the hooks, and the
``History``/``ProgbarLogger`` callbacks ``fit`` adds itself.

``Callback`` defines every hook as a no-op; ``CallbackList`` calls them in
order.  ``fit`` calls them in Keras's order::

    on_train_begin
      on_epoch_begin
        on_train_batch_begin / on_train_batch_end      (each step)
        on_test_begin ... on_test_end                  (validation, when it runs)
      on_epoch_end                                     (logs include val_*)
    on_train_end

``History`` and ``ProgbarLogger`` are added by ``fit`` itself (the bar first,
the history last, as Keras 2 does, so a callback's message prints after the
epoch's line).  The catalogue of callbacks users pick lives in
``kcore.training.callbacks``, which re-exports these names.
"""
from kcore.utils.progbar import Progbar, resolve_verbose


class Callback:
    """Base class; override the hooks you need.  ``self.model`` and ``self.params``
    are set before training starts.

    Keras 2's ``on_batch_begin``/``on_batch_end`` are still honoured: the
    default ``on_train_batch_*`` call them, as in Keras.

    ``chief_only`` (kcore's addition): a callback that prints or writes files
    sets it, so that under a distribution strategy only the chief process
    (rank 0) runs it; the others would repeat its output or race on its files.
    """

    chief_only = False

    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model):
        """Give the callback the model it watches (``fit``/``evaluate``/``predict`` call it).

        Args:
            model: The model being trained, evaluated or run.
        """
        self.model = model

    def set_params(self, params):
        """Give the callback the run's parameters before it starts.

        Args:
            params: A dict as in Keras 2.3: ``epochs``, ``steps``, ``samples``,
                ``batch_size``, ``verbose``, ``do_validation``, ``metrics`` (the
                names in the logs) and ``mode``.
        """
        self.params = params

    def on_train_begin(self, logs=None):
        """Called once when ``fit`` starts.

        Args:
            logs: None (kept for Keras's signature).
        """

    def on_train_end(self, logs=None):
        """Called once when ``fit`` ends, also after an early stop.

        Args:
            logs: The last epoch's logs.
        """

    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of each epoch of ``fit``.

        Args:
            epoch: The epoch index, counting from 0.
            logs: None (kept for Keras's signature).
        """

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of each epoch of ``fit``, after validation.

        Args:
            epoch: The epoch index, counting from 0.
            logs: The epoch's mean loss and metrics (``loss``, ``acc``, ...) and, with
                validation data, the same with a ``val_`` prefix. A callback may add keys.
        """

    def on_test_begin(self, logs=None):
        """Called when ``evaluate`` (or the validation of an epoch) starts.

        Args:
            logs: None (kept for Keras's signature).
        """

    def on_test_end(self, logs=None):
        """Called when ``evaluate`` (or the validation of an epoch) ends.

        Args:
            logs: The mean loss and metrics of the run.
        """

    def on_test_batch_begin(self, batch, logs=None):
        """Called before each batch of ``evaluate``.

        Args:
            batch: The batch index within the epoch (or the run), counting from 0.
            logs: None (kept for Keras's signature).
        """

    def on_test_batch_end(self, batch, logs=None):
        """Called after each batch of ``evaluate``.

        Args:
            batch: The batch index within the epoch (or the run), counting from 0.
            logs: The running mean loss and metrics.
        """

    def on_predict_begin(self, logs=None):
        """Called when ``predict`` starts.

        Args:
            logs: None (kept for Keras's signature).
        """

    def on_predict_end(self, logs=None):
        """Called when ``predict`` ends.

        Args:
            logs: None (kept for Keras's signature).
        """

    def on_predict_batch_begin(self, batch, logs=None):
        """Called before each batch of ``predict``.

        Args:
            batch: The batch index within the epoch (or the run), counting from 0.
            logs: None (kept for Keras's signature).
        """

    def on_predict_batch_end(self, batch, logs=None):
        """Called after each batch of ``predict``.

        Args:
            batch: The batch index within the epoch (or the run), counting from 0.
            logs: The batch's ``outputs``.
        """

    def on_batch_begin(self, batch, logs=None):
        """Keras 2 name of ``on_train_batch_begin``."""

    def on_batch_end(self, batch, logs=None):
        """Keras 2 name of ``on_train_batch_end``."""

    def on_train_batch_begin(self, batch, logs=None):
        """Called before each training batch; by default calls ``on_batch_begin`` (Keras 2).

        Args:
            batch: The batch index within the epoch, counting from 0.
            logs: None (kept for Keras's signature).
        """
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        """Called after each training batch; by default calls ``on_batch_end`` (Keras 2).

        Args:
            batch: The batch index within the epoch, counting from 0.
            logs: The running mean loss and metrics of the epoch so far.
        """
        self.on_batch_end(batch, logs=logs)

    def get_config(self):
        """The callback's constructor arguments as a dict (empty for the base class)."""
        return {}

    @classmethod
    def from_config(cls, config):
        """Create the callback from ``get_config``'s dict.

        Args:
            config: The constructor arguments.

        Returns:
            A new callback.
        """
        return cls(**config)


HOOKS = ('on_train_begin', 'on_train_end', 'on_epoch_begin', 'on_epoch_end',
         'on_train_batch_begin', 'on_train_batch_end', 'on_test_begin', 'on_test_end',
         'on_test_batch_begin', 'on_test_batch_end', 'on_predict_begin', 'on_predict_end',
         'on_predict_batch_begin', 'on_predict_batch_end')


class CallbackList:
    """Calls a hook on every callback, in order.

    ``add_history``/``add_progbar`` add the callbacks ``fit`` always has, unless
    the list already holds one of that type.
    """

    def __init__(self, callbacks=None, model=None, params=None, add_history=False, add_progbar=False):
        self.callbacks = list(callbacks or [])
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError('callbacks must be kcore.callbacks.Callback instances (or a list of them). '
                                'Received: %r. Subclass kcore.callbacks.Callback, or wrap functions in '
                                'kcore.callbacks.LambdaCallback.' % (cb,))
        self.history = next((cb for cb in self.callbacks if isinstance(cb, History)), None)
        if add_progbar and not any(isinstance(cb, ProgbarLogger) for cb in self.callbacks):
            self.callbacks.insert(0, ProgbarLogger())
        if add_history and self.history is None:
            self.history = History()
            self.callbacks.append(self.history)
        for cb in self.callbacks:
            if model is not None:
                cb.set_model(model)
            if params is not None:
                cb.set_params(params)

    def __iter__(self):
        return iter(self.callbacks)

    def __len__(self):
        return len(self.callbacks)


def _dispatch(name, indexed):
    """A ``CallbackList`` method calling hook ``name`` on every callback, logs always passed."""
    if indexed:
        def hook(self, index, logs=None):
            for cb in self.callbacks:
                getattr(cb, name)(index, logs)
    else:
        def hook(self, logs=None):
            for cb in self.callbacks:
                getattr(cb, name)(logs)
    hook.__name__ = name
    hook.__doc__ = "Call every callback's ``%s``, in order." % name
    return hook


for _name in HOOKS:
    setattr(CallbackList, _name, _dispatch(_name, _name.startswith(('on_epoch', 'on_train_batch', 'on_test_batch',
                                                                     'on_predict_batch'))))


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
        if self.model is not None:
            self.model.history = self


class ProgbarLogger(Callback):
    """Prints ``Epoch i/n`` and the progress bar (``verbose`` 1) or one line per epoch (2).

    ``count_mode`` and ``stateful_metrics`` are accepted for Keras 2 scripts; the
    bar always counts steps and shows kcore's running means (as Keras 3 does).
    ``stream`` (kcore's addition) is where it writes, ``sys.stdout`` by default.
    """

    chief_only = True

    def __init__(self, count_mode='steps', stateful_metrics=None, stream=None):
        super().__init__()
        if count_mode not in ('steps', 'samples'):
            raise ValueError("ProgbarLogger: count_mode must be 'steps' or 'samples'. Received: %r." % (count_mode,))
        self.verbose = 1
        self.epochs = 1
        self.steps = None
        self.stream = stream
        self._bar = None
        self._seen = 0

    def set_params(self, params):
        super().set_params(params)
        self.verbose = resolve_verbose(params.get('verbose', 1), self.stream)
        self.epochs = params.get('epochs', 1)
        self.steps = params.get('steps')

    def _write(self, text):
        import sys
        stream = self.stream or sys.stdout
        stream.write(text)
        stream.flush()

    def _start_bar(self):
        self._seen = 0
        self._bar = Progbar(self.steps, verbose=self.verbose, stream=self.stream) if self.verbose else None

    def _update(self, batch, logs, finalize=False):
        if self._bar is None:
            return
        self._seen = batch + 1
        self._bar.update(self._seen, logs or {}, finalize=finalize)  # read only if it prints

    def _finish(self, logs):
        if self._bar is not None:
            self._bar.update(self._seen, logs or {}, finalize=True)
            self._bar = None

    # fit
    def on_epoch_begin(self, epoch, logs=None):
        if self.verbose and self.epochs > 1:
            self._write('Epoch %d/%d\n' % (epoch + 1, self.epochs))
        self._start_bar()

    def on_train_batch_end(self, batch, logs=None):
        self._update(batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._finish(logs)

    # evaluate / predict (their own bar; validation inside fit shows none)
    def on_test_begin(self, logs=None):
        if self.params.get('mode') == 'test':
            self._start_bar()

    def on_test_batch_end(self, batch, logs=None):
        if self.params.get('mode') == 'test':
            self._update(batch, logs)

    def on_test_end(self, logs=None):
        if self.params.get('mode') == 'test':
            self._finish(logs)

    def on_predict_begin(self, logs=None):
        self._start_bar()

    def on_predict_batch_end(self, batch, logs=None):
        self._update(batch, None)

    def on_predict_end(self, logs=None):
        self._finish(None)
