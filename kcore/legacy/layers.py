"""Keras 2's ``keras.legacy.layers``: Highway, MaxoutDense, the Atrous convolutions and the
abstract ``Recurrent``/``ConvRecurrent2D`` (``kcore.legacy.recurrent``).

They keep Keras 1's argument names (``init``, ``W_regularizer``, ``bias``, ...)
and weight names and order, so old configs and weights load.
"""
from kcore import _legacy_paths, activations, constraints, initializers, regularizers
from kcore.runtime import ops as K
from kcore.errors import ShapeError, layer_prefix
from kcore.layers.base import Layer
from kcore.layers.input_spec import InputSpec
from kcore.legacy.recurrent import ConvRecurrent2D, Recurrent  # noqa: F401  (Keras 2's keras.legacy.layers)
from kcore.serialization import serialize


class _Legacy(Layer):
    """Keras 1's dense-style arguments (init, W_/b_ regularizers and constraints, bias)."""

    def __init__(self, init='glorot_uniform', weights=None, W_regularizer=None, b_regularizer=None,
                 activity_regularizer=None, W_constraint=None, b_constraint=None, bias=True, input_dim=None,
                 **kwargs):
        if input_dim is not None and 'input_shape' not in kwargs:
            kwargs['input_shape'] = (input_dim,)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.init = initializers.get(init)
        self.W_regularizer = regularizers.get(W_regularizer)
        self.b_regularizer = regularizers.get(b_regularizer)
        self.W_constraint = constraints.get(W_constraint)
        self.b_constraint = constraints.get(b_constraint)
        self.bias = bool(bias)
        self.input_dim = input_dim
        self.initial_weights = weights
        self.input_spec = InputSpec(ndim=2)

    def _input_dim(self, input_shape):
        dim = input_shape[-1]
        if len(input_shape) != 2 or dim is None:
            raise ShapeError('%s: expected a 2-D input (batch, features) with a known number of features. '
                             'Received: input_shape=%s.' % (layer_prefix(self), tuple(input_shape)))
        return dim

    def _W(self, name, shape):
        return self.add_weight(name, shape, initializer=self.init, regularizer=self.W_regularizer,
                               constraint=self.W_constraint)

    def _b(self, name, shape, initializer='zeros'):
        return self.add_weight(name, shape, initializer=initializer, regularizer=self.b_regularizer,
                               constraint=self.b_constraint)

    def _finish_build(self, input_dim):
        self.input_spec = InputSpec(ndim=2, axes={-1: input_dim})
        self.built = True
        if self.initial_weights is not None:
            self.set_weights(self.initial_weights)
            self.initial_weights = None

    def get_config(self):
        cfg = super().get_config()
        cfg.update({'init': serialize(self.init), 'W_regularizer': serialize(self.W_regularizer),
                    'b_regularizer': serialize(self.b_regularizer), 'W_constraint': serialize(self.W_constraint),
                    'b_constraint': serialize(self.b_constraint), 'bias': self.bias, 'input_dim': self.input_dim})
        return cfg


class Highway(_Legacy):
    """``y = T * activation(x W + b) + (1 - T) * x`` with the gate
    ``T = sigmoid(x W_carry + b_carry)`` (b_carry starts at 1, as in Keras)."""

    def __init__(self, init='glorot_uniform', activation=None, **kwargs):
        super().__init__(init=init, **kwargs)
        self.activation = activations.get(activation)

    def build(self, input_shape):
        dim = self._input_dim(input_shape)
        self.W = self._W('W', (dim, dim))
        self.W_carry = self._W('W_carry', (dim, dim))
        if self.bias:
            self.b = self._b('b', (dim,))
            self.b_carry = self._b('b_carry', (dim,), initializer='ones')
        self._finish_build(dim)

    def call(self, inputs):
        carry = K.dot(inputs, self.W_carry)
        transformed = K.dot(inputs, self.W)
        if self.bias:
            carry = carry + self.b_carry
            transformed = transformed + self.b
        gate = K.sigmoid(carry)
        return self.activation(transformed) * gate + (1.0 - gate) * inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        cfg = super().get_config()
        cfg['activation'] = activations.serialize(self.activation)
        return cfg


class MaxoutDense(_Legacy):
    """The maximum of ``nb_feature`` dense projections to ``output_dim`` units."""

    def __init__(self, output_dim, nb_feature=4, init='glorot_uniform', **kwargs):
        super().__init__(init=init, **kwargs)
        if isinstance(output_dim, bool) or not isinstance(output_dim, int) or output_dim <= 0:
            raise ValueError('%s: output_dim must be a positive integer. Received: output_dim=%r.'
                             % (layer_prefix(self), output_dim))
        if isinstance(nb_feature, bool) or not isinstance(nb_feature, int) or nb_feature <= 0:
            raise ValueError('%s: nb_feature must be a positive integer. Received: nb_feature=%r.'
                             % (layer_prefix(self), nb_feature))
        self.output_dim = output_dim
        self.nb_feature = nb_feature

    def build(self, input_shape):
        dim = self._input_dim(input_shape)
        self.W = self._W('W', (self.nb_feature, dim, self.output_dim))
        if self.bias:
            self.b = self._b('b', (self.nb_feature, self.output_dim))
        self._finish_build(dim)

    def call(self, inputs):
        out = K.matmul(K.expand_dims(K.expand_dims(inputs, 1), 1), self.W)  # (batch, nb_feature, 1, output_dim)
        out = K.squeeze(out, 2)
        if self.bias:
            out = out + self.b
        return K.max(out, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.output_dim)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({'output_dim': self.output_dim, 'nb_feature': self.nb_feature})
        return cfg


def _atrous(layer_name, args, kwargs):
    from kcore import plugins
    kwargs = dict(kwargs)
    if 'atrous_rate' in kwargs:
        kwargs['dilation_rate'] = kwargs.pop('atrous_rate')
    return plugins.get('layers', layer_name)(*args, **kwargs)


def AtrousConvolution1D(*args, **kwargs):
    """Keras 1's dilated 1-D convolution: ``Conv1D`` with ``atrous_rate`` read as ``dilation_rate``."""
    return _atrous('Conv1D', args, kwargs)


def AtrousConvolution2D(*args, **kwargs):
    """Keras 1's dilated 2-D convolution: ``Conv2D`` with ``atrous_rate`` read as ``dilation_rate``."""
    return _atrous('Conv2D', args, kwargs)


AtrousConv1D = AtrousConvolution1D
AtrousConv2D = AtrousConvolution2D

__getattr__ = _legacy_paths.module_getattr(__name__, ('K', 'conv_utils', 'to_list', 'regularizers', 'constraints',
                                                      'activations', 'initializers', 'InputSpec'))

__all__ = ['Highway', 'MaxoutDense', 'AtrousConvolution1D', 'AtrousConvolution2D', 'AtrousConv1D',
           'AtrousConv2D', 'Recurrent', 'ConvRecurrent2D']
