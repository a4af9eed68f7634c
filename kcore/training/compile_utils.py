"""What ``compile`` builds: per-output losses and metrics, and their log names.

Losses and metrics may be given once for all outputs, as a list (one per
output) or as a dict keyed by output name.  ``'accuracy'``/``'acc'`` is
resolved as Keras 2 does: binary accuracy for ``binary_crossentropy`` or a
single-unit output, sparse categorical accuracy for
``sparse_categorical_crossentropy``, categorical accuracy otherwise (with
tf.keras's fallback to the sparse form when the targets are class indices).

Log names are Keras's: ``loss``, one ``{output}_loss`` per output of a
multi-output model, then the metrics (``{output}_{metric}`` when there are
several outputs; a weighted metric whose name is taken gets ``weighted_``).
"""
import copy

import numpy as np

from kcore.runtime import ops as K
from kcore.errors import ShapeError
from kcore.training import losses as losses_mod
from kcore.training import metrics as metrics_mod
from kcore.serialization import resolve

#: losses whose targets must have the output's shape (Keras 2 checks these three)
_SAME_SHAPE_LOSSES = (losses_mod.mean_squared_error, losses_mod.binary_crossentropy,
                      losses_mod.categorical_crossentropy)


def _per_output(spec, output_names, what):
    """Spread ``spec`` (one, list or dict) over the outputs."""
    n = len(output_names)
    if isinstance(spec, dict):
        unknown = set(spec) - set(output_names)
        if unknown:
            raise ValueError('%s given for unknown output(s) %s. Expected keys among the model\'s outputs: %s.'
                             % (what, sorted(unknown), output_names))
        return [spec.get(name) for name in output_names]
    if isinstance(spec, (list, tuple)):
        if len(spec) != n:
            raise ValueError('The model has %d output(s) (%s). Expected one %s per output. Received a list of %d. '
                             'Pass one per output, a dict by output name, or a single %s for all.'
                             % (n, ', '.join(output_names), what, len(spec), what))
        return list(spec)
    return [spec] * n


def to_loss(identifier):
    """A ``Loss`` object from anything ``compile(loss=...)`` accepts."""
    if identifier is None:
        return None
    obj = resolve('losses', identifier)
    if isinstance(obj, losses_mod.Loss):
        return obj
    if not callable(obj):
        raise ValueError('Could not interpret loss %r. Expected a loss name (\'mse\'), a Loss instance or a '
                         'function(y_true, y_pred).' % (identifier,))
    return losses_mod.LossFunctionWrapper(obj, name=getattr(obj, '__name__', 'loss'))


def _base_fn(loss):
    return loss.fn if isinstance(loss, losses_mod.LossFunctionWrapper) else None


def match_ranks(y_true, y_pred):
    """Keras 3's rule: squeeze or expand a trailing axis of size 1 so ranks agree."""
    if y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        y_true = K.squeeze(y_true, -1)
    elif y_pred.ndim == y_true.ndim + 1 and y_pred.shape[-1] == 1:
        y_true = K.expand_dims(y_true, -1)
    return y_true


def _looks_sparse(target_shape, output_shape):
    """Targets that look like class indices for a multi-class output."""
    return output_shape[-1] != 1 and (len(target_shape) < len(output_shape) or
                                      (len(target_shape) == len(output_shape) and target_shape[-1] == 1))


def check_targets(output_name, loss_fn, target_shape, output_shape):
    """Keras 2's check: mse and the crossentropies need targets of the output's shape."""
    if loss_fn not in _SAME_SHAPE_LOSSES or tuple(target_shape[1:]) == tuple(output_shape[1:]):
        return
    name = loss_fn.__name__
    if loss_fn is losses_mod.categorical_crossentropy and _looks_sparse(target_shape, output_shape):
        raise ShapeError(
            'Output %r uses categorical_crossentropy, which expects one-hot targets of shape %s. Received: '
            'targets of shape %s, which look like integer class indices. Use '
            'loss=\'sparse_categorical_crossentropy\', or one-hot encode the targets with '
            'kcore.utils.to_categorical(y, num_classes=%d).'
            % (output_name, (None,) + tuple(output_shape[1:]), tuple(target_shape), output_shape[-1]))
    raise ShapeError('Output %r has shape %s but its targets have shape %s; loss %s expects targets of the '
                     'output\'s shape. Make the last layer produce the targets\' shape, or fix the targets.'
                     % (output_name, (None,) + tuple(output_shape[1:]), tuple(target_shape), name))


