"""Argument handling shared by the convolution, pooling and reshaping layers."""
from kcore import config
from kcore._deprecated import rename_kwargs, warn_renamed
from kcore.errors import ShapeError, layer_prefix

_LEGACY_FORMATS = {'tf': 'channels_last', 'th': 'channels_first', 'default': None}


def data_format(value, owner='layer'):
    """``None`` is the configured ``image_data_format``; Keras 1's 'tf'/'th' still work."""
    if isinstance(value, str) and value in _LEGACY_FORMATS:
        warn_renamed('%s(dim_ordering=%r)' % (owner, value),
                     'data_format=%r' % (_LEGACY_FORMATS[value] or 'None'))
        value = _LEGACY_FORMATS[value]
    return config.normalize_data_format(value)


def legacy_kwargs(cls_name, kwargs):
    """Rename Keras 1 arguments (``nb_filter``, ``border_mode``, ...) listed for ``cls_name``."""
    rename_kwargs(cls_name, kwargs, stacklevel=5)
    return kwargs


def channel_axis(fmt, ndim):
    """The index of the channels axis for a data format and rank."""
    return 1 if fmt == 'channels_first' else ndim - 1


def spatial_sizes(shape, fmt):
    """The spatial sizes of a batch shape, for a data format."""
    return tuple(shape[2:]) if fmt == 'channels_first' else tuple(shape[1:-1])


def with_spatial(shape, sizes, channels, fmt):
    """A shape with new spatial sizes and channels, in ``fmt`` order."""
    if fmt == 'channels_first':
        return (shape[0], channels) + tuple(sizes)
    return (shape[0],) + tuple(sizes) + (channels,)


def known_channels(layer, input_shape, fmt):
    """The channel count of ``input_shape``, which must be known to create weights."""
    axis = channel_axis(fmt, len(input_shape))
    channels = input_shape[axis]
    if channels is None:
        raise ShapeError('%s: the channel dimension of the input must be known to create the weights. '
                         'Expected axis %d (data_format=%r) to have a size. Received: input_shape=%s. '
                         'Give the Input a full shape, or check data_format.'
                         % (layer_prefix(layer), axis, fmt, tuple(input_shape)))
    return int(channels)


def check_rank(layer, input_shape, rank):
    """Raise ``ShapeError`` unless ``input_shape`` has ``rank`` spatial axes plus batch and channels."""
    if len(input_shape) != rank + 2:
        raise ShapeError('%s: the input must have rank %d (batch, %d spatial axes, channels). Expected '
                         'ndim=%d. Received: input_shape=%s. Reshape the data, e.g. add a channels axis '
                         'of size 1.' % (layer_prefix(layer), rank + 2, rank, rank + 2, tuple(input_shape)))
