"""BatchNormalization and LayerNormalization, on one fused kernel.

``normalize_moments(x, gamma, beta, axes, epsilon)`` normalises ``x`` over
``axes`` with the batch's own mean and variance and applies the affine part, in
one node: one pass for the statistics, one for the output, and a backward pass
that reuses the normalised values instead of differentiating a dozen small ops.
It also returns the mean and variance (not differentiated), which
BatchNormalization folds into its moving statistics.
"""
import numpy as np

from kcore import constraints, initializers, regularizers
from kcore.autodiff.primitives import unbroadcast
from kcore.autodiff.tensor import Tensor, apply
from kcore.runtime import ops as K
from kcore.runtime.device import ACTIVE
from kcore.errors import layer_prefix
from kcore.layers.base import Layer
from kcore.layers.channel_moments import channel_moments, fused_path_applies
from kcore.layers.input_spec import InputSpec
from kcore.serialization import serialize, weight_options


def normalize_moments(x, gamma, beta, axes, epsilon):
    """Kernel: ``((x - mean) / sqrt(var + epsilon)) * gamma + beta`` over ``axes``.

    ``gamma``/``beta`` are ``None`` or broadcastable to ``x``.  Returns
    ``(y, mean, var)`` with the statistics kept-dims; only ``y`` has a gradient.
    Statistics per channel of a channels-last array (BatchNormalization's usual
    case) take the fused path of ``channel_moments``.
    """
    if fused_path_applies(x, gamma, beta, axes):
        return channel_moments(x, gamma, beta, epsilon)
    xp = ACTIVE.xp
    count = 1
    for a in axes:
        count *= x.shape[a]
    mean = xp.mean(x, axis=axes, keepdims=True)
    xhat = x - mean
    var = xp.mean(xp.square(xhat), axis=axes, keepdims=True)
    inv = 1.0 / xp.sqrt(var + epsilon)
    xhat *= inv
    y = xhat * gamma if gamma is not None else xhat.copy()
    if beta is not None:
        y += beta
    # gamma constant along the normalised axes (BatchNormalization): the input gradient
    # reuses the gamma/beta reductions instead of taking two more means
    offset = x.ndim - (gamma.ndim if gamma is not None else 0)
    per_channel = gamma is None or all(a < offset or gamma.shape[a - offset] == 1 for a in axes)

    def vjp(g, needs):
        gy = g[0]
        if gy is None:
            return None, None, None
        gx = gg = gb = None
        sum_gy = gy.sum(axis=axes, keepdims=True) if (per_channel and needs[0]) or needs[2] else None
        sum_gy_xhat = (gy * xhat).sum(axis=axes, keepdims=True) if (per_channel and needs[0]) else None
        if beta is not None and needs[2]:
            gb = sum_gy.reshape(beta.shape) if beta.size == sum_gy.size else unbroadcast(gy, beta.shape)
        if gamma is not None and needs[1]:
            if sum_gy_xhat is not None and gamma.size == sum_gy_xhat.size:
                gg = sum_gy_xhat.reshape(gamma.shape)
            else:
                gg = unbroadcast(gy * xhat, gamma.shape)
        if needs[0]:
            if per_channel:
                k = inv * gamma if gamma is not None else inv
                gx = gy * k
                gx -= xhat * (k * sum_gy_xhat / count)
                gx -= k * sum_gy / count
            else:
                gxhat = gy * gamma
                gx = gxhat - xp.mean(gxhat, axis=axes, keepdims=True)
                gx -= xhat * xp.mean(gxhat * xhat, axis=axes, keepdims=True)
                gx *= inv
        return gx, gg, gb
    return (y, mean, var), vjp


#: kernels this module adds, registered by kcore's built-in plugin
KERNELS = {'normalize_moments': normalize_moments}
#: inputs for ``kcore.testing.check_override`` (statistics over the batch axis of 4 x 3)
EXAMPLES = {'normalize_moments': {'inputs': [(4, 3), (3,), (3,)], 'params': {'axes': (0,), 'epsilon': 1e-3}}}


