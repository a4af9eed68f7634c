"""Tensors, variables and reverse-mode differentiation.

A ``Tensor`` wraps one array of the active backend (``numpy.ndarray`` or
``cupy.ndarray``).  An op on tensors runs a *kernel* (``fn(*arrays) -> (out,
vjp)``) and, while gradients are being recorded and some input requires one,
links the output to a ``Node`` that keeps the kernel's ``vjp`` closure and the
input tensors.  ``gradients(loss, wrt)`` walks those nodes back from ``loss``.

The per-op path (``apply``) is deliberately bare: no hooks, no checks that only
debugging needs.  Gradients are plain arrays (no higher-order derivatives).
"""
import threading

import numpy as np

from kcore.autodiff.graph import Node, Output, graph_ref, producer
from kcore.runtime.device import ACTIVE, current_state, raise_clearer, raise_clearer_gradient


class _GradState(threading.local):
    enabled = True


_grad = _GradState()


class no_grad:
    """Context manager (or decorator): ops inside record nothing (inference, metric updates)."""

    __slots__ = ('_prev',)
    _enabled = False

    def __enter__(self):
        self._prev = _grad.enabled
        _grad.enabled = self._enabled
        return self

    def __exit__(self, *exc):
        _grad.enabled = self._prev

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with type(self)():
                return fn(*args, **kwargs)
        return wrapper


class enable_grad(no_grad):
    """Context manager (or decorator): record ops even inside ``no_grad``."""

    __slots__ = ()
    _enabled = True


def is_recording():
    """Whether operations are being recorded for gradients now (False inside ``no_grad``)."""
    return _grad.enabled


class Tensor:
    """An array of the active backend, with what autodiff needs.

    ``requires_grad`` marks tensors that gradients should reach; ops record a
    node only when an input requires a gradient and recording is on.
    Comparison operators compare element-wise and return boolean tensors;
    ``==`` and ``!=`` are identity (as for Python objects), use ``K.equal``.
    """

    __slots__ = ('data', 'requires_grad', '_node', '_index', '_ref', '_keras_mask', '_produced_from',
                 '_uses_learning_phase', '_metric_obj', '__weakref__')
    __array_priority__ = 100  # numpy defers binary operators to us

    def __init__(self, data, requires_grad=False):
        self.data = data
        self.requires_grad = requires_grad
        self._node = None
        self._index = 0
        self._keras_mask = None
        self._uses_learning_phase = False  # Keras 2.3's flag: made by a layer that depends on the learning phase

    # -- array facts -----------------------------------------------------------
    @property
    def shape(self):
        """The shape, a tuple of ints."""
        return self.data.shape

    @property
    def dtype(self):
        """The dtype of the underlying array."""
        return self.data.dtype

    @property
    def ndim(self):
        """The number of axes."""
        return self.data.ndim

    @property
    def size(self):
        """The number of elements."""
        return self.data.size

    def __len__(self):
        return len(self.data)

    def numpy(self):
        """The value as a NumPy array (copied from the device when needed)."""
        return ACTIVE.backend.to_numpy(self.data)

    def __array__(self, dtype=None, copy=None):
        a = self.numpy()
        return a.astype(dtype) if dtype is not None else a

    def __float__(self):
        return float(self.numpy())

    def __int__(self):
        return int(self.numpy())

    def __bool__(self):
        return bool(self.numpy())

    def __repr__(self):
        extra = ', requires_grad=True' if self.requires_grad else ''
        return 'Tensor(shape=%s, dtype=%s%s)' % (tuple(self.shape), self.dtype, extra)

    __hash__ = object.__hash__

    def __eq__(self, other):
        return self is other

    def __ne__(self, other):
        return self is not other

    def detach(self):
        """A new tensor with the same data and no gradient history.

        Returns:
            A ``Tensor`` that gradients do not flow through.
        """
        return Tensor(self.data)

    # Python operators (the kernels live in primitives.py, bound below).


def _binary(name, swap=False):
    def op(self, other):
        if other.__class__ not in _PLAIN_OPERANDS:
            other = _coerce(other, self)
            if other is NotImplemented:
                return NotImplemented
        return apply(name, other, self) if swap else apply(name, self, other)
    op.__name__ = name
    return op


_PLAIN_OPERANDS = {int, float, bool}  # tensors are added below; Python scalars keep the tensor's dtype


