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
    __array_ufunc__ = None  # ``np.float32(2) * x`` defers to x.__rmul__

    # Python operators (below) record a node of an ``OpLayer`` (kcore.layers.op_layer).


def _symbolic_op(name, *args):
    from kcore.layers.op_layer import symbolic_call
    return symbolic_call(name, args, {})


def _install_operators():
    """``x + y``, ``2 * x``, ``x[:, 0]``, ... on KerasTensors, as Keras 3 allows; ``==``
    stays identity (KerasTensors are dict keys)."""
    binary = {'add': 'add', 'sub': 'subtract', 'mul': 'multiply', 'truediv': 'divide', 'pow': 'pow',
              'matmul': 'matmul'}
    for py, op in binary.items():
        setattr(KerasTensor, '__%s__' % py, lambda self, other, op=op: _symbolic_op(op, self, other))
        setattr(KerasTensor, '__r%s__' % py, lambda self, other, op=op: _symbolic_op(op, other, self))
    for py, op in {'lt': 'less', 'le': 'less_equal', 'gt': 'greater', 'ge': 'greater_equal'}.items():
        setattr(KerasTensor, '__%s__' % py, lambda self, other, op=op: _symbolic_op(op, self, other))
    KerasTensor.__neg__ = lambda self: _symbolic_op('negative', self)
    KerasTensor.__abs__ = lambda self: _symbolic_op('abs', self)
    KerasTensor.__pos__ = lambda self: self
    KerasTensor.__getitem__ = lambda self, key: _symbolic_op('getitem', self, key)


_install_operators()


def has_symbolic(args, kwargs):
    """True if a KerasTensor is among ``args``/``kwargs`` (one level of lists too):
    the check ``K`` functions make before dispatching to an op layer."""
    for a in args:
        if type(a) is KerasTensor:
            return True
        if type(a) in (list, tuple) and any(type(t) is KerasTensor for t in a):
            return True
    if kwargs:
        return has_symbolic(kwargs.values(), None)
    return False


#: ``K`` names that are not ops on tensors (shape facts, conversions): never wrapped
NOT_OPS = frozenset(['shape', 'int_shape', 'ndim', 'dtype', 'count_params', 'epsilon', 'is_tensor',
                     'as_array', 'to_tensor'])


def install_dispatch(namespace, names):
    """Wrap the functions ``names`` of a module namespace with ``dispatch_symbolic``
    (``kcore.backend`` does this for its ops; kcore's layers call the bare ones)."""
    for name in names:
        fn = namespace.get(name)
        if callable(fn) and name not in NOT_OPS and not hasattr(fn, '__wrapped_op__'):
            namespace[name] = dispatch_symbolic(fn)


_CONTAINERS_OR_SYMBOLIC = frozenset([KerasTensor, list, tuple])


def dispatch_symbolic(fn, name=None):
    """Wrap a ``K`` function so that, called on KerasTensors, it records an op layer
    in the functional graph instead of computing (``K.mean(model.output)``)."""
    import functools
    op_name = name or fn.__name__

    @functools.wraps(fn)
    def op(*args, **kwargs):
        for a in args:  # the common case (tensors, arrays, numbers) in one cheap pass
            if type(a) in _CONTAINERS_OR_SYMBOLIC:
                break
        else:
            if not kwargs:
                return fn(*args)
        if has_symbolic(args, kwargs):
            from kcore.layers.op_layer import symbolic_call
            return symbolic_call(op_name, args, kwargs)
        return fn(*args, **kwargs)
    op.__wrapped_op__ = fn
    return op


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