class CompiledLoss:
    """The weighted sum of one loss per output (outputs without a loss are skipped)."""

    def __init__(self, loss, loss_weights, output_names, added_losses=False):
        """``added_losses``: the model adds losses of its own (``add_loss`` on its graph), so
        ``loss=None`` is allowed, as Keras 2.3 allows it then."""
        self.output_names = output_names
        if loss is None and not added_losses:
            raise ValueError('compile() needs a loss. Expected a name, a Loss or a function. Received: loss=None. '
                             'For example: loss=\'mse\' or loss=\'categorical_crossentropy\'. (A model '
                             'with no loss to optimize cannot be compiled; add_loss(...) before compile() '
                             'gives it one.)')
        self.losses = [to_loss(l) for l in _per_output(loss, output_names, 'loss')] if loss is not None \
            else [None] * len(output_names)
        if all(l is None for l in self.losses) and not added_losses:
            raise ValueError('compile() needs a loss for at least one output. Received: %r.' % (loss,))
        self._base_fns = [_base_fn(l) for l in self.losses]
        if loss_weights is None:
            self.weights = [1.0] * len(output_names)
        elif isinstance(loss_weights, dict):
            unknown = set(loss_weights) - set(output_names)
            if unknown:
                raise ValueError('loss_weights given for unknown output(s) %s. Expected keys among: %s.'
                                 % (sorted(unknown), output_names))
            self.weights = [float(loss_weights.get(n, 1.0)) for n in output_names]
        else:
            weights = list(loss_weights) if isinstance(loss_weights, (list, tuple)) else [loss_weights]
            if len(weights) != len(output_names):
                raise ValueError('loss_weights must have one entry per output. Expected %d. Received: %d.'
                                 % (len(output_names), len(weights)))
            self.weights = [float(w) for w in weights]
        bad = [w for w in self.weights if not np.isfinite(w)]
        if bad:
            raise ValueError('loss_weights must be finite numbers. Received: loss_weights=%r. A NaN or infinite '
                             'weight makes every loss and gradient NaN.' % (loss_weights,))

    @property
    def names(self):
        if len(self.output_names) == 1:
            return []
        return ['%s_loss' % n for n, l in zip(self.output_names, self.losses) if l is not None]

    def __call__(self, y_true, y_pred, sample_weight, extra_losses=()):
        """(total loss tensor, [per-output loss tensors])."""
        total = None
        per_output = []
        for i, loss in enumerate(self.losses):
            if loss is None:
                continue
            yt, yp = y_true[i], y_pred[i]
            if yt is None:
                raise ValueError('No target data for output %r, which has a loss. Expected y for every output with '
                                 'a loss. Pass y for it, or set its loss to None.' % self.output_names[i])
            yt = K.to_tensor(yt)
            fn = self._base_fns[i]
            if fn is not losses_mod.sparse_categorical_crossentropy:
                yt = match_ranks(yt, yp)
                check_targets(self.output_names[i], fn, yt.shape, yp.shape)
            if yt.shape[:1] != yp.shape[:1]:
                raise ShapeError('Output %r has %d samples but its targets have %d. Expected one target per '
                                 'sample: check that x and y match.' % (self.output_names[i], yp.shape[0],
                                                                        yt.shape[0]))
            value = loss(yt, yp, sample_weight[i] if sample_weight is not None else None)
            per_output.append(value)
            term = value * self.weights[i] if self.weights[i] != 1.0 else value
            total = term if total is None else total + term
        for extra in extra_losses:
            total = extra if total is None else total + extra
        return total, per_output


def accuracy_auto(y_true, y_pred):
    """Categorical accuracy, or its sparse form when the targets are class indices (tf.keras)."""
    yt, yp = K.as_array(y_true), K.as_array(y_pred)
    if _looks_sparse(yt.shape, yp.shape):
        return metrics_mod.sparse_categorical_accuracy(yt, yp)
    return metrics_mod.categorical_accuracy(yt, yp)


def _resolve_accuracy(loss, output_shape):
    fn = _base_fn(loss) if loss is not None else None
    if fn is losses_mod.binary_crossentropy or (output_shape and output_shape[-1] == 1):
        return metrics_mod.binary_accuracy
    if fn is losses_mod.sparse_categorical_crossentropy:
        return metrics_mod.sparse_categorical_accuracy
    return accuracy_auto