def _coerce(other, like):
    """The other operand of a Python operator, without silent up-casts.

    NumPy scalars become Python scalars (``x * np.sqrt(2.0)`` stays float32, as
    with a Python float); arrays and lists become arrays of the active backend,
    floats taking the tensor's float dtype (``x + np.ones(3)`` stays float32).
    Anything else is left to its own reflected operator.
    """
    if isinstance(other, Tensor):
        return other
    if isinstance(other, np.generic):
        return other.item()
    if isinstance(other, (np.ndarray, list, tuple)) or hasattr(other, '__cuda_array_interface__'):
        a = ACTIVE.backend.asarray(other)
        if like.dtype.kind == 'f' and a.dtype.kind in 'fiub' and a.dtype != like.dtype:
            a = a.astype(like.dtype)
        return a
    return NotImplemented


def _install_operators():
    T = Tensor
    T.__add__ = _binary('add')
    T.__radd__ = _binary('add', swap=True)
    T.__sub__ = _binary('subtract')
    T.__rsub__ = _binary('subtract', swap=True)
    T.__mul__ = _binary('multiply')
    T.__rmul__ = _binary('multiply', swap=True)
    T.__truediv__ = _binary('divide')
    T.__rtruediv__ = _binary('divide', swap=True)
    T.__pow__ = _binary('power')
    T.__rpow__ = _binary('power', swap=True)
    T.__matmul__ = _binary('matmul')
    T.__rmatmul__ = _binary('matmul', swap=True)
    T.__lt__ = _binary('less')
    T.__le__ = _binary('less_equal')
    T.__gt__ = _binary('greater')
    T.__ge__ = _binary('greater_equal')
    T.__neg__ = lambda self: apply('negative', self)
    T.__abs__ = lambda self: apply('abs', self)
    T.__pos__ = lambda self: self
    T.__getitem__ = lambda self, key: apply('getitem', self, key=_unwrap_index(key))
    T.T = property(lambda self: apply('transpose', self, axes=None), doc='The transpose (axes reversed).')
    _PLAIN_OPERANDS.update((Tensor, Variable))


def _unwrap_index(key):
    if isinstance(key, tuple):
        return tuple(k.data if isinstance(k, Tensor) else k for k in key)
    return key.data if isinstance(key, Tensor) else key


class Variable(Tensor):
    """Mutable state: weights (``trainable``) and statistics such as moving means.

    ``assign`` writes in place, so arrays that alias a variable (an optimizer's
    flat buffer, say) stay valid.  A ``constraint`` is applied after each
    optimizer update.
    """

    __slots__ = ('name', 'trainable', 'constraint', 'regularizer', '_path')

    def __init__(self, data, trainable=True, name=None, constraint=None, regularizer=None):
        Tensor.__init__(self, data, requires_grad=bool(trainable))
        self.name = name or 'variable'
        self.trainable = bool(trainable)
        self.constraint = constraint
        self.regularizer = regularizer
        self._path = self.name

    def assign(self, value):
        """Overwrite the value in place (the array keeps its identity).

        Args:
            value: A tensor or array broadcastable to the variable's shape.

        Returns:
            The variable.
        """
        value = value.data if isinstance(value, Tensor) else value
        self.data[...] = value
        return self

    def assign_add(self, delta):
        """Add ``delta`` in place.

        Args:
            delta: A tensor or array broadcastable to the variable's shape.

        Returns:
            The variable.
        """
        self.data += delta.data if isinstance(delta, Tensor) else delta
        return self

    def assign_sub(self, delta):
        """Subtract ``delta`` in place.

        Args:
            delta: A tensor or array broadcastable to the variable's shape.

        Returns:
            The variable.
        """
        self.data -= delta.data if isinstance(delta, Tensor) else delta
        return self

    @property
    def value(self):
        """The underlying array (NumPy's, or CuPy's on a GPU), not a copy."""
        return self.data

    def __repr__(self):
        return '<Variable %r shape=%s dtype=%s%s>' % (
            self.name, tuple(self.shape), self.dtype, '' if self.trainable else ' non-trainable')


def apply(name, *args, **params):
    """Run kernel ``name`` of the active backend on ``args`` and record it if needed.

    Tensors among ``args`` are unwrapped; other values (Python numbers, arrays)
    pass to the kernel as they are and receive no gradient.
    """
    try:
        out, vjp = current_state().kernels[name](*[a.data if isinstance(a, Tensor) else a for a in args], **params)
    except Exception as e:  # free unless it fails: a clearer error for two devices' arrays, or no memory
        raise_clearer(e, name, [a.data if isinstance(a, Tensor) else a for a in args])
        raise
    if _grad.enabled:
        for a in args:  # plain loops: no generator objects on the per-op path
            if isinstance(a, Tensor) and a.requires_grad:
                parents = tuple([(p if p._node is None else p._ref) if isinstance(p, Tensor) and p.requires_grad
                                 else None for p in args])
                return _link(out, Node(parents, vjp, len(out) if type(out) is tuple else 1))
    if type(out) is tuple:
        return tuple([Tensor(o) for o in out])
    return Tensor(out)


