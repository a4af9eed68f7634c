"""``model.summary()``: Keras 2's table of layers, output shapes and parameter counts.

Sequential-like models get three columns (Layer (type), Output Shape, Param #);
graphs with branches, merges or shared layers get a fourth, "Connected to",
naming each input as ``layer[node][tensor]``.  The totals count every weight
once (shared layers included once), split into trainable and non-trainable.
"""
import numpy as np

from kcore.errors import layer_prefix
from kcore.layers.input_layer import InputLayer
from kcore.models.graph_config import _model_node_ids, node_indices


def _fmt_shape(shape):
    return '(' + ', '.join('None' if d is None else str(d) for d in shape) + (',)' if len(shape) == 1 else ')')


def _fmt_shapes(shapes):
    if isinstance(shapes, (list, tuple)) and shapes and isinstance(shapes[0], (list, tuple)):
        return '[' + ', '.join(_fmt_shape(s) for s in shapes) + ']'
    return _fmt_shape(shapes)


def _output_shape(layer, model_node_ids):
    """The shape column: from the layer's calls in this model, else from its build shape."""
    nodes = [n for n in layer._inbound_nodes if id(n) in model_node_ids]
    if nodes:
        shapes = {tuple(tuple(t.shape) for t in n.output_tensors) for n in nodes}
        if len(shapes) > 1:
            return 'multiple'
        (shapes,) = shapes
        return _fmt_shape(shapes[0]) if len(shapes) == 1 else _fmt_shapes(list(shapes))
    build_shape = getattr(layer, '_build_input_shape', None)
    if build_shape is None:
        return '?'
    try:  # a layer called eagerly (in a subclassed model): ask it, with an unknown batch size
        return _fmt_shapes(layer.compute_output_shape(_unbatched(build_shape)))
    except Exception:
        return 'multiple'


def _unbatched(shape):
    if isinstance(shape, list):
        return [_unbatched(s) for s in shape]
    return (None,) + tuple(shape[1:])


def _param_count(layer):
    return sum(int(np.prod(v.shape)) for v in layer.weights) if layer.built else 0


def _is_graph(model):
    return getattr(model, '_nodes', None) is not None and getattr(model, 'inputs', None) is not None


def _sequential_like(model):
    if model._is_sequential or not _is_graph(model):
        return True
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        return False
    consumers, layers = {}, set()
    for node in model._nodes:
        if len(node.input_tensors) != 1 or id(node.layer) in layers:
            return False
        layers.add(id(node.layer))
        key = id(node.input_tensors[0])
        consumers[key] = consumers.get(key, 0) + 1
    return all(c == 1 for c in consumers.values())


def _connections(layer, model, node_index, node_ids):
    out = []
    for node in layer._inbound_nodes:
        if id(node) not in node_ids:
            continue
        for t in node.input_tensors:
            out.append('%s[%d][%d]' % (t.node.layer.name, node_index.get(id(t.node), 0), t.index))
    return out


def _wrap(text, width):
    width = max(width - 1, 1)
    return [text[i:i + width] for i in range(0, len(text), width)] or ['']


class _Table:
    def __init__(self, print_fn, line_length, positions, columns):
        self.print_fn = print_fn
        self.line_length = line_length
        if positions[-1] <= 1:
            positions = [int(line_length * p) for p in positions]
        self.positions = positions
        self.columns = columns

    def row(self, fields):
        """Print one row; long fields (and lists, one item a line) wrap onto further lines."""
        widths = [b - a for a, b in zip([0] + self.positions[:-1], self.positions)]
        cells = []
        for field, width in zip(fields, widths):
            items = field if isinstance(field, list) else [field]
            lines = []
            for item in items:
                lines.extend(_wrap(str(item), width))
            cells.append(lines or [''])
        for i in range(max(len(c) for c in cells)):
            line = ''
            for cell, pos in zip(cells, self.positions):
                line += cell[i] if i < len(cell) else ''
                line = line[:pos].ljust(pos)
            self.print_fn(line.rstrip())

    def rule(self, char):
        self.print_fn(char * self.line_length)


def print_summary(model, line_length=None, positions=None, print_fn=None, expand_nested=False,
                  show_trainable=False):
    """Print the summary of ``model`` line by line through ``print_fn`` (default ``print``)."""
    if not model.built:
        raise ValueError('%s has not been built yet, so it has no weights to summarize. Build it first: give '
                         'the first layer input_shape=..., call model.build(input_shape), or call the model '
                         'on a batch of data.' % layer_prefix(model))
    print_fn = print_fn or print
    sequential = _sequential_like(model)
    columns = ['Layer (type)', 'Output Shape', 'Param #']
    if sequential:
        line_length = line_length or 65
        positions = list(positions or [0.45, 0.85, 1.0])
    else:
        line_length = line_length or 98
        positions = list(positions or [0.33, 0.55, 0.67, 1.0])
        columns.append('Connected to')
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]
    if show_trainable:
        line_length += 11
        positions.append(line_length)
        columns.append('Trainable')
    table = _Table(print_fn, line_length, positions, columns)
    print_fn('Model: "%s"' % model.name)
    table.rule('_')
    table.row(columns)
    table.rule('=')
    _print_layers(table, model, sequential, expand_nested, show_trainable, depth=0)
    table.rule('=')
    trainable = sum(int(np.prod(v.shape)) for v in model.trainable_weights)
    non_trainable = sum(int(np.prod(v.shape)) for v in model.non_trainable_weights)
    print_fn('Total params: {:,}'.format(trainable + non_trainable))
    print_fn('Trainable params: {:,}'.format(trainable))
    print_fn('Non-trainable params: {:,}'.format(non_trainable))
    table.rule('_')


def _print_layers(table, model, sequential, expand_nested, show_trainable, depth):
    graph = _is_graph(model)
    node_ids = _model_node_ids(model) if graph else set()
    node_index = node_indices(model) if graph else {}
    layers = model.layers
    if graph and not sequential:
        layers = model._layers  # InputLayers included, as Keras lists them in graphs
    for i, layer in enumerate(layers):
        name = '%s%s (%s)' % ('| ' * depth, layer.name, type(layer).__name__)
        fields = [name, _output_shape(layer, node_ids), _param_count(layer)]
        if not sequential:
            fields.append(_connections(layer, model, node_index, node_ids) if not isinstance(layer, InputLayer)
                          else [])
        if show_trainable:
            fields.append('Y' if layer.trainable else 'N')
        table.row(fields)
        if expand_nested and hasattr(layer, 'layers') and layer.built:
            _print_layers(table, layer, True, expand_nested, show_trainable, depth + 1)
        if i < len(layers) - 1:
            table.rule('_')
