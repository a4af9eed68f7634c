"""Core layers: Dense, Activation, Dropout, Flatten, ActivityRegularization.

Also the legacy module path of Keras 1/2 tutorials: ``from kcore.layers.core
import Dense, Activation, Reshape, Lambda`` gives the same classes as
``kcore.layers`` (other names are looked up there, see ``__getattr__``).
"""
import numpy as np

from kcore import activations, config, constraints, initializers, regularizers
from kcore._deprecated import rename_kwargs
from kcore.autodiff.tensor import apply
from kcore.runtime import ops as K
from kcore.runtime import rng as _rng
from kcore.runtime.state import dropout
from kcore.errors import ShapeError, layer_prefix
from kcore.layers.base import Layer
from kcore.layers.input_spec import InputSpec
from kcore.serialization import weight_options


def _is_count(value):
    """A positive whole number that an array axis can have (1e308, NaN and '3' are not)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        return False
    return 0 < value < 2 ** 62 and int(value) == value  # NaN fails the comparison, inf the bound


class Dense(Layer):
    """``activation(inputs @ kernel + bias)`` on the last axis.

    Inputs of rank > 2 are transformed on their last axis (Keras 2+ behaviour).
    The legacy ``output_dim=`` (Keras 1) is accepted with a deprecation warning.

    Args:
        units: The size of the output's last axis.
        activation: An activation name or function; None for none (linear).
        use_bias: Whether to add a bias vector.
        kernel_initializer: The initializer of the ``(input_dim, units)`` kernel.
        bias_initializer: The initializer of the bias.
        kernel_regularizer: A regularizer of the kernel, or None.
        bias_regularizer: A regularizer of the bias, or None.
        activity_regularizer: A regularizer of the output, or None.
        kernel_constraint: A constraint applied to the kernel after each update, or None.
        bias_constraint: A constraint applied to the bias after each update, or None.
        **kwargs: ``Layer`` arguments (``name``, ``input_shape``, ``input_dim``, ``dtype``,
            ``trainable``, ...) and Keras 1 names.
    """

    def __init__(self, units=None, activation=None, use_bias=True, kernel_initializer='glorot_uniform',
                 bias_initializer='zeros', kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        rename_kwargs('Dense', kwargs)
        if 'units' in kwargs:
            units = kwargs.pop('units')
        kernel_initializer = kwargs.pop('kernel_initializer', kernel_initializer)
        kernel_regularizer = kwargs.pop('kernel_regularizer', kernel_regularizer)
        bias_regularizer = kwargs.pop('bias_regularizer', bias_regularizer)
        kernel_constraint = kwargs.pop('kernel_constraint', kernel_constraint)
        bias_constraint = kwargs.pop('bias_constraint', bias_constraint)
        use_bias = kwargs.pop('use_bias', use_bias)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if not _is_count(units):
            raise ValueError('%s: units must be a positive integer. Received: units=%r.'
                             % (layer_prefix(self), units))
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.supports_masking = True
        self.input_spec = InputSpec(min_ndim=2)

    def build(self, input_shape):
        last = input_shape[-1]
        if last is None:
            raise ShapeError('%s: the last dimension of the input must be known to create the kernel. '
                             'Received: input_shape=%s.' % (layer_prefix(self), tuple(input_shape)))
        self.kernel = self.add_weight('kernel', (last, self.units), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight('bias', (self.units,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.input_spec = InputSpec(min_ndim=2, axes={-1: last})
        self.built = True

    def call(self, inputs):
        fused = activations.bias_fused_name(self.activation)
        if fused is not None:  # product, bias and activation in one kernel (a backend fuses the epilogue)
            return apply('dense', inputs, self.kernel, self.bias, activation=fused)
        if self.bias is not None:
            out = apply('dense', inputs, self.kernel, self.bias)
        else:
            out = apply('matmul', inputs, self.kernel)
        if self.activation is not activations.linear:
            out = self.activation(out)
        return out

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({
            'units': self.units,
            'activation': activations.serialize(self.activation),
            'use_bias': self.use_bias,
            **weight_options(self, 'kernel', 'bias'),
        })
        return cfg


class Activation(Layer):
    """Applies an activation function: ``Activation('relu')``."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.supports_masking = True

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        cfg = super().get_config()
        cfg['activation'] = activations.serialize(self.activation)
        return cfg


