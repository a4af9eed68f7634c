"""``KerasTensor``: a placeholder for a tensor in a functional graph.

``Input(shape=...)`` returns one (a shape and a dtype, no data); calling a layer on
KerasTensors records a ``Node`` (``kcore.layers.node``) and returns new ones.  This
is the vocabulary ``Layer`` is written in, so it sits below the layers (Keras keeps
``keras_tensor`` below its layers too).
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
    def _keras_shape(self):
        """The static shape (Keras 2's attribute on symbolic tensors)."""
        return self.shape

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

    # Python operators (``x + y``, ``x[:, 0]``) are installed by kcore.layers.op_layer: each
    # records a node of an ``OpLayer``.


class SymbolicGradient:
    """What ``K.gradients`` returns for symbolic tensors: evaluated by ``K.function``.
    ``clip`` is ``(clipnorm, clipvalue)`` when an optimizer's ``get_gradients`` made it
    (Keras 2.3 clips the gradients it returns)."""

    def __init__(self, loss, wrt, clip=None):
        self.loss = loss
        self.wrt = wrt
        self.shape = getattr(wrt, 'shape', None)
        self.clip = clip


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


def is_symbolic(x):
    """True if ``x`` (or any leaf of it) is a KerasTensor."""
    if type(x) is KerasTensor:
        return True
    if isinstance(x, (list, tuple, dict)):
        return any(type(t) is KerasTensor for t in nest.flatten(x))
    return False
