"""A functional model's config in Keras's format, and the model rebuilt from one.

The config lists every layer with its ``inbound_nodes`` (the calls that feed
it), then ``input_layers`` and ``output_layers``: tensors are named by
``[layer_name, node_index, tensor_index]``, where ``node_index`` counts only the
layer's calls that belong to this model (a layer shared with another model
keeps consistent indices).  Two node spellings are written and read:

* Keras 2's, used whenever a call's first argument is one tensor or a list of
  tensors: ``[[layer_name, node_index, tensor_index, {call kwargs}], ...]``;
* Keras 3's, for anything else (several positional arguments, a list of one
  tensor): ``{'args': [...], 'kwargs': {...}}`` with each tensor written as
  ``{'class_name': '__keras_tensor__', 'config': {'shape', 'dtype',
  'keras_history': [layer_name, node_index, tensor_index]}}``.

Tensors among call kwargs (``mask=``, ``initial_state=``) use the second form in
either spelling.  Loading resolves every class through the registries only.
"""
from kcore.errors import layer_prefix
from kcore.layers.input_layer import InputLayer
from kcore.layers.keras_tensor import KerasTensor
from kcore.serialization import deserialize, serialize
from kcore.utils import nest


# -- writing ------------------------------------------------------------------------
def _model_node_ids(model):
    ids = {id(n) for n in model._nodes}
    ids.update(id(t.node) for t in model.inputs)
    return ids


def _kept_nodes(layer, node_ids):
    return [n for n in layer._inbound_nodes if id(n) in node_ids]


def node_indices(model):
    """id(node) -> its index among its layer's calls that belong to ``model``."""
    node_ids = _model_node_ids(model)
    index = {}
    for layer in model._layers:
        for i, n in enumerate(_kept_nodes(layer, node_ids)):
            index[id(n)] = i
    return index


def _history(t, node_index):
    return [t.node.layer.name, node_index[id(t.node)], t.index]


