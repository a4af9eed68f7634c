"""``Node``: one call of a layer on symbolic tensors, and the walk over nodes.

A functional ``Model`` is the set of nodes between its inputs and outputs;
nothing is computed until the model runs on real data.
"""
from kcore.layers.keras_tensor import KerasTensor
from kcore.utils import nest


def _same(x):
    return x


class Node:
    """One call of a layer on symbolic tensors."""

    __slots__ = ('layer', 'args', 'kwargs', 'input_tensors', 'outputs', 'output_tensors')

    def __init__(self, layer, args, kwargs, outputs):
        self.layer = layer
        # copies of the containers: a caller may append to its list of inputs after the call
        # (Keras's merge tests: x_list.append(x); concatenate(x_list)); the node keeps the call's view
        self.args = nest.map_structure(_same, args)
        self.kwargs = nest.map_structure(_same, kwargs)
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
