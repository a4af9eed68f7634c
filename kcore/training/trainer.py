"""The training loop: ``compile``, ``fit``, ``evaluate``, ``predict`` and friends.

``Trainer`` is a mixin of ``Model``.  Its override points are Keras's:
``train_step(data)``, ``test_step(data)`` and ``predict_step(data)``, each
taking one batch and returning logs (or predictions).  Everything else here is
plumbing around them: data adapters, callbacks, and log bookkeeping.
"""
from __future__ import annotations

import numbers
import warnings
from typing import Any, Sequence

import numpy as np

from kcore._deprecated import rename_kwargs
from kcore._typing import Logs, TensorLike
from kcore.autodiff.tensor import no_grad
from kcore.distribute.strategy import DEFAULT as SINGLE_PROCESS, get_strategy
from kcore.runtime import ops as K
from kcore.runtime.device import ACTIVE
from kcore.runtime.phase import learning_phase_scope
from kcore.errors import NotCompiledError, layer_prefix
from kcore.layers.base import collect_losses, collect_metrics
from kcore.training import callback_engine as callbacks_mod
from kcore.training import class_weights as class_weights_mod
from kcore.training import data as data_mod
from kcore.training import feed as feed_mod
from kcore.training import data_checks
from kcore.serialization import resolve
from kcore.training import heap
from kcore.training.compile_utils import CompiledLoss, CompiledMetrics
from kcore.training.logs import Logs
from kcore.training.metric_base import Mean, Metric
from kcore.training.step_capture import StepCapture
from kcore.utils import nest
from kcore.utils.progbar import resolve_verbose


