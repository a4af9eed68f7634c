"""Functional models: a graph of layer calls between ``Input``s and outputs."""
import threading
from typing import Any

from kcore.runtime import ops as K
from kcore.runtime.phase import learning_phase_scope
from kcore.errors import ShapeError, layer_prefix
from kcore.layers.input_layer import InputLayer
from kcore.models.graph_config import functional_config, functional_from_config
from kcore.models.model import Model
from kcore.layers.keras_tensor import KerasTensor
from kcore.layers.node import topological_nodes
from kcore.utils import nest


_RUNNING = threading.local()  # how many graphs this thread is running (a model inside a model: > 1)


class Functional(Model):
    """``Model(inputs, outputs)``: inputs and outputs may be one tensor, a list or a dict."""

    _is_graph_network = True

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        Model.__init__(self, name=name, trainable=trainable, **kwargs)
        self._init_graph(inputs, outputs)

    def _init_graph(self, inputs, outputs):
        if isinstance(inputs, dict):
            input_list = [inputs[k] for k in inputs]
        else:
            input_list = nest.flatten(inputs)
        for t in input_list + nest.flatten(outputs):
            if not isinstance(t, KerasTensor):
                raise TypeError('%s: inputs and outputs must be symbolic tensors (from Input() and '
                                'layers called on them). Received: %r.' % (layer_prefix(self), t))
        for t in input_list:
            if not isinstance(t.node.layer, InputLayer):
                raise ValueError('%s: every input must come from Input(...). %r was produced by layer '
                                 '%r; pass that layer\'s Input instead.' % (layer_prefix(self), t, t.node.layer.name))
        self._nested_inputs = inputs
        self._nested_outputs = outputs
        self.inputs = input_list
        self.outputs = nest.flatten(outputs)
        self._nodes = topological_nodes(self.outputs, self.inputs)
        self._release_after = _release_plan(self._nodes, self.outputs)
        for node in self._nodes:
            if isinstance(node.layer, InputLayer):
                users = [n.layer.name for n in self._nodes if any(t.node is node for t in n.input_tensors)]
                raise ValueError(
                    'Graph disconnected: %s needs the input %r (layer %r), which is not among the '
                    'model\'s inputs (%s). It is read by layer(s) %s. Add it to inputs=[...].'
                    % (layer_prefix(self), node.outputs, node.layer.name,
                       ', '.join(t.node.layer.name for t in self.inputs), ', '.join(map(repr, users))))
        layers = _keras_layer_order(self.outputs)
        names = [l.name for l in layers]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError('%s: layer names must be unique in a model. Duplicated: %s. Pass distinct '
                             'name=... arguments.' % (layer_prefix(self), ', '.join(dup)))
        self._layers = layers
        self.input_names = [t.node.layer.name for t in self.inputs]
        self.output_names = [t.node.layer.name for t in self.outputs]
        self.built = True

    @property
    def layers(self):
        """The model's layers in graph order, its input layers included (a new list each time)."""
        return list(self._layers)

    # -- running -----------------------------------------------------------------------
    def _convert_inputs(self, inputs):
        """Data passes as it is: each layer converts what it receives to its own dtype
        (so a float64 graph inside a default-dtype model is not cast down)."""
        return inputs

    def call(self, inputs, training=None, mask=None):
        if training is None:
            return self._run(inputs)
        with learning_phase_scope(training):
            return self._run(inputs)

    def add_loss(self, losses: Any, inputs: Any = None) -> None:
        """Add a loss. Keras 2: a symbolic tensor computed from this model's inputs (a VAE's
        reconstruction + KL term) becomes part of the graph and is added on every call, its
        mean when it is not a scalar; other values (tensors, zero-argument callables) are
        added as ``Layer.add_loss`` adds them. ``inputs`` is accepted for Keras 2 and unused.

        Args:
            losses: a loss, or a list of them.
            inputs: Keras 2's conditioning inputs (ignored).
        """
        for loss in (losses if isinstance(losses, (list, tuple)) else [losses]):
            if isinstance(loss, KerasTensor):
                self._graph_losses = getattr(self, '_graph_losses', []) + [loss]
                self._nodes = topological_nodes(self.outputs + self._graph_losses, self.inputs)
                self._release_after = _release_plan(self._nodes, self.outputs + self._graph_losses)
            else:
                Model.add_loss(self, loss)

    def _run(self, inputs):
        # A model called inside another model's graph checks no shapes of its own: its layers
        # check what they receive (Keras 2.3: a model built on (None, 100) applies to (None, 1, 100))
        depth = getattr(_RUNNING, 'depth', 0)
        values = {}
        for kt, value in zip(self.inputs, self._flatten_inputs(inputs, check_shapes=depth == 0)):
            values[id(kt)] = value
        _RUNNING.depth = depth + 1
        try:
            for node, release in zip(self._nodes, self._release_after):
                out = node.run(values)
                for kt, v in zip(node.output_tensors, nest.flatten(out)):
                    values[id(kt)] = v
                for key in release:  # read by no later layer: its array may go (memory, not speed)
                    values.pop(key, None)
        finally:
            _RUNNING.depth = depth
        for loss in getattr(self, '_graph_losses', ()):
            value = values[id(loss)]
            Model.add_loss(self, value if not getattr(value, 'ndim', 0) else K.mean(value))
        return nest.pack_like(self._nested_outputs, [values[id(t)] for t in self.outputs])

    def _flatten_inputs(self, inputs, check_shapes=True):
        """Match data to the model's inputs: one array, a list in order, or a dict by name;
        with ``check_shapes``, each array's rank and known sizes against its ``Input``."""
        n = len(self.inputs)
        if isinstance(inputs, dict):
            missing = [k for k in self.input_names if k not in inputs]
            if missing:
                raise ValueError('%s: missing data for input(s) %s. The dict has keys %s.'
                                 % (layer_prefix(self), missing, sorted(inputs)))
            flat = [inputs[k] for k in self.input_names]
        elif isinstance(inputs, (list, tuple)):
            flat = list(inputs)
        else:
            flat = [inputs]
        if len(flat) != n:
            raise ValueError('%s expects %d input(s) (%s), but received a list of %d. A Python list '
                             'is read as one array per input; convert nested lists of numbers with '
                             'np.array(...).' % (layer_prefix(self), n, ', '.join(self.input_names), len(flat)))
        for kt, x in zip(self.inputs, flat if check_shapes else ()):
            shape = getattr(x, 'shape', None)
            if shape is not None and len(kt.shape) != len(shape):
                raise ShapeError('%s: input %r expects arrays of rank %d, shape %s. Received: '
                                 'shape=%s.' % (layer_prefix(self), kt.node.layer.name, len(kt.shape),
                                               kt.shape, tuple(shape)))
            if shape is not None:
                for want, got in zip(kt.shape[1:], tuple(shape)[1:]):
                    if want is not None and want != got:
                        raise ShapeError('%s: input %r expects arrays of shape %s. Received: shape=%s.'
                                         % (layer_prefix(self), kt.node.layer.name, kt.shape, tuple(shape)))
        return flat

    def compute_output_shape(self, input_shape):
        shapes = input_shape if isinstance(input_shape, list) else [input_shape]
        batch = shapes[0][0] if shapes and shapes[0] else None
        return nest.map_structure(lambda t: (batch,) + tuple(t.shape[1:]), self._nested_outputs) \
            if not isinstance(self._nested_outputs, KerasTensor) else (batch,) + tuple(self.outputs[0].shape[1:])

    # -- graph facts ----------------------------------------------------------------------
    @property
    def input(self):
        return self._nested_inputs

    @property
    def output(self):
        return self._nested_outputs

    @property
    def input_shape(self):
        shapes = [t.shape for t in self.inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        shapes = [t.shape for t in self.outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    def get_config(self):
        return functional_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return functional_from_config(cls, config, custom_objects)


def _keras_layer_order(outputs):
    """The model's layers in Keras 2's order, which fixes the order of ``model.weights`` (and so
    ``set_weights`` and position-matched HDF5 weights): by decreasing depth from the outputs,
    ties broken by the order in which a depth-first walk from the outputs (each node's inputs
    in order) first meets each layer.  Inputs are the deepest layers, so they come first."""
    first_seen, finished, post_order = {}, set(), []
    for out in outputs:  # iterative form of Keras's recursive walk: pre-order index, post-order nodes
        stack = [(out.node, False)]
        while stack:
            node, done = stack.pop()
            if done:
                finished.add(id(node))
                post_order.append(node)
                continue
            if id(node) in finished:
                continue
            first_seen.setdefault(id(node.layer), (len(first_seen), node.layer))
            stack.append((node, True))
            for t in reversed(node.input_tensors):
                if t.node is not None and id(t.node) not in finished:
                    stack.append((t.node, False))
    node_depth, layer_depth = {}, {}
    for node in reversed(post_order):  # outputs first: each node is deeper than those that read it
        depth = max(node_depth.get(id(node), 0), layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = node_depth[id(node)] = depth
        for t in node.input_tensors:
            if t.node is not None:
                node_depth[id(t.node)] = max(depth + 1, node_depth.get(id(t.node), 0))
    layers = [layer for _, layer in first_seen.values()]
    return sorted(layers, key=lambda l: (-layer_depth[id(l)], first_seen[id(l)][0]))


def _release_plan(nodes, outputs):
    """Per node (in run order), the ids of the symbolic tensors no later node reads and that
    are not model outputs, so ``_run`` drops its hold on them right after that node."""
    last = {}
    for i, node in enumerate(nodes):
        for t in node.input_tensors:
            last[id(t)] = i
    keep = {id(t) for t in outputs}
    plan = [[] for _ in nodes]
    for key, i in last.items():
        if key not in keep:
            plan[i].append(key)
    return plan