def _axes(layer, axis, ndim):
    axes = [axis] if isinstance(axis, int) else list(axis)
    out = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError('%s: axis %r is out of range for inputs of rank %d. Received: axis=%r.'
                             % (layer_prefix(layer), a, ndim, axis))
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ValueError('%s: axis lists an axis twice. Received: axis=%r.' % (layer_prefix(layer), axis))
    return tuple(sorted(out))


class _Normalization(Layer):
    """Shared parts: the ``axis`` argument, gamma/beta, and their broadcast shape."""

    def __init__(self, axis, epsilon, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                 gamma_regularizer, beta_constraint, gamma_constraint, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis) if isinstance(axis, (int, np.integer)) else [int(a) for a in axis]
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True

    def _build_params(self, input_shape):
        """Create gamma/beta over ``self._param_axes``; returns the parameter shape."""
        ndim = len(input_shape)
        self._param_axes = _axes(self, self.axis, ndim)
        shape = tuple(input_shape[a] for a in self._param_axes)
        if any(d is None for d in shape):
            raise ValueError('%s: the normalised axis %r must have a known size. Received: input_shape=%s.'
                             % (layer_prefix(self), self.axis, tuple(input_shape)))
        bshape = [1] * ndim
        for a in self._param_axes:
            bshape[a] = input_shape[a]
        self.input_spec = InputSpec(ndim=ndim, axes={a: input_shape[a] for a in self._param_axes})
        # parameters broadcast as they are when they cover the trailing axes
        self._broadcast_shape = None if self._param_axes == tuple(range(ndim - len(shape), ndim)) else tuple(bshape)
        self.gamma = self.beta = None
        if self.scale:
            self.gamma = self.add_weight('gamma', shape, initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer, constraint=self.gamma_constraint)
        if self.center:
            self.beta = self.add_weight('beta', shape, initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer, constraint=self.beta_constraint)
        return shape

    def _broadcast(self, param):
        if param is None or self._broadcast_shape is None:
            return param
        return K.reshape(param, self._broadcast_shape)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        cfg = super().get_config()
        cfg.update({
            'axis': self.axis, 'epsilon': self.epsilon, 'center': self.center, 'scale': self.scale,
            **weight_options(self, 'beta', 'gamma'),
        })
        return cfg


# Keras 2 arguments that kcore accepts only at the values that change nothing
_KERAS2_BN_DEFAULTS = {'renorm': False, 'renorm_clipping': None, 'virtual_batch_size': None, 'adjustment': None}