class Trainer:
    """The training API of ``Model``: ``compile``, ``fit``, ``evaluate``, ``predict`` and their batch forms."""
    _compiled_strategy = None
    _step_capture = None

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
        self._added_metrics = {}   # add_metric's name -> Metric, in the order first seen
        self._step_metrics = ()    # what add_metric reported in this step's forward pass

    # -- compile -------------------------------------------------------------------------
    def compile(self, optimizer: Any = 'rmsprop', loss: Any = None, metrics: Any = None, loss_weights: Any = None,
                weighted_metrics: Any = None, run_eagerly: bool | None = None, steps_per_execution: int | None = None,
                jit_compile: bool | None = None, **kwargs: Any) -> None:
        """Configure training: an optimizer, a loss (per output if several) and metrics.

        Each of ``optimizer``, ``loss`` and the metrics may be a registered name,
        an instance or a plain function; ``loss``, ``loss_weights`` and
        ``metrics`` may be one for all outputs, a list (one per output) or a
        dict keyed by output name.

        Args:
            optimizer: A name (``'adam'``) or an ``Optimizer`` instance.
            loss: A loss name, function or ``Loss`` instance; a list or dict for several outputs.
            metrics: Metric names, functions or ``Metric`` instances (``['accuracy']``), or a
                list or dict of them per output.
            loss_weights: Factors for the outputs' losses (a list or dict); the total loss is
                their weighted sum.
            weighted_metrics: Metrics that also apply ``sample_weight``/``class_weight``.
            run_eagerly: Accepted for Keras compatibility and ignored (kcore always runs eagerly).
            steps_per_execution: Accepted for Keras compatibility and ignored.
            jit_compile: ``True`` lets a backend that can (the CUDA one) record the train step
                once per batch shape and replay it (``kcore.training.step_capture``); otherwise
                accepted for Keras compatibility and ignored.
            **kwargs: Keras 2's ``sample_weight_mode`` (accepted and ignored) and ``target_tensors``
                (checked as Keras 2.3 checks it: one per output, or a dict by output name;
                targets are then fed as data).

        Raises:
            TypeError: An unknown keyword argument.
            UnknownNameError: An optimizer, loss or metric name nothing registers.
        """
        heap.keep_freed_memory()
        kwargs.pop('sample_weight_mode', None)
        self._check_target_tensors(kwargs.pop('target_tensors', None))
        if kwargs:
            raise TypeError('compile() got unexpected argument(s): %s. Expected: optimizer, loss, metrics, '
                            'loss_weights, weighted_metrics.' % ', '.join(sorted(kwargs)))
        self.optimizer = resolve('optimizers', optimizer)
        names = self._output_names()
        self.compiled_loss = CompiledLoss(loss, loss_weights, names,
                                          added_losses=bool(getattr(self, '_graph_losses', None)))
        self.compiled_metrics = CompiledMetrics(metrics, weighted_metrics, names,
                                                self.compiled_loss.losses, self._output_shapes())
        self._compile_config = {'optimizer': optimizer, 'loss': loss, 'metrics': metrics,
                                'loss_weights': loss_weights, 'weighted_metrics': weighted_metrics}
        self.loss, self.loss_weights = loss, loss_weights  # Keras 2: the arguments as given
        self._loss_tracker = Mean(name='loss')
        self._output_loss_trackers = [Mean(name=n) for n in self.compiled_loss.names]
        self._added_metrics = {}
        self._train_vars = None
        self._step_capture = StepCapture() if jit_compile else None
        self._is_compiled = True
        self.stop_training = False
        strategy = get_strategy()
        self._compiled_strategy = None if strategy is SINGLE_PROCESS else strategy

    @property
    def distribute_strategy(self):
        """The strategy (``kcore.distribute``) of the ``scope()`` the model was compiled in,
        else the one in effect now (a ``fit`` called inside a scope)."""
        return self._compiled_strategy or get_strategy()

    def _keras2_lists(self, data, which):
        """Keras 2.3 reads a Python list of numbers, or of lists, as one array when the model has
        one input (``which='inputs'``) or one output: ``predict([[1, 2], [3, 4]])``; a flat list is
        a column, one number per sample."""
        if not isinstance(data, list) or not data:
            return data
        tensors = getattr(self, which, None)
        one = (len(tensors) == 1) if tensors else getattr(self, '_is_sequential', False)
        if one and all(isinstance(d, (list, tuple, numbers.Number)) and not isinstance(d, bool) for d in data):
            array = np.asarray(data)
            return array[:, None] if array.ndim == 1 else array  # one number per sample: a column
        return data

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
            raise NotCompiledError('%s: you must compile() the model before calling %s(). Expected a compiled '
                                   'model. Received: a model that was never compiled. For example: '
                                   'model.compile(optimizer=\'adam\', loss=\'mse\').' % (layer_prefix(self), what))

    @property
    def metrics_names(self) -> list[str]:
        """Names of the values ``evaluate`` returns, in order."""
        if not self._is_compiled:
            return []
        return ['loss'] + self.compiled_loss.names + self.compiled_metrics.names() + list(self._added_metrics)

    @property
    def metrics(self):
        """The metrics as Keras 2.3 lists them: the compiled metrics (``Metric`` objects), then
        those ``add_metric`` reported, in the order first seen (the loss trackers are not
        among them)."""
        if not self._is_compiled:
            return []
        return self.compiled_metrics.metric_objects() + list(self._added_metrics.values())

    def _trackers(self):
        """Every running value the logs report, in ``metrics_names`` order."""
        return ([self._loss_tracker] + self._output_loss_trackers + self.compiled_metrics.metric_objects()
                + list(self._added_metrics.values()))

    def reset_metrics(self) -> None:
        for m in self._trackers():
            m.reset_state()
        # Metric objects the model's layers hold (Keras 2.3 tracks them): a layer may report one
        # with add_metric(self.mean(x)) only once a step ran, after building updated it
        for layer in self._unique_layers():
            for value in list(vars(layer).values()):
                if isinstance(value, Metric) and value not in self._trackers():
                    value.reset_state()

    def _record_added_metrics(self):
        """Fold this step's ``add_metric`` values into their metrics: a value is averaged under
        its name; a ``Metric``'s own result needs nothing (the metric updated itself)."""
        for name, value, metric in self._step_metrics:
            known = self._added_metrics.get(name)
            if known is None:
                if name in self.metrics_names:
                    raise ValueError('%s: add_metric name %r is already the name of a compiled metric or loss. '
                                     'Expected a new name. Received: name=%r. Rename one of them.'
                                     % (layer_prefix(self), name, name))
                known = self._added_metrics[name] = metric if metric is not None else Mean(name=name)
            if known is not metric:
                known.update_state(value.data if hasattr(value, 'data') else value)
        self._step_metrics = ()

    # -- steps ----------------------------------------------------------------------------------
    def _per_output(self, structure, what):
        """Targets/weights as one entry per output (None where missing)."""
        names = self._output_names()
        n = len(names)
        if structure is None:
            return [None] * n
        if isinstance(structure, dict):
            unknown = sorted(set(structure) - set(names))
            if unknown:
                raise ValueError('%s: %s has key(s) %s that name no output. Expected keys among the output '
                                 'names %s.' % (layer_prefix(self), what, unknown, names))
            return [structure.get(name) for name in names]
        if n > 1:
            if not isinstance(structure, (list, tuple)) or len(structure) != n:
                got = '%d arrays' % len(structure) if isinstance(structure, (list, tuple)) else 'one array'
                raise ValueError('%s has %d outputs (%s). Expected %s as a list of %d arrays or a dict by '
                                 'output name. Received: %s.' % (layer_prefix(self), n, ', '.join(names),
                                                                 what, n, got))
            return list(structure)
        if isinstance(structure, (list, tuple)) and len(structure) == 1:
            return list(structure)
        return [structure]

    def _forward_loss(self, x, y, sample_weight, training):
        # as Keras, the reported loss includes regularization and add_loss terms,
        # in training and in evaluation alike
        with collect_losses() as added, collect_metrics() as metrics:
            y_pred = self(x, training=training)
        self._step_metrics = metrics
        extra = self._regularization_losses() + [l() if callable(l) else l for l in added]
        preds = nest.flatten(y_pred)
        # targets and weights cross to the device here, once per batch: the loss and
        # every metric then share these tensors instead of converting again
        targets = _tensors(self._per_output(y, 'y'))
        weights = _tensors(self._per_output(sample_weight, 'sample_weight')) if sample_weight is not None else None
        total, per_output = self.compiled_loss(targets, preds, weights, extra)
        return preds, targets, weights, total, per_output

    def _cache_variables(self):
        """The trainable and the regularized weights, found once per fit/compile
        (as in Keras 2, changing ``trainable`` takes effect at the next compile or fit)."""
        self._train_vars = self.trainable_weights
        self._regularized_vars = [v for v in self._train_vars if v.regularizer is not None]

    def _regularization_losses(self):
        if self._train_vars is None:  # first step: the model may only now be built
            self._cache_variables()
        return [v.regularizer(v) for v in self._regularized_vars]

    def train_step(self, data: Any) -> Logs:
        """One optimisation step on a batch; returns the running logs."""
        x, y, sample_weight = data_mod.unpack(data)
        if data_mod.is_empty(x):  # this process's slice of a batch smaller than the number of processes
            self._check_not_empty()
            if self._train_vars is None:
                self._cache_variables()
            self.optimizer.apply_gradients(zip(self.distribute_strategy.gradients(None, self._train_vars, 0),
                                               self._train_vars))
            return self._logs()
        result = None
        if self._step_capture is not None and not self._added_metrics:  # a replay would not rerun add_metric
            result = self._step_capture.run(self, (x, y, sample_weight), self._forward_backward_update)
        if result is None:
            result = self._forward_backward_update((x, y, sample_weight))
        return self._update_metrics(*result)

    def _check_target_tensors(self, target_tensors):
        """Keras 2.3's checks of ``compile(target_tensors=...)`` (kcore feeds targets as data, so
        the tensors themselves are not used): one per output, or a dict by output name."""
        if target_tensors is None:
            return
        names = self._output_names()
        if isinstance(target_tensors, (list, tuple)):
            if len(target_tensors) != len(names):
                raise ValueError('%s: when passing a list as target_tensors, it should have one entry per model '
                                 'output. The model has %d output(s) (%s). Received: %d target tensors.'
                                 % (layer_prefix(self), len(names), ', '.join(names), len(target_tensors)))
        elif isinstance(target_tensors, dict):
            unknown = sorted(set(target_tensors) - set(names))
            if unknown:
                raise ValueError('%s: unknown entry in the target_tensors dictionary: %s. Expected keys among '
                                 'the output names %s.' % (layer_prefix(self), unknown, names))

    def _check_not_empty(self):
        """An empty batch is a share of a short batch only under a strategy that splits batches;
        without one it is bad data (Keras 2.3's ValueError)."""
        if self.distribute_strategy is SINGLE_PROCESS:
            raise ValueError('%s: received an empty batch. Batches should contain at least one item. Check '
                             'the generator or Sequence that produced it.' % layer_prefix(self))

    def _forward_backward_update(self, batch):
        """The device work of a train step: forward, loss, gradients, optimizer update.
        Returns ``(targets, preds, weights, loss, per_output)`` for the metrics."""
        x, y, sample_weight = batch
        with learning_phase_scope(1):
            preds, targets, weights, loss, per_output = self._forward_loss(x, y, sample_weight, training=True)
        if self._train_vars is None:
            self._cache_variables()
        grads = self.distribute_strategy.gradients(loss, self._train_vars, preds[0].shape[0])
        self.optimizer.apply_gradients(zip(grads, self._train_vars))
        return targets, preds, weights, loss, per_output

    def test_step(self, data: Any) -> Logs:
        x, y, sample_weight = data_mod.unpack(data)
        if data_mod.is_empty(x):
            self._check_not_empty()
            return self._logs()
        with no_grad():
            preds, targets, weights, loss, per_output = self._forward_loss(x, y, sample_weight, training=False)
            return self._update_metrics(targets, preds, weights, loss, per_output)

    def predict_step(self, data: Any) -> TensorLike:
        heap.keep_freed_memory()
        x, _, _ = data_mod.unpack(data)
        if data_mod.is_empty(x):
            return None
        with no_grad():
            return self(x, training=False)

    def _update_metrics(self, targets, preds, weights, loss, per_output):
        batch = preds[0].shape[0] if preds and preds[0].ndim else 1
        with no_grad():
            self._loss_tracker.update_state(loss.data, batch)
            for tracker, value in zip(self._output_loss_trackers, per_output):
                tracker.update_state(value.data, batch)
            self.compiled_metrics.update_state(targets, preds, weights)
            self._record_added_metrics()
        return self._logs()

    def _logs(self):
        """The running results as ``Logs``: backend values, read to floats only when a callback
        or the progress bar reads them (a step itself never waits for the device)."""
        trackers = self._trackers()
        with self.distribute_strategy.merged_metrics(trackers):
            values = [m._pending_result() for m in trackers]
        return Logs(zip(self.metrics_names, values))

    def _feed(self, class_weight=None, check_targets=True):
        """The ``BatchFeed`` moving this model's batches to the device: ``class_weight`` spread over
        the outputs, and with ``check_targets`` the label checks done on the host per batch
        (for generators; arrays are checked once, whole, before the loop)."""
        spread = None if class_weight is None else class_weights_mod.per_output(class_weight, self._output_names())
        check = check_targets and data_checks.needs_label_range_check(self.compiled_loss)
        return feed_mod.BatchFeed(self._per_output, spread, self._check_targets if check else None)

    def _check_targets(self, ys):
        """Host-side checks of one batch's per-output targets (class indices in range)."""
        data_checks.check_label_range(self.compiled_loss, ys, self._output_shapes())

    # -- fit ----------------------------------------------------------------------------------------
    def fit(self, x: Any = None, y: Any = None, batch_size: int | None = None, epochs: int = 1,
            verbose: int | str = 'auto', callbacks: Sequence[callbacks_mod.Callback] | None = None,
            validation_split: float = 0.0, validation_data: Any = None, shuffle: bool | str = True,
            class_weight: dict[int, float] | None = None, sample_weight: TensorLike | None = None,
            initial_epoch: int = 0, steps_per_epoch: int | None = None, validation_steps: int | None = None,
            validation_batch_size: int | None = None, validation_freq: int | Sequence[int] = 1,
            max_queue_size: int = 10, workers: int = 1, use_multiprocessing: bool = False,
            **kwargs: Any) -> callbacks_mod.History:
        """Train for ``epochs`` epochs (Keras's arguments and defaults); returns a ``History``.

        ``x`` may be an array, a list of arrays (one per input), a dict keyed by
        input name, a generator yielding ``(x, y)`` or ``(x, y, sample_weight)``,
        or a ``kcore.utils.Sequence``.  Generators and Sequences are read ahead
        on background threads (``max_queue_size``, ``workers``);
        ``use_multiprocessing`` is accepted and ignored (threads only).

        Args:
            x: The inputs, in any of the forms above.
            y: The targets (an array, a list or a dict per output); None when ``x`` yields them.
            batch_size: Samples per step for arrays; 32 by default. Not for generators or Sequences.
            epochs: The index of the last epoch (with ``initial_epoch``, the epochs run are
                ``initial_epoch .. epochs - 1``).
            verbose: 0 silent, 1 progress bar, 2 one line per epoch, ``'auto'`` the bar in a
                terminal and one line per epoch elsewhere.
            callbacks: ``Callback`` instances called during training.
            validation_split: The fraction of array data held out for validation (the last
                samples, taken before shuffling).
            validation_data: ``(x_val, y_val)``, ``(x_val, y_val, sample_weight)``, a generator or
                a Sequence, evaluated at the end of each epoch.
            shuffle: Shuffle array data each epoch; ``'batch'`` shuffles whole batches (for
                ``HDF5Matrix`` data).
            class_weight: ``{class index: weight}`` scaling each sample's loss by its class.
            sample_weight: One weight per sample (or per sample and timestep).
            initial_epoch: The epoch to start from (to resume a run).
            steps_per_epoch: Steps per epoch; needed for a generator, which has no length.
            validation_steps: Steps per validation run, for a validation generator.
            validation_batch_size: The batch size of validation; ``batch_size`` by default.
            validation_freq: Validate every ``n`` epochs (an int), or after the listed epochs
                (counted from 1).
            max_queue_size: How many batches are read ahead.
            workers: How many threads read a Sequence.
            use_multiprocessing: Accepted for Keras compatibility; threads are used either way.
            **kwargs: Keras 1's ``nb_epoch`` (renamed ``epochs``, with a warning).

        Returns:
            A ``History`` whose ``history`` dict holds each epoch's loss and metrics.

        Raises:
            NotCompiledError: The model is not compiled (a RuntimeError).
            ValueError: Inconsistent data or arguments (no samples, a generator without
                ``steps_per_epoch``, negative ``epochs``, ...), with the argument named.
            TypeError: An unknown keyword argument.
        """
        rename_kwargs('fit', kwargs)
        epochs = kwargs.pop('epochs', epochs)
        if kwargs:
            raise TypeError('fit() got unexpected argument(s): %s.' % ', '.join(sorted(kwargs)))
        self._assert_compiled('fit')
        data_checks.check_loop_arguments(epochs, steps_per_epoch, initial_epoch)
        if validation_split and validation_data is None:
            (x, y, sample_weight), validation_data = data_mod.train_validation_split(
                x, y, sample_weight, validation_split)
        _require_steps(x, steps_per_epoch, 'steps_per_epoch')
        x, y = self._keras2_lists(x, 'inputs'), self._keras2_lists(y, 'outputs')
        train = data_mod.make_adapter(x, y, sample_weight, batch_size, steps_per_epoch, shuffle,
                                      max_queue_size, workers, self.distribute_strategy.permutation)
        if not train.is_generator:
            data_checks.check_arrays(train)
            data_checks.check_labels(self.compiled_loss, train.y)
        feed = self._feed(class_weight, check_targets=train.is_generator)
        val = self._validation_adapter(validation_data, validation_steps, validation_batch_size or batch_size,
                                       max_queue_size, workers)
        verbose = resolve_verbose(verbose)
        metrics = self.metrics_names
        # Keras 2.3's params (batch_size, epochs, steps, samples, verbose, do_validation, metrics);
        # steps is also given for arrays, which the progress bar reads
        cb = self._callback_list(callbacks, verbose, {
            'epochs': epochs, 'steps': train.steps, 'mode': 'train',
            'batch_size': None if train.is_generator else (batch_size or 32),
            'samples': None if train.is_generator else train.n, 'do_validation': val is not None,
            'metrics': metrics + ['val_' + m for m in metrics] if val is not None else list(metrics)},
            add_history=True)
        self.stop_training = False
        self._train_vars = None
        self._build_from_data(train)
        if not train.is_generator and train.y is not None and data_checks.needs_label_range_check(self.compiled_loss):
            self._check_targets(self._per_output(train.y, 'y'))  # once, on the whole arrays
        try:
            self._fit_loop(train, val, cb, initial_epoch, epochs, validation_freq, feed)
        finally:
            train.close()
            if val is not None:
                val.close()
        self.history = cb.history
        return cb.history

    def _build_from_data(self, adapter):
        """Create the weights before ``on_train_begin`` (as Keras 3 does), so callbacks
        see a built model: run it once, in inference mode, on the first sample."""
        if self.built or adapter.is_generator or not adapter.n:
            return
        self._build_from_inputs(adapter.first())

    def _build_from_inputs(self, x):
        with no_grad():
            self(x, training=False)
        self._clear_call_losses()

    def _callback_list(self, callbacks, verbose, params, add_history=False):
        """The callbacks this process runs (the progress bar and the chief-only ones on the chief)."""
        strategy = self.distribute_strategy
        return callbacks_mod.CallbackList(strategy.callbacks(callbacks or []), model=self, add_history=add_history,
                                          add_progbar=bool(verbose) and strategy.is_chief,
                                          params=dict(params, verbose=verbose))

    def _local_batches(self, batches, prepare=False):
        """This process's slice of each global batch.  With ``prepare``, the strategy
        first aligns the processes, once the model is built (by the first batch of a
        generator, if nothing built it before)."""
        strategy = self.distribute_strategy
        for batch in batches:
            if prepare:
                if not self.built:
                    self._build_from_inputs(nest.map_structure(lambda a: a[:1], data_mod.unpack(batch)[0]))
                strategy.prepare(self)
                prepare = False
            yield strategy.shard(batch)

    def _validation_adapter(self, data, steps, batch_size, max_queue_size, workers):
        if data is None:
            return None
        if data_mod.is_generator_like(data):
            if steps is None and hasattr(data, '__next__') and not isinstance(data, data_mod.Sequence):
                raise ValueError('validation_steps is required when validation_data is a generator: it says '
                                 'how many batches make one validation pass. Received: validation_steps=None. '
                                 'Set it, or pass a kcore.utils.Sequence.')
            return data_mod.make_adapter(data, steps=steps, max_queue_size=max_queue_size, workers=workers)
        if not isinstance(data, (tuple, list)) or len(data) not in (2, 3):
            raise ValueError('validation_data must be a tuple (x_val, y_val) or (x_val, y_val, val_sample_weight), '
                             'a generator or a Sequence. Received: %s.' % _describe(data))
        vx, vy, vsw = data_mod.unpack(tuple(data))
        return data_mod.make_adapter(vx, vy, vsw, batch_size or 32, steps)

    def _fit_loop(self, train, val, cb, initial_epoch, epochs, validation_freq, feed):
        strategy = self.distribute_strategy
        cb.on_train_begin()
        epoch_logs = {}
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            cb.on_epoch_begin(epoch)
            logs = {}
            batches = feed(self._local_batches(train.batches(), prepare=epoch == initial_epoch))
            for step, batch in enumerate(batches):
                cb.on_train_batch_begin(step)
                logs = self.train_step(batch)
                cb.on_train_batch_end(step, logs)
                self.stop_training = strategy.agree(self.stop_training)
                if self.stop_training:
                    break
            if not logs and train.exhausted:
                break  # a generator with nothing left: no epoch to report
            strategy.sync_state(self)
            train.on_epoch_end()
            epoch_logs = dict(logs)  # read back once, at the epoch's end
            if val is not None and _should_validate(epoch, validation_freq):
                val_logs = self._evaluate_adapter(val, cb)
                epoch_logs.update({'val_' + k: v for k, v in val_logs.items()})
            cb.on_epoch_end(epoch, epoch_logs)
            self.stop_training = strategy.agree(self.stop_training)
            if train.exhausted and train.steps is None and epoch + 1 < epochs:
                warnings.warn('The generator ended after epoch %d of %d, so training stops here. Make it loop '
                              'forever (while True: ... yield ...) and pass steps_per_epoch, or use a '
                              'kcore.utils.Sequence.' % (epoch + 1, epochs), UserWarning, stacklevel=3)
            if self.stop_training or train.exhausted:
                break
        cb.on_train_end(epoch_logs)

    def _evaluate_adapter(self, adapter, callbacks):
        self.reset_metrics()
        logs = {}
        callbacks.on_test_begin()
        if not adapter.is_generator and adapter.y is not None and data_checks.needs_label_range_check(
                self.compiled_loss):
            self._check_targets(self._per_output(adapter.y, 'y'))
        feed = self._feed(check_targets=adapter.is_generator)
        for step, batch in enumerate(feed(self._local_batches(adapter.batches()))):
            callbacks.on_test_batch_begin(step)
            logs = self.test_step(batch)
            callbacks.on_test_batch_end(step, logs)
        adapter.on_epoch_end()
        if not logs:
            raise ValueError('evaluate() received no data: the input has 0 samples or the generator yielded '
                             'nothing. Expected at least one batch.')
        callbacks.on_test_end(logs)
        return logs

    # -- evaluate / predict -------------------------------------------------------------------------------
    def evaluate(self, x: Any = None, y: Any = None, batch_size: int | None = None, verbose: int | str = 'auto',
                 sample_weight: TensorLike | None = None, steps: int | None = None,
                 callbacks: Sequence[callbacks_mod.Callback] | None = None, max_queue_size: int = 10,
                 workers: int = 1, use_multiprocessing: bool = False, return_dict: bool = False,
                 **kwargs: Any) -> float | list[float] | dict[str, float]:
        """Loss (and metrics) on the data, computed in batches, without updating the weights.

        Args:
            x: The inputs, in the forms ``fit`` takes.
            y: The targets; None when ``x`` yields them.
            batch_size: Samples per step for arrays; 32 by default.
            verbose: As in ``fit``.
            sample_weight: One weight per sample.
            steps: Steps to run; needed for a generator.
            callbacks: ``Callback`` instances (their ``on_test_*`` hooks run).
            max_queue_size: How many batches are read ahead.
            workers: How many threads read a Sequence.
            use_multiprocessing: Accepted for Keras compatibility; threads are used either way.
            return_dict: Return ``{name: value}`` instead of a scalar or a list.
            **kwargs: Nothing else is accepted.

        Returns:
            The loss (a float) when there are no metrics, else a list in ``metrics_names``
            order, or with ``return_dict`` a dict by name.

        Raises:
            NotCompiledError: The model is not compiled (a RuntimeError).
            TypeError: An unknown keyword argument.
        """
        _reject_unknown('evaluate', kwargs)
        self._assert_compiled('evaluate')
        _require_steps(x, steps, 'steps')
        x, y = self._keras2_lists(x, 'inputs'), self._keras2_lists(y, 'outputs')
        adapter = data_mod.make_adapter(x, y, sample_weight, batch_size, steps, False, max_queue_size, workers)
        verbose = resolve_verbose(verbose)
        cb = self._callback_list(callbacks, verbose, {'epochs': 1, 'steps': adapter.steps, 'mode': 'test'})
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

    def predict(self, x: Any, batch_size: int | None = None, verbose: int | str = 0, steps: int | None = None,
                callbacks: Sequence[callbacks_mod.Callback] | None = None, max_queue_size: int = 10,
                workers: int = 1, use_multiprocessing: bool = False) -> np.ndarray | list[np.ndarray]:
        """Outputs for ``x`` as NumPy arrays (a list for several outputs), computed in batches;
        silent unless ``verbose`` is given (Keras 2.3's default).

        Args:
            x: The inputs, in the forms ``fit`` takes.
            batch_size: Samples per step for arrays; 32 by default.
            verbose: As in ``fit``; 0 by default.
            steps: Steps to run; needed for a generator.
            callbacks: ``Callback`` instances (their ``on_predict_*`` hooks run).
            max_queue_size: How many batches are read ahead.
            workers: How many threads read a Sequence.
            use_multiprocessing: Accepted for Keras compatibility; threads are used either way.

        Returns:
            A ``numpy.ndarray``, or a list of them for a model with several outputs.

        Raises:
            ValueError: The input holds no samples.
        """
        _require_steps(x, steps, 'steps')
        x = self._keras2_lists(x, 'inputs')
        adapter = data_mod.make_adapter(x, None, None, batch_size, steps, False, max_queue_size, workers)
        verbose = resolve_verbose(verbose)
        cb = self._callback_list(callbacks, verbose, {'epochs': 1, 'steps': adapter.steps, 'mode': 'predict'})
        cb.on_predict_begin()
        chunks = []
        to_numpy = ACTIVE.backend.to_numpy
        try:
            for step, batch in enumerate(feed_mod.BatchFeed()(self._local_batches(adapter.batches()))):
                cb.on_predict_batch_begin(step)
                out = self.predict_step(batch)
                chunks.append(None if out is None else [to_numpy(t.data) for t in nest.flatten(out)])
                cb.on_predict_batch_end(step, {'outputs': out})
            adapter.on_epoch_end()
        finally:
            adapter.close()
        cb.on_predict_end()
        if not chunks:
            raise ValueError('predict() received no data: the input has 0 samples or the generator yielded '
                             'nothing. Expected at least one batch.')
        outs = self.distribute_strategy.gather(chunks)
        return outs[0] if len(outs) == 1 else outs

    # -- single batches --------------------------------------------------------------------------------------
    def train_on_batch(self, x: Any, y: Any = None, sample_weight: TensorLike | None = None,
                       class_weight: dict[int, float] | None = None, reset_metrics: bool = True,
                       return_dict: bool = False) -> float | list[float] | dict[str, float]:
        """One optimisation step on one batch; returns its loss (and metrics).

        Args:
            x: The batch's inputs.
            y: The batch's targets.
            sample_weight: One weight per sample.
            class_weight: ``{class index: weight}``.
            reset_metrics: With False the metrics accumulate over calls (Keras).
            return_dict: Return ``{name: value}`` instead of a scalar or a list.

        Returns:
            As ``evaluate``: the loss, a list with the metrics, or a dict.

        Raises:
            NotCompiledError: The model is not compiled (a RuntimeError).
        """
        self._assert_compiled('train_on_batch')
        if reset_metrics:
            self.reset_metrics()
        logs = self.train_step(self._feed(class_weight).one(_batch_arrays(x, y, sample_weight)))
        return self._format_results(logs, return_dict)

    def test_on_batch(self, x: Any, y: Any = None, sample_weight: TensorLike | None = None,
                      reset_metrics: bool = True, return_dict: bool = False) -> float | list[float] | dict[str, float]:
        """Loss (and metrics) of one batch, without updating the weights.

        Args:
            x: The batch's inputs.
            y: The batch's targets.
            sample_weight: One weight per sample.
            reset_metrics: With False the metrics accumulate over calls.
            return_dict: Return ``{name: value}`` instead of a scalar or a list.

        Returns:
            As ``evaluate``.

        Raises:
            NotCompiledError: The model is not compiled (a RuntimeError).
        """
        self._assert_compiled('test_on_batch')
        if reset_metrics:
            self.reset_metrics()
        logs = self.test_step(self._feed().one(_batch_arrays(x, y, sample_weight)))
        return self._format_results(logs, return_dict)

    def predict_on_batch(self, x: Any) -> np.ndarray | list[np.ndarray]:
        """Outputs for one batch, as NumPy arrays.

        Args:
            x: The batch's inputs.

        Returns:
            A ``numpy.ndarray``, or a list of them for several outputs.
        """
        x, _, _ = feed_mod.BatchFeed().one(_batch_arrays(x, None, None))
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
        """Keras 2's ``evaluate_generator``: the same as ``evaluate(generator, ...)``."""
        rename_kwargs('evaluate_generator', kwargs)
        steps = kwargs.pop('steps', steps)
        _reject_unknown('evaluate_generator', kwargs)
        return self.evaluate(generator, steps=steps, callbacks=callbacks, max_queue_size=max_queue_size,
                             workers=workers, verbose=verbose)

    def predict_generator(self, generator, steps=None, callbacks=None, max_queue_size=10, workers=1,
                          use_multiprocessing=False, verbose=0, **kwargs):
        """Keras 2's ``predict_generator``: the same as ``predict(generator, ...)``."""
        rename_kwargs('predict_generator', kwargs)
        steps = kwargs.pop('steps', steps)
        _reject_unknown('predict_generator', kwargs)
        return self.predict(generator, steps=steps, callbacks=callbacks, max_queue_size=max_queue_size,
                            workers=workers, verbose=verbose)


