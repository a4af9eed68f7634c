"""``clone_model``: the same architecture with new layers (fresh weights), as Keras does."""
from kcore.errors import layer_prefix
from kcore.layers.input_layer import Input, InputLayer
from kcore.models.functional import Functional
from kcore.models.sequential import Sequential
from kcore.layers.keras_tensor import KerasTensor
from kcore.utils import nest


def clone_layer(layer):
    """The default ``clone_function``: a new layer from the old one's config (new weights)."""
    return type(layer).from_config(layer.get_config())


def _new_inputs(model, input_tensors):
    if input_tensors is None:
        return [Input(batch_shape=t.shape, dtype=t.dtype, name=t.node.layer.name) for t in model.inputs]
    given = nest.flatten(input_tensors)
    if len(given) != len(model.inputs):
        raise ValueError('clone_model: %s has %d input(s), but input_tensors holds %d tensor(s). Pass one '
                         'Input per model input.' % (layer_prefix(model), len(model.inputs), len(given)))
    for t in given:
        if not isinstance(t, KerasTensor) or not isinstance(t.node.layer, InputLayer):
            raise TypeError('clone_model: input_tensors must be tensors made by Input(...). Received: %r.' % (t,))
    return given


def _clone_sequential(model, input_tensors, clone_function):
    layers = [clone_function(layer) for layer in model.layers]
    clone = Sequential(name=model.name)
    if input_tensors is not None or model.inputs is not None:
        (inp,) = _new_inputs(model, input_tensors) if model.inputs is not None else nest.flatten(input_tensors)
        clone.add(inp)
    for layer in layers:
        clone.add(layer)
    return clone


def _clone_functional(model, input_tensors, clone_function):
    new_inputs = _new_inputs(model, input_tensors)
    tensors = {id(old): new for old, new in zip(model.inputs, new_inputs)}
    clones = {}

    def sub(x):
        return tensors[id(x)] if isinstance(x, KerasTensor) else x
    for node in model._nodes:  # topological order: every input exists when a node is replayed
        layer = clones.get(id(node.layer))
        if layer is None:
            layer = clones[id(node.layer)] = clone_function(node.layer)
        out = layer(*nest.map_structure(sub, node.args), **nest.map_structure(sub, node.kwargs))
        for old, new in zip(node.output_tensors, nest.flatten(out)):
            tensors[id(old)] = new
    inputs = nest.map_structure(lambda t: tensors[id(t)], model._nested_inputs)
    outputs = nest.map_structure(lambda t: tensors[id(t)], model._nested_outputs)
    return Functional(inputs, outputs, name=model.name)


def clone_model(model, input_tensors=None, clone_function=None):
    """A new ``Sequential`` or functional model with the same layers' configs and fresh
    weights.  ``clone_function(layer) -> layer`` replaces how each layer is copied
    (return the layer itself to share it); ``input_tensors`` feed the clone from
    existing ``Input``s.  Subclassed models have no graph to copy: build a new
    instance instead."""
    clone_function = clone_function or clone_layer
    if isinstance(model, Sequential):
        return _clone_sequential(model, input_tensors, clone_function)
    if isinstance(model, Functional):
        return _clone_functional(model, input_tensors, clone_function)
    raise ValueError('clone_model expects a Sequential or a functional Model. Received: %s, a subclassed model '
                     'whose structure lives in Python code; create a new instance of its class instead.'
                     % layer_prefix(model))
