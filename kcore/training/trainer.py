"""The training loop: ``compile``, ``fit``, ``evaluate``, ``predict`` and friends.

``Trainer`` is a mixin of ``Model``.  Its override points are Keras's:
``train_step(data)``, ``test_step(data)`` and ``predict_step(data)``, each
taking one batch and returning logs (or predictions).  Everything else here is
plumbing around them: data adapters, callbacks, and log bookkeeping.
"""
import numpy as np

from kcore._deprecated import rename_kwargs
from kcore.autodiff.tensor import gradients, no_grad
from kcore.backend.device import ACTIVE
from kcore.backend.phase import learning_phase_scope
from kcore.errors import NotCompiledError, layer_prefix
from kcore.training import callbacks as callbacks_mod
from kcore.training import data as data_mod
from kcore.training import optimizers as optimizers_mod
from kcore.training.compile_utils import CompiledLoss, CompiledMetrics
from kcore.training.metrics import Mean
from kcore.utils import nest
from kcore.utils.progbar import resolve_verbose


class Trainer:
    def __init__(self):
        self.optimizer = None
        self.compiled_loss = None
        self.compiled_metrics = None
        self.stop_training = False
        self.history = None
        self._is_compiled = False
        self._train_vars = None
        self._loss_tracker = None
        self._output_loss_trackers = []

    # -- compile -------------------------------------------------------------------------
    def compile(self, optimizer='rmsprop', loss=None, metrics=None, loss_weights=None,
                weighted_metrics=None, run_eagerly=None, steps_per_execution=None, jit_compile=None,
                **kwargs):
        """Configure training: an optimizer, a loss (per output if several) and metrics.

        ``run_eagerly``, ``steps_per_execution`` and ``jit_compile`` are accepted
        for Keras compatibility and ignored (kcore always runs eagerly).
        """
        kwargs.pop('sample_weight_mode', None)
        kwargs.pop('target_tensors', None)
        if kwargs:
            raise TypeError('compile() got unexpected argument(s): %s.' % ', '.join(sorted(kwargs)))
        self.optimizer = optimizers_mod.get(optimizer)
        names = self._output_names()
        self.compiled_loss = CompiledLoss(loss, loss_weights, names)
        shapes = self._output_shapes()
        self.compiled_metrics = CompiledMetrics(metrics, weighted_metrics, names,
                                                self.compiled_loss.losses, shapes)
        self._compile_config = {'optimizer': optimizer, 'loss': loss, 'metrics': metrics,
                                'loss_weights': loss_weights, 'weighted_metrics': weighted_metrics}
        self._loss_tracker = Mean(name='loss')
        self._output_loss_trackers = [Mean(name=n) for n in self.compiled_loss.names]
        self._train_vars = None
        self._is_compiled = True
        self.stop_training = False

    def _output_names(self):
        names = getattr(self, 'output_names', None)
        if names:
            return list(names)
        return ['output_1']

    def _output_shapes(self):
        outputs = getattr(self, 'outputs', None)
        if outputs:
            return [tuple(t.shape) for t in outputs]
        return None

    def _assert_compiled(self, what):
        if not self._is_compiled:
            raise NotCompiledError('%s: you must compile() the model before calling %s(). For example: '
                                   'model.compile(optimizer=\'adam\', loss=\'mse\').' % (layer_prefix(self), what))

    @property
    def metrics_names(self):
        """Names of the values ``evaluate`` returns, in order."""
        if not self._is_compiled:
            return []
        return ['loss'] + self.compiled_loss.names + self.compiled_metrics.names()

    @property
    def metrics(self):
        if not self._is_compiled:
            return []
        return [self._loss_tracker] + self._output_loss_trackers + [m for _, m, _ in self.compiled_metrics.metrics or []]

    def reset_metrics(self):
        for m in self.metrics:
            m.reset_state()

    # -- steps ----------------------------------------------------------------------------------
    def _as_list(self, structure, what):
        """Targets/weights as one entry per output (None where missing)."""
        n = len(self._output_names())
        if structure is None:
            return [None] * n
        if isinstance(structure, dict):
            return [structure.get(name) for name in self._output_names()]
        if n > 1:
            if not isinstance(structure, (list, tuple)) or len(structure) != n:
                raise ValueError('The model has %d outputs; pass %s as a list of %d arrays or a dict by output '
                                 'name.' % (n, what, n))
            return list(structure)
        if isinstance(structure, (list, tuple)) and len(structure) == 1:
            return list(structure)
        return [structure]

    def _forward_loss(self, x, y, sample_weight, training):
        self._clear_call_losses()
        y_pred = self(x, training=training)
        preds = nest.flatten(y_pred)
        extra = self.losses if training else []
        total, per_output = self.compiled_loss(self._as_list(y, 'y'), preds,
                                               self._as_list(sample_weight, 'sample_weight') if sample_weight is not None else None,
                                               extra)
        return preds, total, per_output

    def train_step(self, data):
        """One optimisation step on a batch; returns the running logs."""
        x, y, sample_weight = data_mod.unpack(data)
        with learning_phase_scope(1):
            preds, loss, per_output = self._forward_loss(x, y, sample_weight, training=True)
        if self._train_vars is None:
            self._train_vars = self.trainable_weights
        grads = gradients(loss, self._train_vars)
        self.optimizer.apply_gradients(zip(grads, self._train_vars))
        return self._update_metrics(y, preds, sample_weight, loss, per_output)

    def test_step(self, data):
        x, y, sample_weight = data_mod.unpack(data)
        with no_grad():
            preds, loss, per_output = self._forward_loss(x, y, sample_weight, training=False)
            return self._update_metrics(y, preds, sample_weight, loss, per_output)

    def predict_step(self, data):
        x, _, _ = data_mod.unpack(data)
        with no_grad():
            return self(x, training=False)

    def _update_metrics(self, y, preds, sample_weight, loss, per_output):
        batch = preds[0].shape[0] if preds and preds[0].ndim else 1
        with no_grad():
            self._loss_tracker.update_state(loss.data, batch)
            for tracker, value in zip(self._output_loss_trackers, per_output):
                tracker.update_state(value.data, batch)
            self.compiled_metrics.update_state(self._as_list(y, 'y'), preds,
                                               self._as_list(sample_weight, 'sample_weight')
                                               if sample_weight is not None else None)
        return self._logs()

    def _logs(self):
        values = [self._loss_tracker.result()] + [t.result() for t in self._output_loss_trackers]
        values += self.compiled_metrics.results()
        return dict(zip(self.metrics_names, values))

    # -- fit ----------------------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose='auto', callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1, max_queue_size=10, workers=1,
            use_multiprocessing=False, **kwargs):
        """Train for ``epochs`` epochs; returns a ``History`` (Keras's arguments and defaults)."""
        rename_kwargs('fit', kwargs)
        epochs = kwargs.pop('epochs', epochs)
        if kwargs:
            raise TypeError('fit() got unexpected argument(s): %s.' % ', '.join(sorted(kwargs)))
        self._assert_compiled('fit')
        if validation_split and validation_data is None:
            (x, y, sample_weight), validation_data = data_mod.train_validation_split(
                x, y, sample_weight, validation_split)
        if class_weight is not None:
            if data_mod.is_generator_like(x):
                raise ValueError('class_weight with a generator: yield (x, y, sample_weight) instead.')
            cw = data_mod.class_weights_to_sample_weights(self._as_list(y, 'y')[0], class_weight)
            sample_weight = cw if sample_weight is None else np.asarray(sample_weight) * cw
        train = data_mod.make_adapter(x, y, sample_weight, batch_size, steps_per_epoch, shuffle,
                                      max_queue_size, workers)
        val = None
        if validation_data is not None:
            if data_mod.is_generator_like(validation_data):
                val = data_mod.make_adapter(validation_data, steps=validation_steps,
                                            max_queue_size=max_queue_size, workers=workers)
            else:
                vx, vy, vsw = data_mod.unpack(tuple(validation_data))
                val = data_mod.make_adapter(vx, vy, vsw, validation_batch_size or batch_size or 32, validation_steps)
        history = callbacks_mod.History()
        verbose = resolve_verbose(verbose)
        cbs = list(callbacks or [])
        if verbose:
            cbs.append(callbacks_mod.ProgbarLogger())
        cbs.append(history)
        cb = callbacks_mod.CallbackList(cbs, model=self, params={
            'verbose': verbose, 'epochs': epochs, 'steps': train.steps, 'mode': 'train'})
        self.stop_training = False
        self._train_vars = None
        try:
            epoch_logs = self._fit_loop(train, val, cb, initial_epoch, epochs, validation_freq)
        finally:
            train.close()
            if val is not None:
                val.close()
        self.history = history
        return history

    def _fit_loop(self, train, val, cb, initial_epoch, epochs, validation_freq):
        cb.on_train_begin()
        epoch_logs = {}
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            cb.on_epoch_begin(epoch)
            logs = {}
            for step, batch in enumerate(train.batches()):
                cb.on_train_batch_begin(step)
                logs = self.train_step(batch)
                cb.on_train_batch_end(step, logs)
                if self.stop_training:
                    break
            train.on_epoch_end()
            epoch_logs = dict(logs)
            if val is not None and _should_validate(epoch, validation_freq):
                val_logs = self._evaluate_adapter(val, callbacks=None)
                epoch_logs.update({'val_' + k: v for k, v in val_logs.items()})
            cb.on_epoch_end(epoch, epoch_logs)
            if self.stop_training:
                break
        cb.on_train_end(epoch_logs)
        return epoch_logs

    def _evaluate_adapter(self, adapter, callbacks):
        self.reset_metrics()
        logs = {}
        if callbacks is not None:
            callbacks.on_test_begin()
        for step, batch in enumerate(adapter.batches()):
            if callbacks is not None:
                callbacks.on_test_batch_begin(step)
            logs = self.test_step(batch)
            if callbacks is not None:
                callbacks.on_test_batch_end(step, logs)
        adapter.on_epoch_end()
        if not logs:
            raise ValueError('evaluate() received no data: the input has 0 samples or the generator yielded '
                             'nothing.')
        if callbacks is not None:
            callbacks.on_test_end(logs)
        return logs

    # -- evaluate / predict -------------------------------------------------------------------------------
    def evaluate(self, x=None, y=None, batch_size=None, verbose='auto', sample_weight=None, steps=None,
                 callbacks=None, max_queue_size=10, workers=1, use_multiprocessing=False, return_dict=False):
        """Loss (and metrics) on the data: a scalar, or a list in ``metrics_names`` order."""
        self._assert_compiled('evaluate')
        adapter = data_mod.make_adapter(x, y, sample_weight, batch_size, steps, False, max_queue_size, workers)
        verbose = resolve_verbose(verbose)
        cbs = list(callbacks or [])
        if verbose:
            cbs.append(callbacks_mod.ProgbarLogger())
        cb = callbacks_mod.CallbackList(cbs, model=self, params={
            'verbose': verbose, 'epochs': 1, 'steps': adapter.steps, 'mode': 'test'})
        try:
            logs = self._evaluate_adapter(adapter, cb)
        finally:
            adapter.close()
        return self._format_results(logs, return_dict)

    def _format_results(self, logs, return_dict):
        if return_dict:
            return dict(logs)
        values = [logs[k] for k in self.metrics_names]
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose='auto', steps=None, callbacks=None, max_queue_size=10,
                workers=1, use_multiprocessing=False):
        """Outputs for ``x`` as NumPy arrays (a list for several outputs), computed in batches."""
        adapter = data_mod.make_adapter(x, None, None, batch_size, steps, False, max_queue_size, workers)
        verbose = resolve_verbose(verbose)
        cbs = list(callbacks or [])
        if verbose == 1:
            cbs.append(callbacks_mod.ProgbarLogger())
        cb = callbacks_mod.CallbackList(cbs, model=self, params={
            'verbose': verbose, 'epochs': 1, 'steps': adapter.steps, 'mode': 'predict'})
        cb.on_predict_begin()
        chunks = []
        try:
            for step, batch in enumerate(adapter.batches()):
                cb.on_predict_batch_begin(step)
                out = self.predict_step(batch)
                chunks.append([ACTIVE.backend.to_numpy(t.data) for t in nest.flatten(out)])
                cb.on_predict_batch_end(step, {'outputs': out})
            adapter.on_epoch_end()
        finally:
            adapter.close()
        cb.on_predict_end()
        if not chunks:
            raise ValueError('predict() received no data: the input has 0 samples.')
        outs = [np.concatenate([c[i] for c in chunks]) for i in range(len(chunks[0]))]
        return outs[0] if len(outs) == 1 else outs

    # -- single batches --------------------------------------------------------------------------------------
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, reset_metrics=True,
                       return_dict=False):
        """One optimisation step; returns the batch's loss (and metrics)."""
        self._assert_compiled('train_on_batch')
        if class_weight is not None:
            cw = data_mod.class_weights_to_sample_weights(self._as_list(y, 'y')[0], class_weight)
            sample_weight = cw if sample_weight is None else np.asarray(sample_weight) * cw
        if reset_metrics:
            self.reset_metrics()
        x, y, sample_weight = _batch_arrays(x, y, sample_weight)
        logs = self.train_step((x, y, sample_weight))
        return self._format_results(logs, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, reset_metrics=True, return_dict=False):
        self._assert_compiled('test_on_batch')
        if reset_metrics:
            self.reset_metrics()
        x, y, sample_weight = _batch_arrays(x, y, sample_weight)
        logs = self.test_step((x, y, sample_weight))
        return self._format_results(logs, return_dict)

    def predict_on_batch(self, x):
        x, _, _ = _batch_arrays(x, None, None)
        out = self.predict_step((x,))
        outs = [ACTIVE.backend.to_numpy(t.data) for t in nest.flatten(out)]
        return outs[0] if len(outs) == 1 else outs

    # -- Keras 2 generator API ------------------------------------------------------------------------------------
    def fit_generator(self, generator, steps_per_epoch=None, epochs=1, verbose=1, callbacks=None,
                      validation_data=None, validation_steps=None, validation_freq=1, class_weight=None,
                      max_queue_size=10, workers=1, use_multiprocessing=False, shuffle=True, initial_epoch=0,
                      **kwargs):
        """Keras 2's ``fit_generator``: the same as ``fit(generator, ...)``."""
        rename_kwargs('fit_generator', kwargs)
        epochs = kwargs.pop('epochs', epochs)
        steps_per_epoch = kwargs.pop('steps_per_epoch', steps_per_epoch)
        validation_steps = kwargs.pop('validation_steps', validation_steps)
        if kwargs:
            raise TypeError('fit_generator() got unexpected argument(s): %s.' % ', '.join(sorted(kwargs)))
        return self.fit(generator, steps_per_epoch=steps_per_epoch, epochs=epochs, verbose=verbose,
                        callbacks=callbacks, validation_data=validation_data, validation_steps=validation_steps,
                        validation_freq=validation_freq, class_weight=class_weight, max_queue_size=max_queue_size,
                        workers=workers, shuffle=shuffle, initial_epoch=initial_epoch)

    def evaluate_generator(self, generator, steps=None, callbacks=None, max_queue_size=10, workers=1,
                           use_multiprocessing=False, verbose=0, **kwargs):
        rename_kwargs('evaluate_generator', kwargs)
        steps = kwargs.pop('steps', steps)
        return self.evaluate(generator, steps=steps, callbacks=callbacks, max_queue_size=max_queue_size,
                             workers=workers, verbose=verbose)

    def predict_generator(self, generator, steps=None, callbacks=None, max_queue_size=10, workers=1,
                          use_multiprocessing=False, verbose=0, **kwargs):
        rename_kwargs('predict_generator', kwargs)
        steps = kwargs.pop('steps', steps)
        return self.predict(generator, steps=steps, callbacks=callbacks, max_queue_size=max_queue_size,
                            workers=workers, verbose=verbose)


def _should_validate(epoch, freq):
    if isinstance(freq, int):
        return (epoch + 1) % freq == 0
    return epoch + 1 in freq


def _batch_arrays(x, y, sample_weight):
    conv = data_mod._to_array
    return (nest.map_structure(conv, x), nest.map_structure(conv, y) if y is not None else None,
            nest.map_structure(conv, sample_weight) if sample_weight is not None else None)
