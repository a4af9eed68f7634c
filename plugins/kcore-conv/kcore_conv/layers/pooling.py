"""Pooling layers: MaxPooling1D/2D/3D, AveragePooling1D/2D/3D and the global ones.

Arguments and defaults are Keras's (``strides=None`` means ``pool_size``);
``data_format=None`` means the configured ``image_data_format`` (Keras 3; Keras
2's 1D layers defaulted to 'channels_last').
"""
from kcore.backend import ops as K
from kcore.errors import layer_prefix
from kcore.layers.base import Layer
from kcore.layers.input_spec import InputSpec
from kcore_conv import geometry, ops
from kcore_conv.layers import arguments as args


class Pooling(Layer):
    """N-d max or average pooling over windows of ``pool_size`` (an int applies to every axis)."""

    rank = None
    mode = None

    def __init__(self, pool_size=2, strides=None, padding='valid', data_format=None, **kwargs):
        args.legacy_kwargs(type(self).__name__, kwargs)
        padding = kwargs.pop('padding', padding)
        data_format = kwargs.pop('data_format', data_format)
        super().__init__(**kwargs)
        owner = layer_prefix(self)
        self.pool_size = geometry.normalize_tuple(pool_size, self.rank, 'pool_size', owner)
        self.strides = geometry.normalize_tuple(self.pool_size if strides is None else strides, self.rank,
                                                'strides', owner)
        self.padding = geometry.normalize_padding(padding, owner)
        self.data_format = args.data_format(data_format, type(self).__name__)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        args.check_rank(self, input_shape, self.rank)
        sizes = [geometry.output_length(n, k, self.padding, s)
                 for n, k, s in zip(args.spatial_sizes(input_shape, self.data_format), self.pool_size,
                                    self.strides)]
        geometry.check_output_positive(layer_prefix(self), input_shape, sizes, 'pool_size=%s' % (self.pool_size,))
        channels = input_shape[args.channel_axis(self.data_format, len(input_shape))]
        return args.with_spatial(input_shape, sizes, channels, self.data_format)

    def call(self, inputs):
        return ops.pool(inputs, self.pool_size, self.strides, self.padding, self.data_format, self.mode,
                        owner=layer_prefix(self))

    def get_config(self):
        cfg = super().get_config()
        cfg.update({'pool_size': self.pool_size, 'strides': self.strides, 'padding': self.padding,
                    'data_format': self.data_format})
        return cfg


class MaxPooling1D(Pooling):
    """Maximum over windows of ``pool_size`` steps."""

    rank, mode = 1, 'max'


class MaxPooling2D(Pooling):
    """Maximum over ``pool_size`` windows of an image (default 2x2, stride 2)."""

    rank, mode = 2, 'max'


class MaxPooling3D(Pooling):
    """Maximum over ``pool_size`` windows of a volume."""

    rank, mode = 3, 'max'


class AveragePooling1D(Pooling):
    """Mean over windows of ``pool_size`` steps."""

    rank, mode = 1, 'avg'


class AveragePooling2D(Pooling):
    """Mean over ``pool_size`` windows of an image; 'same' padding is not counted."""

    rank, mode = 2, 'avg'


class AveragePooling3D(Pooling):
    """Mean over ``pool_size`` windows of a volume."""

    rank, mode = 3, 'avg'


class GlobalPooling(Layer):
    """Max or mean over all spatial axes; ``keepdims=True`` keeps them with size 1."""

    rank = None
    mode = None

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = args.data_format(data_format, type(self).__name__)
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _axes(self):
        first = 2 if self.data_format == 'channels_first' else 1
        return tuple(range(first, first + self.rank))

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        args.check_rank(self, input_shape, self.rank)
        axes = self._axes()
        if self.keepdims:
            return tuple(1 if i in axes else d for i, d in enumerate(input_shape))
        return tuple(d for i, d in enumerate(input_shape) if i not in axes)

    def call(self, inputs):
        reduce = K.max if self.mode == 'max' else K.mean
        return reduce(inputs, axis=self._axes(), keepdims=self.keepdims)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({'data_format': self.data_format, 'keepdims': self.keepdims})
        return cfg


class GlobalAveragePooling1D(GlobalPooling):
    """Mean over the steps; with a mask ``(batch, steps)``, over the unmasked steps only (as Keras)."""

    rank = 1
    mode = 'avg'

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        steps = self._axes()[0]
        weights = K.cast(mask, inputs.dtype)
        weights = K.expand_dims(weights, 1 if self.data_format == 'channels_first' else -1)
        total = K.sum(inputs * weights, axis=steps, keepdims=self.keepdims)
        return total / K.sum(weights, axis=steps, keepdims=self.keepdims)

    def compute_mask(self, inputs, mask=None):
        return None


class GlobalMaxPooling1D(GlobalPooling):
    """Maximum over the steps of each channel."""

    rank, mode = 1, 'max'


class GlobalMaxPooling2D(GlobalPooling):
    """Maximum over the rows and columns of each channel."""

    rank, mode = 2, 'max'


class GlobalMaxPooling3D(GlobalPooling):
    """Maximum over the three spatial axes of each channel."""

    rank, mode = 3, 'max'


class GlobalAveragePooling2D(GlobalPooling):
    """Mean over the rows and columns of each channel."""

    rank, mode = 2, 'avg'


class GlobalAveragePooling3D(GlobalPooling):
    """Mean over the three spatial axes of each channel."""

    rank, mode = 3, 'avg'
