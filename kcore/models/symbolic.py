"""Symbolic tensors and graph nodes: what the functional API is made of.

``Input(shape=...)`` returns a ``KerasTensor`` (a shape and a dtype, no data).
Calling a layer on KerasTensors records a ``Node`` (the layer, the call's
arguments, the output KerasTensors) and returns new KerasTensors; a functional
``Model`` is the set of nodes between its inputs and outputs.  Nothing is
computed until the model runs on real data.
"""
import numpy as np

from kcore.utils import nest


class KerasTensor:
    """A placeholder for a tensor in a functional graph: ``shape`` (``None`` for
    unknown sizes, the batch axis first), ``dtype``, and the node that makes it."""

    __slots__ = ('shape', 'dtype', 'name', 'node', 'index', '__weakref__')

    def __init__(self, shape, dtype='float32', name=None, node=None, index=0):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = np.dtype(dtype).name
        self.name = name
        self.node = node
        self.index = index

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def _keras_history(self):
        """(layer, node_index, tensor_index), as Keras names it."""
        layer = self.node.layer
        return layer, layer._inbound_nodes.index(self.node), self.index

    def __repr__(self):
        layer = self.node.layer.name if self.node is not None else None
        return '<KerasTensor shape=%s dtype=%s%s>' % (
            self.shape, self.dtype, ' (created by layer %r)' % layer if layer else '')

    def __len__(self):
        raise TypeError('A symbolic tensor has no length; its batch size is not known until '
                        'the model runs. Use .shape to inspect its static shape.')

    def __bool__(self):
        raise TypeError('A symbolic tensor (the output of Input() or of a layer called on one) '
                        'has no value to test. Use it to build a Model, then call the model on data.')

    def __array__(self, *args, **kwargs):
        raise TypeError('A symbolic tensor has no value: it is a placeholder in a model graph. '
                        'Build a Model from it and call model.predict(data).')

    __hash__ = object.__hash__

    # Python operators on symbolic tensors record a node of an op layer
    # (installed by kcore.layers.op_layer to avoid an import cycle).


class Node:
    """One call of a layer on symbolic tensors."""

    __slots__ = ('layer', 'args', 'kwargs', 'input_tensors', 'outputs', 'output_tensors')

    def __init__(self, layer, args, kwargs, outputs):
        self.layer = layer
        self.args = args
        self.kwargs = kwargs
        self.input_tensors = [t for t in nest.flatten((args, kwargs)) if isinstance(t, KerasTensor)]
        self.outputs = outputs
        self.output_tensors = nest.flatten(outputs)
        for i, t in enumerate(self.output_tensors):
            t.node = self
            t.index = i
        layer._inbound_nodes.append(self)
        for parent in self.parent_nodes:
            parent.layer._outbound_nodes.append(self)

    @property
    def parent_nodes(self):
        seen, out = set(), []
        for t in self.input_tensors:
            if t.node is not None and id(t.node) not in seen:
                seen.add(id(t.node))
                out.append(t.node)
        return out

    @property
    def inbound_layers(self):
        return [t.node.layer for t in self.input_tensors if t.node is not None]

    def run(self, values):
        """Call the layer with KerasTensors replaced from ``values`` (id -> tensor)."""
        def sub(x):
            return values[id(x)] if isinstance(x, KerasTensor) else x
        args = nest.map_structure(sub, self.args)
        kwargs = nest.map_structure(sub, self.kwargs)
        return self.layer(*args, **kwargs)


def is_symbolic(x):
    """True if ``x`` (or any leaf of it) is a KerasTensor."""
    if type(x) is KerasTensor:
        return True
    if isinstance(x, (list, tuple, dict)):
        return any(type(t) is KerasTensor for t in nest.flatten(x))
    return False


def topological_nodes(outputs, inputs=None):
    """Nodes needed to compute ``outputs``, each after the nodes it reads from.

    With ``inputs``, the walk stops at them; a tensor that depends on neither an
    input nor a node raises ``ValueError`` ("graph disconnected").
    """
    stop = {id(t) for t in (inputs or [])}
    order, state = [], {}
    for out in outputs:
        stack = [(out.node, False)]
        if id(out) in stop:
            continue
        while stack:
            node, done = stack.pop()
            if done:
                state[id(node)] = 2
                order.append(node)
                continue
            if state.get(id(node)):
                continue
            state[id(node)] = 1
            stack.append((node, True))
            for t in node.input_tensors:
                if id(t) in stop or t.node is None:
                    continue
                if not state.get(id(t.node)):
                    stack.append((t.node, False))
    return order