def _encode_value(model, value, node_index):
    """Call arguments as JSON: KerasTensors by history, other values as they are."""
    if isinstance(value, KerasTensor):
        return {'class_name': '__keras_tensor__',
                'config': {'shape': list(value.shape), 'dtype': value.dtype,
                           'keras_history': _history(value, node_index)}}
    if isinstance(value, (list, tuple)):
        return [_encode_value(model, v, node_index) for v in value]
    if isinstance(value, dict):
        return {k: _encode_value(model, v, node_index) for k, v in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise ValueError('%s: a layer was called with the argument %r, which a model config cannot hold. Pass '
                     'plain values (numbers, strings, tensors of the graph) as call arguments.'
                     % (layer_prefix(model), value))


def _node_config(model, node, node_index):
    first = node.args[0] if node.args else None
    plain_list = isinstance(first, list) and len(first) > 1 and all(isinstance(t, KerasTensor) for t in first)
    if len(node.args) == 1 and (isinstance(first, KerasTensor) or plain_list):
        kwargs = _encode_value(model, node.kwargs, node_index)
        return [_history(t, node_index) + [kwargs] for t in nest.flatten(first)]
    return {'args': _encode_value(model, list(node.args), node_index),
            'kwargs': _encode_value(model, node.kwargs, node_index)}


def _refs(structure, node_index):
    """input_layers/output_layers: a list of histories, or a dict of them by key."""
    if isinstance(structure, dict):
        return {k: _history(t, node_index) for k, t in structure.items()}
    return [_history(t, node_index) for t in nest.flatten(structure)]


def functional_config(model):
    """The Keras-format config of a functional model: its layers, their inbound nodes, inputs and outputs."""
    node_ids = _model_node_ids(model)
    node_index = node_indices(model)
    layers = []
    for layer in model._layers:
        spec = serialize(layer, 'layers')
        entry = {'name': layer.name, 'class_name': spec['class_name'], 'config': spec['config']}
        if 'registered_by' in spec:
            entry['registered_by'] = spec['registered_by']
        entry['inbound_nodes'] = [_node_config(model, n, node_index)
                                  for n in _kept_nodes(layer, node_ids) if n.input_tensors]
        layers.append(entry)
    return {'name': model.name, 'trainable': model.trainable, 'layers': layers,
            'input_layers': _refs(model._nested_inputs, node_index),
            'output_layers': _refs(model._nested_outputs, node_index)}


# -- reading ------------------------------------------------------------------------
class _Pending(Exception):
    """A node's inputs are not all created yet; ``key`` is the (layer name, node index) awaited."""

    def __init__(self, key=None):
        super().__init__(key)
        self.key = key


def _is_history(x):
    return (isinstance(x, (list, tuple)) and len(x) >= 3 and isinstance(x[0], str)
            and isinstance(x[1], int) and isinstance(x[2], int))


def _decode_value(value, made):
    if isinstance(value, dict) and value.get('class_name') == '__keras_tensor__':
        return _tensor(value['config']['keras_history'], made)
    if isinstance(value, list):
        return [_decode_value(v, made) for v in value]
    if isinstance(value, dict):
        return {k: _decode_value(v, made) for k, v in value.items()}
    return value


def _tensor(history, made):
    name, node, index = history[0], history[1], history[2]
    outputs = made.get((name, node))
    if outputs is None:
        raise _Pending((name, node))
    if index >= len(outputs):
        raise ValueError('Bad model config: layer %r, call %d has %d output(s); tensor %d was asked for.'
                         % (name, node, len(outputs), index))
    return outputs[index]


def _call_node(layer, node_cfg, made):
    if isinstance(node_cfg, dict):  # Keras 3 spelling
        args = _decode_value(node_cfg.get('args', []), made)
        kwargs = _decode_value(node_cfg.get('kwargs', {}), made)
        return layer(*args, **kwargs)
    if not isinstance(node_cfg, list) or not all(_is_history(e) for e in node_cfg):
        raise ValueError('Bad model config: an inbound node of layer %r should be a list of '
                         '[layer_name, node_index, tensor_index, kwargs] entries. Received: %r.'
                         % (layer.name, node_cfg))
    tensors = [_tensor(e, made) for e in node_cfg]
    kwargs = _decode_value(node_cfg[0][3], made) if len(node_cfg[0]) > 3 and node_cfg[0][3] else {}
    return layer(tensors[0] if len(tensors) == 1 else tensors, **kwargs)


def _unpack_refs(refs, made):
    if isinstance(refs, dict):
        return {k: _tensor(v, made) for k, v in refs.items()}
    if _is_history(refs):  # Keras 3 writes a single tensor without the outer list
        return _tensor(refs, made)
    tensors = [_tensor(r, made) for r in refs]
    return tensors[0] if len(tensors) == 1 else tensors


def _replay(queue, made):
    """Call every queued layer on its inbound nodes, each as soon as its inputs exist.

    A node whose input is missing waits on that one (layer, node) key and is
    retried only when it is made, so the work is linear in the number of
    nodes whatever order the config lists the layers in (a 6000-layer chain
    listed backwards took 50 s when every pass retried every layer).
    """
    waiting = {}           # (layer name, node index) -> items waiting for it
    ready = list(reversed(queue))
    while ready:
        item = ready.pop()
        layer, nodes, k = item
        while k < len(nodes):  # a layer's calls are replayed in their order
            try:
                out = _call_node(layer, nodes[k], made)
            except _Pending as e:
                waiting.setdefault(e.key, []).append(item)
                break
            key = (layer.name, k)
            made[key] = nest.flatten(out)
            k += 1
            item[2] = k
            ready.extend(reversed(waiting.pop(key, ())))


def functional_from_config(cls, config, custom_objects=None):
    """Rebuild the layers, then replay their calls in an order where inputs exist."""
    if not isinstance(config, dict) or not isinstance(config.get('layers'), list):
        raise ValueError('Bad functional model config: expected a dict with a "layers" list. Received: %r.'
                         % (type(config).__name__,))
    made = {}         # (layer name, node index) -> flat output tensors
    queue = []        # per layer: [layer, list of node configs, next node index]
    for spec in config['layers']:
        layer = deserialize({'class_name': spec['class_name'], 'config': spec.get('config', {})}, 'layers',
                            custom_objects)
        if isinstance(layer, InputLayer):
            made[(spec.get('name', layer.name), 0)] = [layer._input_tensor]
            continue
        queue.append([layer, list(spec.get('inbound_nodes') or []), 0])
    _replay(queue, made)
    stuck = [item[0].name for item in queue if item[2] < len(item[1])]
    if stuck:
        raise ValueError('Bad functional model config: the inputs of layer(s) %s are never created (a missing '
                         'layer or a cycle). Check the config\'s inbound_nodes.' % ', '.join(map(repr, stuck)))
    try:
        inputs = _unpack_refs(config['input_layers'], made)
        outputs = _unpack_refs(config['output_layers'], made)
    except _Pending:
        raise ValueError('Bad functional model config: input_layers/output_layers name a tensor that no layer '
                         'makes. Received: input_layers=%r, output_layers=%r.'
                         % (config.get('input_layers'), config.get('output_layers'))) from None
    model = cls(inputs, outputs, name=config.get('name'))
    if config.get('trainable') is False:
        model.trainable = False
    return model
