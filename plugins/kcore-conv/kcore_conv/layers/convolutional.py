"""Convolution layers: Conv1D/2D/3D, their transposes, DepthwiseConv1D/2D, SeparableConv1D/2D.

Arguments, defaults, weight names and shapes are Keras's.  One N-d base class
(``Conv``) holds the configuration; the rank-specific classes only fix the
rank.  Deliberate differences from Keras, all more permissive: strides > 1
together with dilation_rate > 1 are allowed (TensorFlow refuses them), and
``data_format=None`` means the configured ``image_data_format`` for 1D layers
too (Keras 3; Keras 2's 1D layers defaulted to 'channels_last').
"""
import numbers

from kcore import activations, constraints, initializers, regularizers
from kcore.autodiff import apply
from kcore.errors import ShapeError, layer_prefix
from kcore.layers.base import Layer
from kcore.layers.input_spec import InputSpec
from kcore.saving.serialization import weight_options
from kcore_conv import geometry, ops
from kcore_conv.layers import arguments as args


class Conv(Layer):
    """N-d convolution layer: ``activation(conv(inputs, kernel) + bias)``.

    The kernel is ``(*kernel_size, in_channels // groups, filters)``.  A ReLU
    activation is fused into the convolution kernel (one pass over the output
    fewer, in both directions); tanh, elu, softplus and softsign run with the
    bias as the ``bias_activation`` kernel, which a device backend fuses.
    """

    rank = None
    allow_causal = False

    def __init__(self, filters, kernel_size, strides=1, padding='valid', data_format=None, dilation_rate=1,
                 groups=1, activation=None, use_bias=True, kernel_initializer='glorot_uniform',
                 bias_initializer='zeros', kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        owner = layer_prefix(self)
        self._init_windows(kernel_size, strides, padding, data_format, dilation_rate)
        if filters is not None and (isinstance(filters, bool) or not isinstance(filters, numbers.Integral)
                                    or filters <= 0):
            raise ValueError('%s: filters must be a positive integer. Received: filters=%r.' % (owner, filters))
        self.filters = None if filters is None else int(filters)  # NumPy ints too, as Keras 2
        if isinstance(groups, bool) or not isinstance(groups, int) or groups <= 0:
            raise ValueError('%s: groups must be a positive integer. Received: groups=%r.' % (owner, groups))
        if filters is not None and filters % groups:
            raise ValueError('%s: filters must be divisible by groups. Received: filters=%d, groups=%d. '
                             'Choose filters as a multiple of groups.' % (owner, filters, groups))
        self.groups = groups
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def _init_windows(self, kernel_size, strides, padding, data_format, dilation_rate):
        owner = layer_prefix(self)
        rank = self.rank
        self.kernel_size = geometry.normalize_tuple(kernel_size, rank, 'kernel_size', owner)
        self.strides = geometry.normalize_tuple(strides, rank, 'strides', owner)
        self.dilation_rate = geometry.normalize_tuple(dilation_rate, rank, 'dilation_rate', owner)
        allowed = ('valid', 'same', 'causal') if self.allow_causal and rank == 1 else ('valid', 'same')
        self.padding = geometry.normalize_padding(padding, owner, allowed)
        self.data_format = args.data_format(data_format, type(self).__name__)
        self.input_spec = InputSpec(ndim=rank + 2)

    # -- shapes ------------------------------------------------------------------------
    def _channels(self, input_shape):
        args.check_rank(self, input_shape, self.rank)
        return args.known_channels(self, input_shape, self.data_format)

    def _output_sizes(self, input_shape):
        sizes = [geometry.output_length(n, k, self.padding, s, d) for n, k, s, d in zip(
            args.spatial_sizes(input_shape, self.data_format), self.kernel_size, self.strides,
            self.dilation_rate)]
        geometry.check_output_positive(layer_prefix(self), input_shape, sizes,
                                       'kernel_size=%s (dilation_rate=%s)' % (self.kernel_size,
                                                                              self.dilation_rate))
        return sizes

    def _output_channels(self, input_shape):
        return self.filters

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        args.check_rank(self, input_shape, self.rank)
        return args.with_spatial(input_shape, self._output_sizes(input_shape),
                                 self._output_channels(input_shape), self.data_format)

    # -- weights -------------------------------------------------------------------------
    def _lock_channels(self, channels):
        self.input_spec = InputSpec(ndim=self.rank + 2,
                                    axes={args.channel_axis(self.data_format, self.rank + 2): channels})

    def _add_bias(self, size):
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight('bias', (size,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)

    def build(self, input_shape):
        channels = self._channels(input_shape)
        if channels % self.groups:
            raise ShapeError('%s: the number of input channels must be divisible by groups. Expected a '
                             'multiple of groups=%d. Received: input_shape=%s (%d channels). Change groups '
                             'or the input.' % (layer_prefix(self), self.groups, tuple(input_shape), channels))
        self.compute_output_shape(input_shape)  # fails early on inputs too small for the kernel
        shape = self.kernel_size + (channels // self.groups, self.filters)
        self.kernel = self.add_weight('kernel', shape, initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self._add_bias(self.filters)
        self._lock_channels(channels)
        self.built = True

    # -- computing ---------------------------------------------------------------------------
    def _fused(self):
        """The activation the kernel applies itself ('relu'), or None."""
        return 'relu' if self.activation is activations.relu else None

    def _late_activation(self):
        """The activation for the ``bias_activation`` kernel after a bias-free convolution ('tanh',
        'elu', ...), so that a device backend adds the bias and applies it in one launch; None
        when ReLU is fused into the convolution itself, or the activation must stay separate."""
        if self.bias is None or self._fused() is not None:
            return None
        return activations.bias_fused_name(self.activation)

    def _finish(self, out, fused, late=None):
        if late is not None:
            axis = 1 if self.data_format == 'channels_first' else -1
            return apply('bias_activation', out, self.bias, activation=late, axis=axis)
        if fused is None and self.activation is not activations.linear:
            out = self.activation(out)
        return out

    def call(self, inputs):
        fused, late = self._fused(), self._late_activation()
        out = ops.convolve(inputs, self.kernel, None if late else self.bias, self.strides, self.padding,
                           self.data_format, self.dilation_rate, activation=fused, owner=layer_prefix(self))
        return self._finish(out, fused, late)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({
            'filters': self.filters,
            'kernel_size': self.kernel_size,
            'strides': self.strides,
            'padding': self.padding,
            'data_format': self.data_format,
            'dilation_rate': self.dilation_rate,
            'groups': self.groups,
            'activation': activations.serialize(self.activation),
            'use_bias': self.use_bias,
            **weight_options(self, 'kernel', 'bias'),
        })
        return cfg


class Conv1D(Conv):
    """1D convolution over ``(batch, steps, channels)``; ``padding='causal'`` pads only the past."""

    rank = 1
    allow_causal = True


class Conv2D(Conv):
    """2D convolution over ``(batch, rows, cols, channels)`` (or channels first).

    Keras 1 keywords (``nb_filter``, ``border_mode``, ``subsample``, ``init``,
    ``dim_ordering``) are accepted with a deprecation warning.
    """

    rank = 2

    def __init__(self, filters=None, kernel_size=None, strides=(1, 1), padding='valid', data_format=None,
                 dilation_rate=(1, 1), groups=1, activation=None, use_bias=True, **kwargs):
        args.legacy_kwargs('Conv2D', kwargs)
        filters = kwargs.pop('filters', filters)
        strides = kwargs.pop('strides', strides)
        padding = kwargs.pop('padding', padding)
        data_format = kwargs.pop('data_format', data_format)
        if filters is None or kernel_size is None:
            raise TypeError('Conv2D needs filters and kernel_size, e.g. Conv2D(32, 3) or '
                            'Conv2D(filters=32, kernel_size=(3, 3)). Received: filters=%r, kernel_size=%r.'
                            % (filters, kernel_size))
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate, groups,
                         activation, use_bias, **kwargs)


class Conv3D(Conv):
    """3D convolution over ``(batch, depth, rows, cols, channels)`` (or channels first)."""

    rank = 3


class ConvTranspose(Conv):
    """N-d transposed convolution (the gradient of a convolution with respect to its input).

    The kernel is ``(*kernel_size, filters, in_channels)``.  ``output_padding``
    (each value < its stride) picks among the output sizes that the forward
    convolution would map to the input size; ``None`` infers it as Keras does.
    """

    def __init__(self, filters, kernel_size, strides=1, padding='valid', output_padding=None, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate, 1, activation,
                         use_bias, **kwargs)
        owner = layer_prefix(self)
        if output_padding is not None:
            output_padding = geometry.normalize_tuple(output_padding, self.rank, 'output_padding', owner, 0)
            for p, s in zip(output_padding, self.strides):
                if p >= s:
                    raise ValueError('%s: each output_padding must be smaller than its stride. Received: '
                                     'output_padding=%s, strides=%s.' % (owner, output_padding, self.strides))
        self.output_padding = output_padding

    def _output_sizes(self, input_shape):
        return ops.transpose_output_sizes(layer_prefix(self), args.spatial_sizes(input_shape, self.data_format),
                                          self.kernel_size, self.padding, self.output_padding, self.strides,
                                          self.dilation_rate)

    def build(self, input_shape):
        channels = self._channels(input_shape)
        self.compute_output_shape(input_shape)
        shape = self.kernel_size + (self.filters, channels)
        self.kernel = self.add_weight('kernel', shape, initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self._add_bias(self.filters)
        self._lock_channels(channels)
        self.built = True

    def call(self, inputs):
        late = self._late_activation()
        out = ops.convolve_transpose(inputs, self.kernel, None if late else self.bias,
                                     self._output_sizes(tuple(inputs.shape)), self.strides, self.padding,
                                     self.data_format, self.dilation_rate, owner=layer_prefix(self))
        return self._finish(out, None, late)

    def get_config(self):
        cfg = super().get_config()
        del cfg['groups']
        cfg['output_padding'] = self.output_padding
        return cfg


class Conv1DTranspose(ConvTranspose):
    """1D transposed convolution (a learned upsampling) over ``(batch, steps, channels)`` (or channels first).

    Arguments and defaults are Keras 2.3's; see the base class for the weights' layout.
    """
    rank = 1


class Conv2DTranspose(ConvTranspose):
    """2D transposed convolution (a learned upsampling, "deconvolution") over ``(batch, rows, cols, channels)`` (or channels first).

    Arguments and defaults are Keras 2.3's; see the base class for the weights' layout.
    """
    rank = 2


class Conv3DTranspose(ConvTranspose):
    """3D transposed convolution (a learned upsampling) over ``(batch, d1, d2, d3, channels)`` (or channels first).

    Arguments and defaults are Keras 2.3's; see the base class for the weights' layout.
    """
    rank = 3


class DepthwiseConv(Conv):
    """N-d depthwise convolution: each input channel gets ``depth_multiplier`` filters of its own.

    The kernel (``depthwise_kernel``) is ``(*kernel_size, in_channels,
    depth_multiplier)``; output channel ``c * depth_multiplier + m`` comes from
    input channel ``c``.
    """

    allow_causal = True

    def __init__(self, kernel_size, strides=1, padding='valid', depth_multiplier=1, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, depthwise_initializer='glorot_uniform',
                 bias_initializer='zeros', depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, **kwargs):
        _single_group(type(self).__name__, kwargs)
        super().__init__(None, kernel_size, strides, padding, data_format, dilation_rate, 1, activation,
                         use_bias, bias_initializer=bias_initializer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, bias_constraint=bias_constraint, **kwargs)
        if isinstance(depth_multiplier, bool) or not isinstance(depth_multiplier, int) or depth_multiplier <= 0:
            raise ValueError('%s: depth_multiplier must be a positive integer. Received: depth_multiplier=%r.'
                             % (layer_prefix(self), depth_multiplier))
        self.depth_multiplier = depth_multiplier
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)

    def _output_channels(self, input_shape):
        channels = input_shape[args.channel_axis(self.data_format, len(input_shape))]
        return None if channels is None else channels * self.depth_multiplier

    def build(self, input_shape):
        channels = self._channels(input_shape)
        self.compute_output_shape(input_shape)
        self.depthwise_kernel = self.add_weight(
            'depthwise_kernel', self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint)
        self._add_bias(channels * self.depth_multiplier)
        self._lock_channels(channels)
        self.built = True

    def call(self, inputs):
        fused, late = self._fused(), self._late_activation()
        out = ops.depthwise_convolve(inputs, self.depthwise_kernel, None if late else self.bias, self.strides,
                                     self.padding, self.data_format, self.dilation_rate, activation=fused,
                                     owner=layer_prefix(self))
        return self._finish(out, fused, late)

    def get_config(self):
        cfg = super().get_config()
        for key in ('filters', 'groups', 'kernel_initializer', 'kernel_regularizer', 'kernel_constraint'):
            del cfg[key]
        cfg.update({
            'depth_multiplier': self.depth_multiplier,
            **weight_options(self, 'depthwise'),
        })
        return cfg


class DepthwiseConv1D(DepthwiseConv):
    """1D depthwise convolution: each channel filtered on its own over ``(batch, steps, channels)`` (or channels first).

    Arguments and defaults are Keras 2.3's; see the base class for the weights' layout.
    """
    rank = 1


class DepthwiseConv2D(DepthwiseConv):
    """2D depthwise convolution: each channel filtered on its own over ``(batch, rows, cols, channels)`` (or channels first).

    Arguments and defaults are Keras 2.3's; see the base class for the weights' layout.
    """
    rank = 2


class SeparableConv(Conv):
    """N-d separable convolution: a depthwise convolution, then a pointwise (1x1) one.

    Weights: ``depthwise_kernel`` ``(*kernel_size, in_channels, depth_multiplier)``,
    ``pointwise_kernel`` ``(1, ..., 1, in_channels * depth_multiplier, filters)``, ``bias``.
    """

    allow_causal = True

    def __init__(self, filters, kernel_size, strides=1, padding='valid', data_format=None, dilation_rate=1,
                 depth_multiplier=1, activation=None, use_bias=True, depthwise_initializer='glorot_uniform',
                 pointwise_initializer='glorot_uniform', bias_initializer='zeros', depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None, **kwargs):
        _single_group(type(self).__name__, kwargs)
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate, 1, activation,
                         use_bias, bias_initializer=bias_initializer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, bias_constraint=bias_constraint, **kwargs)
        if isinstance(depth_multiplier, bool) or not isinstance(depth_multiplier, int) or depth_multiplier <= 0:
            raise ValueError('%s: depth_multiplier must be a positive integer. Received: depth_multiplier=%r.'
                             % (layer_prefix(self), depth_multiplier))
        self.depth_multiplier = depth_multiplier
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)

    def build(self, input_shape):
        channels = self._channels(input_shape)
        self.compute_output_shape(input_shape)
        self.depthwise_kernel = self.add_weight(
            'depthwise_kernel', self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint)
        self.pointwise_kernel = self.add_weight(
            'pointwise_kernel', (1,) * self.rank + (channels * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint)
        self._add_bias(self.filters)
        self._lock_channels(channels)
        self.built = True

    def call(self, inputs):
        fused, late = self._fused(), self._late_activation()
        out = ops.separable_convolve(inputs, self.depthwise_kernel, self.pointwise_kernel,
                                     None if late else self.bias, self.strides, self.padding, self.data_format,
                                     self.dilation_rate, activation=fused, owner=layer_prefix(self))
        return self._finish(out, fused, late)

    def get_config(self):
        cfg = super().get_config()
        for key in ('groups', 'kernel_initializer', 'kernel_regularizer', 'kernel_constraint'):
            del cfg[key]
        cfg.update({
            'depth_multiplier': self.depth_multiplier,
            **weight_options(self, 'depthwise', 'pointwise'),
        })
        return cfg


class SeparableConv1D(SeparableConv):
    """1D separable convolution (depthwise, then pointwise) over ``(batch, steps, channels)`` (or channels first).

    Arguments and defaults are Keras 2.3's; see the base class for the weights' layout.
    """
    rank = 1


class SeparableConv2D(SeparableConv):
    """2D separable convolution (depthwise, then pointwise) over ``(batch, rows, cols, channels)`` (or channels first).

    Arguments and defaults are Keras 2.3's; see the base class for the weights' layout.
    """
    rank = 2


def _single_group(class_name, kwargs):
    """tf.keras writes ``groups=1`` into the configs of its depthwise and separable
    convolutions (inherited from Conv); accept that, refuse any other value."""
    groups = kwargs.pop('groups', 1)
    if groups != 1:
        raise ValueError('%s: groups must be 1 (each input channel is its own group already). Received: '
                         'groups=%r.' % (class_name, groups))