def _link(out, node):
    if type(out) is tuple:
        outs = []
        for i, o in enumerate(out):
            t = Tensor(o, True)
            t._node = node
            t._index = i
            t._ref = Output(node, i)
            outs.append(t)
        return tuple(outs)
    t = Tensor(out, True)
    t._node = node
    t._ref = node
    return t


def _topological_nodes(root):
    """Nodes reachable from ``root``, each after every node that consumes it."""
    order, visited = [], set()
    stack = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append((node, True))
        for p in node.parents:
            if p is not None:
                n = producer(p)[0]
                if n is not None and n not in visited:
                    stack.append((n, False))
    order.reverse()
    return order


def gradients(loss, wrt, output_gradient=None, on_ready=None):
    """d(sum of ``loss``)/d(each of ``wrt``) as a list of arrays (``None`` if unconnected).

    ``wrt`` may hold variables or any tensors of the recorded graph.  Gradients
    reaching a tensor through several paths are summed.  The arrays returned
    are the caller's own: none is a view of another or read-only, so an
    optimizer may update them in place.

    ``on_ready(i, grad)`` is called once per index as soon as its gradient is complete
    (``None`` if unconnected), while the backward pass goes on: a data-parallel engine
    starts reducing it then.  ``grad`` may be a view, to be read before the call returns.
    """
    xp = ACTIVE.xp
    wrt_index = {id(graph_ref(t)): i for i, t in enumerate(wrt)}
    result = [None] * len(wrt)
    if output_gradient is None:
        output_gradient = xp.ones(loss.shape, dtype=loss.dtype)
    elif isinstance(output_gradient, Tensor):
        output_gradient = output_gradient.data
    if id(graph_ref(loss)) in wrt_index:
        result[wrt_index[id(graph_ref(loss))]] = output_gradient
    if loss._node is not None:
        _backward(loss, output_gradient, wrt_index, result, on_ready)
    elif on_ready is not None:
        for k, g in enumerate(result):
            on_ready(k, g)
    if len(wrt_index) < len(wrt):  # a tensor listed twice gets its gradient twice
        for i, t in enumerate(wrt):
            result[i] = result[wrt_index[id(graph_ref(t))]]
    return _owned(result)


def _owned(arrays):
    """Copy the gradients that are views, read-only (broadcast) or shared with another."""
    seen = set()
    out = []
    for a in arrays:
        if a is not None and (a.base is not None or id(a) in seen
                              or not getattr(a.flags, 'writeable', True)):
            a = a.copy()
        if a is not None:
            seen.add(id(a))
        out.append(a)
    return out


def _last_uses(order, wrt_index):
    """Map each position in ``order`` to the ``wrt`` indices whose gradient is complete after that node."""
    last = {wrt_index[id(p)]: pos for pos, node in enumerate(order) for p in node.parents
            if p is not None and id(p) in wrt_index}
    done = {}
    for k, pos in last.items():
        done.setdefault(pos, []).append(k)
    return done


def _backward(loss, output_gradient, wrt_index, result, on_ready=None):
    root = loss._node
    pending = {root: [None] * root.n_out}  # node -> gradients of its outputs so far
    pending[root][loss._index] = output_gradient
    order = _topological_nodes(root)
    done = _last_uses(order, wrt_index) if on_ready is not None else None
    if done is not None:  # the unconnected ones are complete from the start
        connected = {k for ks in done.values() for k in ks}
        for k in set(range(len(result))) - connected:
            on_ready(k, None)
    for pos, node in enumerate(order):
        outs = pending.pop(node, None)
        if outs is not None:
            _propagate(node, outs, pending, wrt_index, result)
        if done is not None:
            for k in done.pop(pos, ()):
                on_ready(k, result[k])


def _propagate(node, outs, pending, wrt_index, result):
    """One node's vector-Jacobian product, handed to its parents."""
    parents = node.parents
    try:
        in_grads = node.vjp(outs[0] if node.n_out == 1 else tuple(outs), tuple([p is not None for p in parents]))
    except Exception as e:  # free unless it fails: arrays of two devices get the clear error here too
        raise_clearer_gradient(e, node.vjp, outs)
        raise
    for p, gp in zip(parents, in_grads):
        if p is None or gp is None:
            continue
        if wrt_index:
            k = wrt_index.get(id(p))
            if k is not None:
                result[k] = gp if result[k] is None else result[k] + gp
        n, index = producer(p)
        if n is not None:
            slots = pending.get(n)
            if slots is None:
                slots = pending[n] = [None] * n.n_out
            prev = slots[index]
            slots[index] = gp if prev is None else prev + gp


_install_operators()
