"""What a layer accepts: rank and fixed axis sizes, checked on every call.

A layer sets ``self.input_spec`` (usually in ``build``, once it knows its input
size); ``Layer.__call__`` checks symbolic and real inputs against it, so wiring
mistakes fail when the graph is built, with both shapes in the message.
"""
from kcore.errors import ShapeError, layer_prefix


class InputSpec:
    """What a layer accepts as input, checked by ``Layer.__call__`` (Keras's ``InputSpec``).

    Args:
        ndim: The exact rank, or None.
        min_ndim: The smallest rank, or None.
        max_ndim: The largest rank, or None.
        axes: ``{axis: size}`` for axes whose size is fixed (e.g. ``{-1: 64}``).
        shape: A full shape, None for free sizes; sets ``ndim``.
        dtype: The expected dtype, or None.
        allow_last_axis_squeeze: Accepted for Keras 3 compatibility.
        name: The input's name, for messages.
    """
    def __init__(self, ndim=None, min_ndim=None, max_ndim=None, axes=None, shape=None,
                 dtype=None, allow_last_axis_squeeze=False, name=None):
        self.ndim = len(shape) if shape is not None else ndim
        self.min_ndim = min_ndim
        self.max_ndim = max_ndim
        self.axes = dict(axes or {})
        self.shape = tuple(shape) if shape is not None else None
        self.dtype = dtype
        self.name = name

    def __repr__(self):
        parts = ['%s=%r' % (k, v) for k, v in (('ndim', self.ndim), ('min_ndim', self.min_ndim),
                                               ('max_ndim', self.max_ndim), ('axes', self.axes),
                                               ('shape', self.shape)) if v]
        return 'InputSpec(%s)' % ', '.join(parts)

    def get_config(self):
        """The spec's arguments as a dict."""
        return {'ndim': self.ndim, 'min_ndim': self.min_ndim, 'max_ndim': self.max_ndim,
                'axes': self.axes, 'shape': self.shape, 'dtype': self.dtype, 'name': self.name}


def _fail(layer, index, what, expected, shape, fix):
    which = '' if index is None else ' %d' % index
    raise ShapeError('%s: input%s %s. Expected %s. Received: input_shape=%s. %s'
                     % (layer_prefix(layer), which, what, expected, _fmt(shape), fix))


def _fmt(shape):
    return '(' + ', '.join('None' if d is None else str(d) for d in shape) + (',)' if len(shape) == 1 else ')')


def check(layer, specs, shapes):
    """Raise ``ShapeError`` if any of ``shapes`` breaks ``specs`` (one spec per input)."""
    if specs is None:
        return
    single = not isinstance(specs, (list, tuple))
    specs = [specs] if single else list(specs)
    if len(specs) != len(shapes):
        raise ShapeError('%s expects %d input(s), but it received %d. Received shapes: %s.'
                         % (layer_prefix(layer), len(specs), len(shapes), ', '.join(_fmt(s) for s in shapes)))
    for i, (spec, shape) in enumerate(zip(specs, shapes)):
        if spec is None:
            continue
        index = None if single else i
        rank = len(shape)
        if spec.ndim is not None and rank != spec.ndim:
            _fail(layer, index, 'has the wrong rank', 'ndim=%d' % spec.ndim, shape,
                  'Reshape the input, or check the previous layer\'s output.')
        if spec.min_ndim is not None and rank < spec.min_ndim:
            _fail(layer, index, 'has too few dimensions', 'min_ndim=%d' % spec.min_ndim, shape,
                  'Add the missing axes (e.g. a channels axis) to the data or the Input shape.')
        if spec.max_ndim is not None and rank > spec.max_ndim:
            _fail(layer, index, 'has too many dimensions', 'max_ndim=%d' % spec.max_ndim, shape,
                  'Flatten or Reshape the input first.')
        for axis, size in spec.axes.items():
            if size is None:
                continue
            a = axis if axis >= 0 else rank + axis
            if not 0 <= a < rank or (shape[a] is not None and shape[a] != size):
                _fail(layer, index, 'has an incompatible shape',
                      'axis %d of size %d (the layer was built for that size)' % (axis, size), shape,
                      'Feed inputs of the size the layer was built with, or use a new layer.')
        if spec.shape is not None:
            for a, (want, got) in enumerate(zip(spec.shape, shape)):
                if want is not None and got is not None and want != got:
                    _fail(layer, index, 'has an incompatible shape', 'shape=%s' % _fmt(spec.shape),
                          shape, 'Check the model\'s Input shape.')
