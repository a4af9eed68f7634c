"""``OpLayer``: a ``K`` function or Python operator applied to symbolic tensors.

Keras 3 lets a functional graph use plain ops on its tensors (``x + y``,
``x * 2``, ``x[:, 0]``, ``K.mean(x, axis=1)``).  Each such call records a node
of an ``OpLayer`` that remembers the op by *name* and its non-tensor arguments
as JSON, so the model's config holds no code: on loading, the name resolves only
among ``kcore.backend``'s functions and the registered ``ops`` (plugins).
"""
import functools

import numpy as np

from kcore.errors import layer_prefix
from kcore.layers.base import Layer
from kcore.layers.keras_tensor import KerasTensor, has_symbolic
from kcore.plugins import registry
from kcore.runtime import ops
from kcore.utils import naming

#: ``K`` names that are not ops on tensors (shape facts, conversions): never wrapped
NOT_OPS = frozenset(['shape', 'int_shape', 'ndim', 'dtype', 'count_params', 'epsilon', 'is_tensor',
                     'as_array', 'to_tensor'])


def _getitem(x, key):
    return x[key]


#: op names ``'losses.<name>'`` stand for the registered loss function ``<name>``
LOSS_PREFIX = 'losses.'

#: ops that are not ``K`` functions: Python's indexing
_EXTRA_OPS = {'getitem': _getitem}


def resolve_op(name):
    """The function an op name stands for: a ``kcore.runtime.ops`` function or a registered op."""
    if name in _EXTRA_OPS:
        return _EXTRA_OPS[name]
    if name in ops.__all__ and name not in NOT_OPS:
        fn = getattr(ops, name)
        return getattr(fn, '__wrapped_op__', fn)
    if name.startswith(LOSS_PREFIX):  # a loss function applied to symbolic tensors (Keras 2's VAE)
        fn = registry('losses').get(name[len(LOSS_PREFIX):])
        if isinstance(fn, type) or not callable(fn):
            raise ValueError('Op %r: %r is not a loss function.' % (name, fn))
        return getattr(fn, '__wrapped_op__', fn)
    fn = registry('ops').get(name)  # raises UnknownNameError with close matches
    return getattr(fn, '__wrapped_op__', fn)


class _Slot:
    """Where the i-th input tensor goes in an op's arguments."""

    __slots__ = ('index',)

    def __init__(self, index):
        self.index = index


def _template(value, tensors):
    """``value`` with each KerasTensor replaced by a ``_Slot`` (the tensor appended to ``tensors``)."""
    if isinstance(value, KerasTensor):
        tensors.append(value)
        return _Slot(len(tensors) - 1)
    if isinstance(value, list):
        return [_template(v, tensors) for v in value]
    if isinstance(value, tuple):
        return tuple(_template(v, tensors) for v in value)
    if isinstance(value, dict):
        return {k: _template(v, tensors) for k, v in value.items()}
    return value


def _fill(template, tensors):
    if isinstance(template, _Slot):
        return tensors[template.index]
    if isinstance(template, list):
        return [_fill(v, tensors) for v in template]
    if isinstance(template, tuple):
        return tuple(_fill(v, tensors) for v in template)
    if isinstance(template, dict):
        return {k: _fill(v, tensors) for k, v in template.items()}
    return template


def encode(value):
    """A template as JSON: slots, tuples, slices, Ellipsis and arrays become tagged dicts."""
    if isinstance(value, _Slot):
        return {'__tensor__': value.index}
    if isinstance(value, tuple):
        return {'__tuple__': [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, slice):
        return {'__slice__': [encode(value.start), encode(value.stop), encode(value.step)]}
    if value is Ellipsis:
        return {'__ellipsis__': True}
    if isinstance(value, np.ndarray):
        return {'__array__': value.tolist(), 'dtype': value.dtype.name}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.dtype):
        return value.name
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError('cannot save %r (of type %s) in a config' % (value, type(value).__name__))


def decode(value):
    """Inverse of ``encode``; only data comes out (numbers, strings, slices, arrays)."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if '__tensor__' in value:
        return _Slot(int(value['__tensor__']))
    if '__tuple__' in value:
        return tuple(decode(v) for v in value['__tuple__'])
    if '__slice__' in value:
        return slice(*(decode(v) for v in value['__slice__']))
    if '__ellipsis__' in value:
        return Ellipsis
    if '__array__' in value:
        return np.asarray(value['__array__'], dtype=np.dtype(value['dtype']))
    return {k: decode(v) for k, v in value.items()}


class OpLayer(Layer):
    """Applies op ``function`` (a name) to ``args``/``kwargs`` in which the input
    tensors' places are marked; called on the list of those tensors."""

    def __init__(self, function, args=(), kwargs=None, **layer_kwargs):
        layer_kwargs.setdefault('name', naming.unique_name(function))
        super().__init__(**layer_kwargs)
        self.function = function
        self._fn = resolve_op(function)
        self._args = tuple(decode(a) for a in args)
        self._kwargs = decode(dict(kwargs or {}))
        self.supports_masking = False

    def call(self, inputs):
        tensors = inputs if isinstance(inputs, (list, tuple)) else [inputs]
        return self._fn(*_fill(self._args, tensors), **_fill(self._kwargs, tensors))

    def get_config(self):
        cfg = super().get_config()
        try:
            cfg.update({'function': self.function, 'args': [encode(a) for a in self._args],
                        'kwargs': encode(self._kwargs)})
        except TypeError as e:
            raise ValueError('%s: the op %r was given an argument that a config cannot hold: %s. Use plain '
                             'numbers, strings, slices or NumPy arrays, or wrap the computation in a '
                             'registered custom layer.' % (layer_prefix(self), self.function, e)) from None
        return cfg


def symbolic_call(name, args, kwargs):
    """Record op ``name`` on the KerasTensors among ``args``/``kwargs``; returns its output(s)."""
    tensors = []
    args_t = _template(tuple(args), tensors)
    kwargs_t = _template(dict(kwargs), tensors)
    floats = [t.dtype for t in tensors if np.dtype(t.dtype).kind == 'f']
    layer = OpLayer(name, dtype=floats[0] if floats else None)
    layer._args, layer._kwargs = args_t, kwargs_t
    return layer(tensors)


# -- symbolic dispatch: K functions and Python operators on KerasTensors ------------------
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
            return symbolic_call(op_name, args, kwargs)
        return fn(*args, **kwargs)
    op.__wrapped_op__ = fn
    return op


def _symbolic_op(name, *args):
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