class RandomLayer(Layer):
    """Base of layers that draw noise in training (Dropout, GaussianNoise, ...):
    from kcore's global generator, or from their own one when given a ``seed``
    (then a fresh layer with the same seed draws the same sequence)."""

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self._rng = None
        self.supports_masking = True

    def _generator(self):
        if self.seed is None:
            return _rng.global_generator()
        if self._rng is None:
            self._rng = _rng.generator(self.seed)
        return self._rng

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        cfg = super().get_config()
        cfg['seed'] = self.seed
        return cfg


def check_rate(layer, rate):
    """``rate`` as a float in [0, 1], or a clear error naming the layer."""
    if rate is None or isinstance(rate, bool) or not 0 <= rate <= 1:
        raise ValueError('%s: rate must be a number in [0, 1]. Received: rate=%r.' % (layer_prefix(layer), rate))
    return float(rate)


class Dropout(RandomLayer):
    """Zero a fraction ``rate`` of the inputs in training, scaling the rest by
    ``1 / (1 - rate)``; the identity at inference.  ``noise_shape`` shares one
    draw along axes of size 1 (e.g. ``(batch, 1, features)``).

    Args:
        rate: The fraction of inputs to drop, in [0, 1).
        noise_shape: The shape of the drop mask, broadcast over the inputs; None for the
            inputs' shape.
        seed: An int for a repeatable mask sequence, or None.
        **kwargs: ``Layer`` arguments, and Keras 1's ``p`` for ``rate``.
    """

    def __init__(self, rate=None, noise_shape=None, seed=None, **kwargs):
        rename_kwargs('Dropout', kwargs)
        rate = kwargs.pop('rate', rate)
        super().__init__(seed=seed, **kwargs)
        self.rate = check_rate(self, rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        return dropout(inputs, self.rate, self.noise_shape, generator=self._generator())

    def get_config(self):
        cfg = super().get_config()
        cfg.update({'rate': self.rate, 'noise_shape': self.noise_shape})
        return cfg


class Flatten(Layer):
    """``(batch, ...)`` to ``(batch, features)``.  With ``channels_first`` data the
    channels axis is moved last first, so weights match a channels_last model."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = config.normalize_data_format(data_format)
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs):
        if self.data_format == 'channels_first' and inputs.ndim > 2:
            inputs = K.permute_dimensions(inputs, (0,) + tuple(range(2, inputs.ndim)) + (1,))
        return K.reshape(inputs, (inputs.shape[0], -1))

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        size = None if any(d is None for d in rest) else int(np.prod(rest)) if rest else 1
        return (input_shape[0], size)

    def get_config(self):
        cfg = super().get_config()
        cfg['data_format'] = self.data_format
        return cfg


class ActivityRegularization(Layer):
    """The identity, adding ``l1 * sum(|x|) + l2 * sum(x**2)`` of its output (per
    sample) to the model's loss."""

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        kwargs.pop('activity_regularizer', None)  # set from l1/l2, as in Keras
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1 = float(l1)
        self.l2 = float(l2)
        self.supports_masking = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        cfg = super().get_config()
        cfg.pop('activity_regularizer', None)
        cfg.update({'l1': self.l1, 'l2': self.l2})
        return cfg


def __getattr__(name):
    """Keras 2's ``keras.layers.core`` also held Reshape, Permute, Lambda, Masking, ... and
    re-exported a few helpers: resolve those names through ``kcore.layers``."""
    if name.startswith('__'):
        raise AttributeError(name)
    from kcore import _legacy_paths
    if name in ('has_arg', 'deserialize_keras_object'):
        return _legacy_paths.resolve(_legacy_paths.COMMON[name], name)
    import kcore.layers
    return getattr(kcore.layers, name)
