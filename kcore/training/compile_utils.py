"""What ``compile`` builds: per-output losses and metrics, and their log names.

Losses and metrics may be given once for all outputs, as a list (one per
output) or as a dict keyed by output name.  ``'accuracy'``/``'acc'`` is
resolved as Keras 2 does: binary accuracy for ``binary_crossentropy`` or a
single-unit output, sparse categorical accuracy for
``sparse_categorical_crossentropy``, categorical accuracy otherwise.
"""
from kcore.backend import ops as K
from kcore.errors import ShapeError
from kcore.training import losses as losses_mod
from kcore.training import metrics as metrics_mod


def _per_output(spec, output_names, what):
    """Spread ``spec`` (one, list or dict) over the outputs."""
    n = len(output_names)
    if isinstance(spec, dict):
        unknown = set(spec) - set(output_names)
        if unknown:
            raise ValueError('%s given for unknown output(s) %s. The model\'s outputs are: %s.'
                             % (what, sorted(unknown), output_names))
        return [spec.get(name) for name in output_names]
    if isinstance(spec, (list, tuple)) and what == 'loss':
        if len(spec) != n:
            raise ValueError('The model has %d output(s) but %d losses were given. Pass one loss per output '
                             '(or a single loss for all).' % (n, len(spec)))
        return list(spec)
    return [spec] * n


def to_loss(identifier):
    """A ``Loss`` object from anything ``compile(loss=...)`` accepts."""
    if identifier is None:
        return None
    obj = losses_mod.get(identifier)
    if isinstance(obj, losses_mod.Loss):
        return obj
    if not callable(obj):
        raise ValueError('Could not interpret loss %r.' % (identifier,))
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


class CompiledLoss:
    def __init__(self, loss, loss_weights, output_names):
        self.output_names = output_names
        self.losses = [to_loss(l) for l in _per_output(loss, output_names, 'loss')]
        if all(l is None for l in self.losses):
            raise ValueError('compile() needs a loss, e.g. loss=\'mse\' or loss=\'categorical_crossentropy\'.')
        if loss_weights is None:
            self.weights = [1.0] * len(output_names)
        elif isinstance(loss_weights, dict):
            self.weights = [float(loss_weights.get(n, 1.0)) for n in output_names]
        else:
            if len(loss_weights) != len(output_names):
                raise ValueError('loss_weights has %d entries but the model has %d outputs.'
                                 % (len(loss_weights), len(output_names)))
            self.weights = [float(w) for w in loss_weights]

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
                raise ValueError('No target data for output %r, which has a loss. Pass y for every output '
                                 'with a loss.' % self.output_names[i])
            yt = K.to_tensor(yt)
            if _base_fn(loss) is not losses_mod.sparse_categorical_crossentropy:
                yt = match_ranks(yt, yp)
                if tuple(yt.shape) != tuple(yp.shape) and not _broadcastable(yt.shape, yp.shape):
                    raise ShapeError('Output %r has shape %s but its targets have shape %s. Make the last '
                                     'layer produce the target\'s shape, or fix the targets.'
                                     % (self.output_names[i], tuple(yp.shape), tuple(yt.shape)))
            value = loss(yt, yp, sample_weight[i] if sample_weight is not None else None)
            per_output.append(value)
            term = value * self.weights[i] if self.weights[i] != 1.0 else value
            total = term if total is None else total + term
        for extra in extra_losses:
            total = total + extra
        return total, per_output


def _broadcastable(a, b):
    return len(a) == len(b) and all(x == y or x == 1 or y == 1 for x, y in zip(a, b))


def _resolve_accuracy(name, loss, output_shape):
    fn = _base_fn(loss) if loss is not None else None
    if fn is losses_mod.binary_crossentropy or (output_shape and output_shape[-1] == 1):
        return metrics_mod.binary_accuracy
    if fn is losses_mod.sparse_categorical_crossentropy:
        return metrics_mod.sparse_categorical_accuracy
    return metrics_mod.categorical_accuracy


def to_metric(identifier, loss=None, output_shape=None):
    """A stateful ``Metric`` with its Keras log name."""
    if isinstance(identifier, str) and identifier in ('accuracy', 'acc'):
        return metrics_mod.MeanMetricWrapper(_resolve_accuracy(identifier, loss, output_shape), name=identifier)
    if isinstance(identifier, str) and identifier in ('crossentropy', 'ce'):
        fn = _base_fn(loss) or metrics_mod.categorical_crossentropy
        return metrics_mod.MeanMetricWrapper(fn, name=identifier)
    obj = metrics_mod.get(identifier)
    if isinstance(obj, metrics_mod.Metric):
        return obj
    if callable(obj):
        name = identifier if isinstance(identifier, str) else getattr(obj, '__name__', 'metric')
        return metrics_mod.MeanMetricWrapper(obj, name=name)
    raise ValueError('Could not interpret metric %r.' % (identifier,))


class CompiledMetrics:
    def __init__(self, metrics, weighted_metrics, output_names, losses, output_shapes):
        self.output_names = output_names
        self._specs = (metrics, weighted_metrics)
        self._losses = losses
        self._output_shapes = output_shapes
        self.metrics = None  # [(output index, Metric, weighted)]
        if output_shapes is not None:
            self.build(output_shapes)

    def build(self, output_shapes):
        metrics, weighted = self._specs
        out = []
        for weighted_flag, spec in ((False, metrics), (True, weighted)):
            if not spec:
                continue
            if isinstance(spec, dict):
                per = [spec.get(n) or [] for n in self.output_names]
            elif isinstance(spec, (list, tuple)) and spec and all(isinstance(s, (list, tuple)) for s in spec):
                per = list(spec)
            else:
                per = [spec] * len(self.output_names)
            for i, specs in enumerate(per):
                specs = specs if isinstance(specs, (list, tuple)) else [specs]
                for s in specs:
                    out.append((i, to_metric(s, self._losses[i], output_shapes[i]), weighted_flag))
        self.metrics = out

    def names(self):
        multi = len(self.output_names) > 1
        names = []
        for i, m, weighted in self.metrics or []:
            name = m.name if not weighted else 'weighted_' + m.name
            names.append('%s_%s' % (self.output_names[i], name) if multi else name)
        return names

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

