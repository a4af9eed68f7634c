"""Spatial reshaping layers: UpSampling1D/2D/3D, ZeroPadding1D/2D/3D, Cropping1D/2D/3D.

Arguments and defaults are Keras's.  As in Keras, the 1D layers work on
``(batch, steps, features)`` and take no ``data_format``.
"""
from kcore.backend import ops as K
from kcore.errors import ShapeError, layer_prefix
from kcore.layers.base import Layer
from kcore.layers.input_spec import InputSpec
from kcore_conv import geometry, ops
from kcore_conv.layers import arguments as args


class SpatialLayer(Layer):
    """Base of the layers here: a rank, a data format and an input spec."""

    rank = None

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = 'channels_last' if self.rank == 1 else args.data_format(data_format,
                                                                                    type(self).__name__)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _first_axis(self):
        return 2 if self.data_format == 'channels_first' else 1

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        args.check_rank(self, input_shape, self.rank)
        sizes = [self._output_size(d, n) for d, n in
                 enumerate(args.spatial_sizes(input_shape, self.data_format))]
        channels = input_shape[args.channel_axis(self.data_format, len(input_shape))]
        return args.with_spatial(input_shape, sizes, channels, self.data_format)

    def get_config(self):
        cfg = super().get_config()
        if self.rank != 1:
            cfg['data_format'] = self.data_format
        return cfg


class UpSampling(SpatialLayer):
    """Repeat each spatial position ``size`` times (``'nearest'``), or interpolate
    linearly between them (``'bilinear'``, half-pixel centres as ``tf.image.resize``)."""

    def __init__(self, size=2, data_format=None, interpolation='nearest', **kwargs):
        super().__init__(data_format, **kwargs)
        self.size = geometry.normalize_tuple(size, self.rank, 'size', layer_prefix(self))
        if interpolation not in ('nearest', 'bilinear'):
            raise ValueError("%s: interpolation must be 'nearest' or 'bilinear'. Received: interpolation=%r."
                             % (layer_prefix(self), interpolation))
        self.interpolation = interpolation

    def _output_size(self, axis, n):
        return None if n is None else n * self.size[axis]

    def call(self, inputs):
        return ops.upsample(inputs, self.size, self.data_format, self.interpolation, owner=layer_prefix(self))

    def get_config(self):
        cfg = super().get_config()
        cfg['size'] = self.size
        return cfg


class UpSampling1D(UpSampling):
    """Repeat each step ``size`` times: ``(batch, steps, features)`` to ``(batch, steps * size, features)``."""

    rank = 1

    def __init__(self, size=2, **kwargs):
        super().__init__(size, **kwargs)


class UpSampling2D(UpSampling):
    """Enlarge images by repeating rows and columns, or by bilinear interpolation.

    Args:
        size: The factors for rows and columns (one int for both).
        data_format: ``'channels_last'`` or ``'channels_first'``; None means the
            configured ``image_data_format``.
        interpolation: ``'nearest'`` (repeat) or ``'bilinear'``.
        **kwargs: Further ``Layer`` arguments.
    """
    rank = 2

    def __init__(self, size=(2, 2), data_format=None, interpolation='nearest', **kwargs):
        super().__init__(size, data_format, interpolation, **kwargs)

    def get_config(self):
        cfg = super().get_config()
        cfg['interpolation'] = self.interpolation
        return cfg


class UpSampling3D(UpSampling):
    """Enlarge volumes by repeating entries along the three spatial axes.

    Args:
        size: The factors per axis (one int for all three).
        data_format: ``'channels_last'`` or ``'channels_first'``; None means the
            configured ``image_data_format``.
        **kwargs: Further ``Layer`` arguments.
    """
    rank = 3

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(size, data_format, **kwargs)


def _pairs(value, rank, arg, owner):
    """Keras's spellings of per-axis (before, after) amounts, as ``rank`` pairs.

    An int is used everywhere; ``rank`` ints are symmetric per axis; ``rank`` pairs
    are taken as they are.  For 1D a pair is (before, after).
    """
    def bad():
        return ValueError('%s: %s must be an int, a tuple of %d ints or a tuple of %d (before, after) pairs '
                          'of non-negative ints. Received: %s=%r.' % (owner, arg, rank, rank, arg, value))

    def count(v):
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise bad()
        return int(v)
    if isinstance(value, int) and not isinstance(value, bool):
        return ((count(value),) * 2,) * rank
    try:
        items = tuple(value)
    except TypeError:
        raise bad() from None
    if rank == 1 and len(items) == 2 and all(isinstance(v, int) for v in items):
        return ((count(items[0]), count(items[1])),)
    if len(items) != rank:
        raise bad()
    out = []
    for item in items:
        if isinstance(item, int) and not isinstance(item, bool):
            out.append((count(item), count(item)))
        else:
            pair = tuple(item) if isinstance(item, (tuple, list)) else ()
            if len(pair) != 2:
                raise bad()
            out.append((count(pair[0]), count(pair[1])))
    return tuple(out)


