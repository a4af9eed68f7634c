"""The ``training_config`` of a model file: what ``compile`` was given, by name.

Keras's layout: ``{'loss', 'metrics', 'weighted_metrics', 'loss_weights',
'optimizer_config'}``.  Losses and metrics given as strings stay strings
(``'accuracy'`` keeps its loss-dependent meaning); functions and objects are
stored by their registered names; the optimizer is stored with its current
configuration.  Loading compiles the model with the same arguments, resolved
through ``custom_objects`` and the registries only.
"""
import inspect

from kcore.serialization import deserialize, serialize
from kcore.errors import SavingError


def _serialize_spec(spec, kind):
    if spec is None or isinstance(spec, (str, int, float, bool)):
        return spec
    if isinstance(spec, (list, tuple)):
        return [_serialize_spec(s, kind) for s in spec]
    if isinstance(spec, dict):
        return {str(k): _serialize_spec(v, kind) for k, v in spec.items()}
    return serialize(spec, kind)


def training_config(model):
    """The JSON-able training config of a compiled model (None if not compiled)."""
    if not getattr(model, '_is_compiled', False) or getattr(model, 'optimizer', None) is None:
        return None
    given = getattr(model, '_compile_config', None) or {}
    return {
        'loss': _serialize_spec(given.get('loss'), 'losses'),
        'metrics': _serialize_spec(given.get('metrics'), 'metrics'),
        'weighted_metrics': _serialize_spec(given.get('weighted_metrics'), 'metrics'),
        'loss_weights': given.get('loss_weights'),
        'optimizer_config': serialize(model.optimizer, 'optimizers'),
    }


def _deserialize_spec(spec, kind, custom_objects):
    if isinstance(spec, str):
        if custom_objects and spec in custom_objects:
            return custom_objects[spec]
        return spec  # compile() resolves names (and 'accuracy' by the loss)
    if isinstance(spec, list):
        return [_deserialize_spec(s, kind, custom_objects) for s in spec]
    if isinstance(spec, dict) and 'class_name' in spec:
        if spec.get('class_name') == 'MeanMetricWrapper' and isinstance(spec.get('config'), dict) \
                and isinstance(spec['config'].get('name'), str):
            return spec['config']['name']  # tf.keras wraps compile-time metric names this way
        return deserialize(spec, kind, custom_objects)
    if isinstance(spec, dict):
        return {k: _deserialize_spec(v, kind, custom_objects) for k, v in spec.items()}
    return spec


def compile_from_config(model, config, custom_objects=None):
    """``model.compile(...)`` with what ``training_config`` stored."""
    if not isinstance(config, dict) or 'optimizer_config' not in config:
        raise SavingError('The training config in the file is malformed: expected a dict with '
                          '"optimizer_config". Received: %r. Load with compile=False and compile the model '
                          'yourself.' % (str(config)[:200],))
    optimizer = deserialize(config['optimizer_config'], 'optimizers', custom_objects)
    if inspect.isclass(optimizer):
        optimizer = optimizer()
    metrics = _deserialize_spec(config.get('metrics'), 'metrics', custom_objects)
    weighted = _deserialize_spec(config.get('weighted_metrics'), 'metrics', custom_objects)
    model.compile(optimizer=optimizer,
                  loss=_deserialize_spec(config.get('loss'), 'losses', custom_objects),
                  metrics=_flatten_single_output(metrics, model),
                  weighted_metrics=_flatten_single_output(weighted, model),
                  loss_weights=config.get('loss_weights'))


def _flatten_single_output(metrics, model):
    """tf.keras stores a single output's metrics as ``[[...]]``; compile wants ``[...]``."""
    if (isinstance(metrics, list) and len(metrics) == 1 and isinstance(metrics[0], list)
            and len(getattr(model, 'outputs', None) or [None]) == 1):
        return metrics[0]
    return metrics