def _require_steps(x, steps, name):
    """Keras 2.3: a Python generator (unlike a Sequence) has no length, so ``steps`` must say
    how much of it one pass reads; without it an endless generator would never end a pass."""
    if steps is None and hasattr(x, '__next__') and not isinstance(x, data_mod.Sequence):
        raise ValueError('`%s=None` is only valid for a generator based on the `keras.utils.Sequence` class. '
                         'Please specify `%s` or use the `keras.utils.Sequence` class. Received: a %s.'
                         % (name, name, type(x).__name__))


def _reject_unknown(what, kwargs):
    if kwargs:
        raise TypeError('%s() got unexpected argument(s): %s.' % (what, ', '.join(sorted(kwargs))))


def _describe(value):
    if isinstance(value, (tuple, list)):
        return '%s of %d items' % (type(value).__name__, len(value))
    return 'an object of type %s' % type(value).__name__


def _should_validate(epoch, freq):
    """Keras's ``validation_freq``: every ``freq`` epochs, or at the listed (1-based) epochs."""
    if isinstance(freq, (int, np.integer)) and not isinstance(freq, bool):
        if freq < 1:
            raise ValueError('validation_freq must be a positive integer or a list of epochs. Received: %r.'
                             % (freq,))
        return (epoch + 1) % freq == 0
    try:
        return epoch + 1 in freq
    except TypeError:
        raise ValueError('validation_freq must be a positive integer or a list of epochs (1-based). '
                         'Received: %r.' % (freq,)) from None


def _tensors(arrays):
    """Backend tensors of a per-output list (None stays None; tensors pass unchanged)."""
    return [None if a is None else K.to_tensor(a) for a in arrays]


def _batch_arrays(x, y, sample_weight):
    x, y, sample_weight = data_mod.to_arrays(x), data_mod.to_arrays(y), data_mod.to_arrays(sample_weight)
    data_mod.check_lengths(x, y, sample_weight)
    return x, y, sample_weight
