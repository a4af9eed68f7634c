"""Activations as layers: ReLU, LeakyReLU, PReLU, ELU, ThresholdedReLU, Softmax.

Each is element-wise (Softmax works along ``axis``), keeps the input shape and
passes masks through.
"""
import numpy as np

from kcore import constraints, initializers, regularizers
from kcore.autodiff.tensor import Tensor, apply
from kcore.runtime import ops as K
from kcore.runtime.device import ACTIVE
from kcore.errors import layer_prefix
from kcore.layers.base import Layer
from kcore.serialization import weight_options


class _ElementWise(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_output_shape(self, input_shape):
        return input_shape


def _check_non_negative(layer, **values):
    for name, value in values.items():
        if value is not None and value < 0:
            raise ValueError('%s: %s must be >= 0. Received: %s=%r.' % (layer_prefix(layer), name, name, value))


class ReLU(_ElementWise):
    """``max_value``-capped rectifier with slope ``negative_slope`` below ``threshold``
    (Keras's ``ReLU``; the defaults give ``max(x, 0)``)."""

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        _check_non_negative(self, max_value=max_value, negative_slope=negative_slope)
        self.max_value = None if max_value is None else float(max_value)
        self.negative_slope = float(negative_slope)
        self.threshold = float(threshold)

    def call(self, inputs):
        return K.relu(inputs, alpha=self.negative_slope, max_value=self.max_value, threshold=self.threshold)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({'max_value': self.max_value, 'negative_slope': self.negative_slope,
                    'threshold': self.threshold})
        return cfg


class LeakyReLU(_ElementWise):
    """``x`` above zero, ``negative_slope * x`` below.  Keras 2 called the slope
    ``alpha``; both spellings are accepted, the config uses Keras 3's."""

    def __init__(self, negative_slope=0.3, **kwargs):
        if 'alpha' in kwargs:
            negative_slope = kwargs.pop('alpha')
        super().__init__(**kwargs)
        _check_non_negative(self, negative_slope=negative_slope)
        self.negative_slope = float(negative_slope)

    def call(self, inputs):
        return apply('leaky_relu', inputs, alpha=self.negative_slope)

    def get_config(self):
        cfg = super().get_config()
        cfg['negative_slope'] = self.negative_slope
        return cfg


class PReLU(_ElementWise):
    """Leaky ReLU with a learned slope per input position (``alpha``, one weight per
    feature); ``shared_axes`` share one slope along those axes (e.g. ``[1, 2]``
    for one slope per channel of an image)."""

    def __init__(self, alpha_initializer='zeros', alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        else:
            shared = [shared_axes] if isinstance(shared_axes, int) else list(shared_axes)
            self.shared_axes = [int(a) for a in shared]

    def build(self, input_shape):
        shape = list(input_shape[1:])
        for axis in self.shared_axes or ():
            if not 1 <= axis <= len(shape):
                raise ValueError('%s: shared_axes must name non-batch axes 1..%d. Received: shared_axes=%r, '
                                 'input_shape=%s.' % (layer_prefix(self), len(shape), self.shared_axes,
                                                      tuple(input_shape)))
            shape[axis - 1] = 1
        if any(d is None for d in shape):
            raise ValueError('%s: every non-shared axis needs a known size to create alpha. Received: '
                             'input_shape=%s. Pass shared_axes=... for the axes of unknown size.'
                             % (layer_prefix(self), tuple(input_shape)))
        self.alpha = self.add_weight('alpha', tuple(shape), initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer, constraint=self.alpha_constraint)
        self.built = True

    def call(self, inputs):
        negative = inputs.data < 0
        return apply('where', negative, inputs * self.alpha, inputs)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({**weight_options(self, 'alpha'),
                    'shared_axes': self.shared_axes})
        return cfg


class ELU(_ElementWise):
    """``x`` above zero, ``alpha * (exp(x) - 1)`` below."""

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = float(alpha)

    def call(self, inputs):
        return apply('elu', inputs, alpha=self.alpha)

    def get_config(self):
        cfg = super().get_config()
        cfg['alpha'] = self.alpha
        return cfg


class ThresholdedReLU(_ElementWise):
    """``x`` where ``x > theta``, else 0 (Keras 2; Keras 3 folds it into ReLU)."""

    def __init__(self, theta=1.0, **kwargs):
        super().__init__(**kwargs)
        if theta is None or theta < 0:
            raise ValueError('%s: theta must be >= 0. Received: theta=%r.' % (layer_prefix(self), theta))
        self.theta = float(theta)

    def call(self, inputs):
        return apply('multiply', inputs, (inputs.data > self.theta).astype(inputs.dtype))

    def get_config(self):
        cfg = super().get_config()
        cfg['theta'] = self.theta
        return cfg


class Softmax(_ElementWise):
    """Softmax along ``axis``.  With a mask (``layer(x, mask=m)`` or one carried by
    ``x``), masked entries get a large negative logit first, so they receive
    ~0 probability (Keras 3); a mask of lower rank covers the leading axes."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis if isinstance(axis, int) else list(axis)

    def call(self, inputs, mask=None):
        if mask is not None:
            m = mask.data if isinstance(mask, Tensor) else ACTIVE.xp.asarray(mask)
            m = m.reshape(m.shape + (1,) * (inputs.ndim - m.ndim))
            big = np.finfo(np.dtype(inputs.dtype)).max / 10 if inputs.dtype.itemsize < 4 else 1e9
            inputs = inputs + (1.0 - m.astype(inputs.dtype)) * (-big)
        if isinstance(self.axis, int):
            return apply('softmax', inputs, axis=self.axis)
        return K.exp(inputs - K.logsumexp(inputs, axis=tuple(self.axis), keepdims=True))

    def get_config(self):
        cfg = super().get_config()
        cfg['axis'] = self.axis
        return cfg