class BatchNormalization(_Normalization):
    """Normalise each feature (``axis``, default the last) over the batch.

    In training (``fit``, or ``training=True``) the batch's own mean and variance
    are used and folded into ``moving_mean``/``moving_variance`` with
    ``momentum``; at inference the moving statistics are used.  A layer with
    ``trainable=False`` always runs in inference mode (Keras 2.1.3+/3 behaviour,
    what fine-tuning needs).  The moving variance is the biased batch variance
    (Keras 3; Keras 2 applied Bessel's correction).  With a mask, training
    statistics are taken over the unmasked steps only.
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer='zeros', gamma_initializer='ones', moving_mean_initializer='zeros',
                 moving_variance_initializer='ones', beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, **kwargs):
        for key, default in _KERAS2_BN_DEFAULTS.items():
            value = kwargs.pop(key, default)
            if value != default and not (default is False and value is None):
                raise ValueError('BatchNormalization: %s is not supported by kcore. Received: %s=%r. '
                                 'Remove the argument.' % (key, key, value))
        kwargs.pop('renorm_momentum', None)
        kwargs.pop('fused', None)          # an implementation choice; kcore always fuses
        kwargs.pop('synchronized', None)   # one device: nothing to synchronise
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                         gamma_regularizer, beta_constraint, gamma_constraint, **kwargs)
        if not 0 <= momentum <= 1:
            raise ValueError('%s: momentum must be in [0, 1]. Received: momentum=%r.' % (layer_prefix(self), momentum))
        self.momentum = float(momentum)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)

    def build(self, input_shape):
        shape = self._build_params(input_shape)
        self._reduce_axes = tuple(a for a in range(len(input_shape)) if a not in self._param_axes)
        self.moving_mean = self.add_weight('moving_mean', shape, initializer=self.moving_mean_initializer,
                                           trainable=False)
        self.moving_variance = self.add_weight('moving_variance', shape,
                                               initializer=self.moving_variance_initializer, trainable=False)
        self.built = True

    def call(self, inputs, training=None, mask=None):
        if training and self.trainable:
            if mask is not None:
                return self._train_masked(inputs, mask)
            y, mean, var = apply('batch_norm_train', inputs, self._broadcast(self.gamma),
                                 self._broadcast(self.beta), axes=self._reduce_axes, epsilon=self.epsilon)
            self._update_moving(mean.data, var.data)
            return y
        return self._inference(inputs)

    def _inference(self, inputs):
        # (x - mean) * gamma / sqrt(var + eps) + beta as one scale and one shift of x
        return apply('batch_norm_inference', inputs, self._broadcast(self.moving_mean),
                     self._broadcast(self.moving_variance), self._broadcast(self.gamma),
                     self._broadcast(self.beta), epsilon=self.epsilon)

    def _train_masked(self, inputs, mask):
        m = mask.data if isinstance(mask, Tensor) else ACTIVE.xp.asarray(mask)
        m = m.reshape(m.shape + (1,) * (inputs.ndim - m.ndim)).astype(inputs.dtype)
        weights = Tensor(ACTIVE.xp.broadcast_to(m, inputs.shape))
        count = K.maximum(K.sum(weights, axis=self._reduce_axes, keepdims=True), 1.0)
        mean = K.sum(inputs * weights, axis=self._reduce_axes, keepdims=True) / count
        var = K.sum(K.square(inputs - mean) * weights, axis=self._reduce_axes, keepdims=True) / count
        y = (inputs - mean) / K.sqrt(var + self.epsilon)
        if self.gamma is not None:
            y = y * self._broadcast(self.gamma)
        if self.beta is not None:
            y = y + self._broadcast(self.beta)
        self._update_moving(mean.data, var.data)
        return y

    def _update_moving(self, mean, var):
        """``moving = momentum * moving + (1 - momentum) * batch``, in place (arrays only)."""
        for variable, value in ((self.moving_mean, mean), (self.moving_variance, var)):
            data = variable.data
            data *= self.momentum
            data += value.reshape(data.shape).astype(data.dtype, copy=False) * (1.0 - self.momentum)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({
            'momentum': self.momentum,
            'moving_mean_initializer': serialize(self.moving_mean_initializer),
            'moving_variance_initializer': serialize(self.moving_variance_initializer),
        })
        return cfg


class LayerNormalization(_Normalization):
    """Normalise each sample over ``axis`` (default the last; a list for several),
    then scale by ``gamma`` and shift by ``beta`` (one per normalised position).
    ``rms_scaling=True`` divides by the root mean square instead, without
    centring (RMSNorm, Keras 3.1+)."""

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, rms_scaling=False,
                 beta_initializer='zeros', gamma_initializer='ones', beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                         gamma_regularizer, beta_constraint, gamma_constraint, **kwargs)
        self.rms_scaling = bool(rms_scaling)

    def build(self, input_shape):
        self._build_params(input_shape)
        self.built = True

    def call(self, inputs):
        axes = self._param_axes
        gamma, beta = self._broadcast(self.gamma), self._broadcast(self.beta)
        if self.rms_scaling:
            y = inputs / K.sqrt(K.mean(K.square(inputs), axis=axes, keepdims=True) + self.epsilon)
            return y * gamma if gamma is not None else y
        y, _, _ = apply('normalize_moments', inputs, gamma, beta, axes=axes, epsilon=self.epsilon)
        return y

    def get_config(self):
        cfg = super().get_config()
        cfg['rms_scaling'] = self.rms_scaling
        return cfg
