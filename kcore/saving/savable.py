"""``check_savable``: can this model be saved?  Answered before any file is touched.

``ModelCheckpoint`` calls it when training begins, so a model that cannot be
saved fails at once rather than after the first epoch; ``save_model`` and
``save_weights`` call it too and reuse the configs it produced.
"""
import json


from kcore.errors import SavingError, layer_prefix
from kcore.serialization import json_default, registered_name, serialize  # noqa: F401 (json_default: old path)
from kcore.saving.training_config import training_config


def to_json(config, what):
    """``config`` as JSON; raises ``SavingError`` naming ``what`` when something in it is not serializable."""
    try:
        return json.dumps(config, default=json_default)
    except (TypeError, ValueError) as e:
        raise SavingError('Cannot save %s: its config holds a value that JSON cannot store (%s). Make '
                          'get_config() return only numbers, strings, lists, dicts and None.' % (what, e)) from None


class SavePlan:
    """What ``check_savable`` found out: the JSON texts to write (None for weights only)."""

    def __init__(self, model_config=None, training_config=None):
        self.model_config = model_config
        self.training_config = training_config


def _check_names(model):
    names = [l.name for l in model.layers]
    for name in names:
        if not isinstance(name, str) or not name or name in ('.', '..') or '/' in name:
            raise SavingError('Cannot save %s: layer name %r cannot name a group in the file (names must be '
                              'non-empty and contain no "/"). Rename the layer (name=...).' % (layer_prefix(model), name))
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise SavingError('Cannot save %s: several layers are named %s, and the file keeps weights by layer '
                          'name. Give them distinct names (name=...).' % (layer_prefix(model), ', '.join(map(repr, dup))))


def _model_config(model):
    if not model._is_graph_network:  # a subclassed model
        cls = type(model)
        if registered_name(cls, 'layers') is None:
            raise SavingError(
                'Cannot save the architecture of %s: %s is a subclassed model whose class is not registered, '
                'so load_model could not find it by name. Either register it once '
                '(kcore.plugins.register(%s), or in a plugin) and give it get_config(), or save only the '
                'weights with model.save_weights(path) and rebuild the model in code before load_weights.'
                % (layer_prefix(model), cls.__name__, cls.__name__))
    try:
        config = serialize(model, 'layers')
    except NotImplementedError as e:
        raise SavingError('Cannot save the architecture of %s: %s Or save only the weights with '
                          'model.save_weights(path).' % (layer_prefix(model), e)) from None
    shape = getattr(model, '_build_input_shape', None)
    if not model._is_graph_network and shape is not None:
        config['build_input_shape'] = shape
    return config


def check_savable(model, weights_only=False):
    """Raise ``SavingError`` if ``model.save`` (or ``save_weights``) would fail.

    Cheap: no weight is copied and no file is touched.  Checks that the model
    is built, that its layer names can name HDF5 groups, and (unless
    ``weights_only``) that its architecture and training config can be stored
    as JSON with registered names.  Returns a ``SavePlan``.
    """
    if not hasattr(model, '_is_model'):
        raise SavingError('Only kcore models can be saved. Received: %r (of type %s).'
                          % (model, type(model).__name__))
    if not model._is_model:
        raise SavingError('%s is a layer, not a model; wrap it in a model (Sequential([layer])) to save it.'
                          % layer_prefix(model))
    if not model.built or any(not l.built for l in model.layers):
        raise SavingError('Cannot save %s: it has not been built yet, so its weights do not exist. Call it '
                          'on a batch of data, or give the first layer input_shape=..., before saving.'
                          % layer_prefix(model))
    _check_names(model)
    if weights_only:
        return SavePlan()
    model_json = to_json(_model_config(model), layer_prefix(model))
    training = training_config(model)
    training_json = to_json(training, 'the training config of %s' % layer_prefix(model)) if training else None
    return SavePlan(model_json, training_json)