def to_metric(identifier, loss=None, output_shape=None):
    """A stateful ``Metric`` with its Keras log name."""
    if isinstance(identifier, str) and identifier in ('accuracy', 'acc'):
        return metrics_mod.MeanMetricWrapper(_resolve_accuracy(loss, output_shape), name=identifier)
    if isinstance(identifier, str) and identifier in ('crossentropy', 'ce'):
        fn = _base_fn(loss) or metrics_mod.categorical_crossentropy
        return metrics_mod.MeanMetricWrapper(fn, name=identifier)
    obj = resolve('metrics', identifier)
    if isinstance(obj, metrics_mod.Metric):
        return obj
    if callable(obj):
        name = identifier if isinstance(identifier, str) else getattr(obj, '__name__', 'metric')
        return metrics_mod.MeanMetricWrapper(obj, name=name)
    raise ValueError('Could not interpret metric %r. Expected a metric name (\'accuracy\'), a Metric or a '
                     'function(y_true, y_pred).' % (identifier,))


def _spread_metrics(spec, output_names):
    """One list of metric identifiers per output."""
    if isinstance(spec, dict):
        unknown = set(spec) - set(output_names)
        if unknown:
            raise ValueError('metrics given for unknown output(s) %s. Expected keys among the model\'s outputs: '
                             '%s.' % (sorted(unknown), output_names))
        per = [spec.get(n) or [] for n in output_names]
    elif isinstance(spec, (list, tuple)) and spec and all(isinstance(s, (list, tuple)) for s in spec):
        if len(spec) != len(output_names):
            raise ValueError('metrics as a list of lists needs one list per output. Expected %d. Received: %d.'
                             % (len(output_names), len(spec)))
        per = list(spec)
    else:
        per = [spec] * len(output_names)  # Keras 2: every metric on every output
    return [list(s) if isinstance(s, (list, tuple)) else [s] for s in per]


class CompiledMetrics:
    """The compiled metrics: ``[(output index, Metric, weighted)]`` and their log names."""

    def __init__(self, metrics, weighted_metrics, output_names, losses, output_shapes):
        self.output_names = output_names
        self._specs = (metrics, weighted_metrics)
        self._losses = losses
        self.metrics = None
        self._names = []
        for spec in self._specs:
            if spec:
                _spread_metrics(spec, output_names)  # bad specs fail at compile time
        if output_shapes is not None:
            self.build(output_shapes)

    def build(self, output_shapes):
        out, used = [], set()
        n = len(self.output_names)
        plain, weighted = (_spread_metrics(spec, self.output_names) if spec else [[]] * n for spec in self._specs)
        for i in range(n):  # per output: its metrics, then its weighted metrics (tf.keras's order)
            for is_weighted, specs in ((False, plain[i]), (True, weighted[i])):
                for s in specs:
                    if s is None:
                        continue
                    m = to_metric(s, self._losses[i], output_shapes[i])
                    if any(m is other for _, other, _ in out):
                        m = copy.deepcopy(m)  # one instance given for several outputs: one state each
                        m.reset_state()
                    out.append((i, m, is_weighted))
        names = []
        multi = len(self.output_names) > 1
        for i, m, weighted in out:
            prefix = self.output_names[i] + '_' if multi else ''
            name = prefix + m.name
            if weighted and name in used:
                name = prefix + 'weighted_' + m.name
            if name in used:
                raise ValueError('Two metrics have the same log name %r. Expected unique metric names; pass '
                                 'name=... to one of them.' % name)
            used.add(name)
            names.append(name)
        self.metrics = out
        self._names = names

    def names(self):
        return list(self._names)

    def metric_objects(self):
        return [m for _, m, _ in self.metrics or []]

    def update_state(self, y_true, y_pred, sample_weight):
        if self.metrics is None:
            self.build([tuple(p.shape) for p in y_pred])
        for i, m, weighted in self.metrics:
            if y_true[i] is None:
                continue
            sw = sample_weight[i] if (weighted and sample_weight is not None) else None
            m.update_state(y_true[i], y_pred[i], sw)

    def reset_state(self):
        for _, m, _ in self.metrics or []:
            m.reset_state()

    def results(self):
        return [m.result() for _, m, _ in self.metrics or []]