class ZeroPadding(SpatialLayer):
    """Add zeros before and after each spatial axis."""

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        self.padding = _pairs(padding, self.rank, 'padding', layer_prefix(self))

    def _output_size(self, axis, n):
        return None if n is None else n + sum(self.padding[axis])

    def call(self, inputs):
        first = self._first_axis()
        widths = [(0, 0)] * inputs.ndim
        widths[first:first + self.rank] = self.padding
        return K.pad(inputs, widths)

    def get_config(self):
        cfg = super().get_config()
        cfg['padding'] = self.padding[0] if self.rank == 1 else self.padding
        return cfg


class ZeroPadding1D(ZeroPadding):
    """Add zero steps at the start and end of a sequence ``(batch, steps, features)``.

    Args:
        padding: How many steps to add: one int for both ends, or ``(start, end)``.
        **kwargs: Further ``Layer`` arguments.
    """
    rank = 1

    def __init__(self, padding=1, **kwargs):
        super().__init__(padding, **kwargs)


class ZeroPadding2D(ZeroPadding):
    """Add rows and columns of zeros around images.

    Args:
        padding: One int for all four sides, ``(rows, cols)`` for symmetric padding, or
            ``((top, bottom), (left, right))``.
        data_format: ``'channels_last'`` or ``'channels_first'``; None means the
            configured ``image_data_format``.
        **kwargs: Further ``Layer`` arguments.
    """
    rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding3D(ZeroPadding):
    """Add zeros around volumes ``(batch, d1, d2, d3, channels)``.

    Args:
        padding: One int for every side, three ints for symmetric padding per axis, or
            three ``(start, end)`` pairs.
        data_format: ``'channels_last'`` or ``'channels_first'``; None means the
            configured ``image_data_format``.
        **kwargs: Further ``Layer`` arguments.
    """
    rank = 3

    def __init__(self, padding=(1, 1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class Cropping(SpatialLayer):
    """Remove positions from the start and the end of each spatial axis."""

    def __init__(self, cropping=1, data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        self.cropping = _pairs(cropping, self.rank, 'cropping', layer_prefix(self))

    def _output_size(self, axis, n):
        if n is None:
            return None
        out = n - sum(self.cropping[axis])
        if out <= 0:
            raise ShapeError('%s: cropping %s removes all of spatial axis %d. Expected a size larger than '
                             '%d. Received: size %d. Crop less, or check data_format.'
                             % (layer_prefix(self), self.cropping[axis], axis, sum(self.cropping[axis]), n))
        return out

    def call(self, inputs):
        first = self._first_axis()
        sizes = inputs.shape[first:first + self.rank]
        for axis, n in enumerate(sizes):
            self._output_size(axis, n)
        key = [slice(None)] * inputs.ndim
        key[first:first + self.rank] = [slice(a, n - b) for (a, b), n in zip(self.cropping, sizes)]
        return inputs[tuple(key)]

    def get_config(self):
        cfg = super().get_config()
        cfg['cropping'] = self.cropping[0] if self.rank == 1 else self.cropping
        return cfg


class Cropping1D(Cropping):
    """Remove steps from the start and end of a sequence ``(batch, steps, features)``.

    Args:
        cropping: How many steps to remove: one int for both ends, or ``(start, end)``.
        **kwargs: Further ``Layer`` arguments.
    """
    rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(cropping, **kwargs)


class Cropping2D(Cropping):
    """Remove rows and columns from the borders of images.

    Args:
        cropping: One int for all four sides, ``(rows, cols)`` for symmetric crops, or
            ``((top, bottom), (left, right))``.
        data_format: ``'channels_last'`` or ``'channels_first'``; None means the
            configured ``image_data_format``.
        **kwargs: Further ``Layer`` arguments.
    """
    rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


class Cropping3D(Cropping):
    """Remove positions from the borders of volumes ``(batch, d1, d2, d3, channels)``.

    Args:
        cropping: One int for every side, three ints for symmetric crops per axis, or
            three ``(start, end)`` pairs.
        data_format: ``'channels_last'`` or ``'channels_first'``; None means the
            configured ``image_data_format``.
        **kwargs: Further ``Layer`` arguments.
    """
    rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)
