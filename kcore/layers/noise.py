"""Regularising noise, active only in training: GaussianNoise, GaussianDropout, AlphaDropout.

At inference (``training`` false or unset) each is the identity.  The noise is
drawn as a plain array, so gradients flow to the input only.
"""
import math

import numpy as np

from kcore.autodiff.tensor import apply
from kcore.errors import layer_prefix
from kcore.layers.core import RandomLayer, check_rate

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


class GaussianNoise(RandomLayer):
    """Add zero-mean Gaussian noise of standard deviation ``stddev`` in training."""

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if stddev is None or stddev < 0:
            raise ValueError('%s: stddev must be >= 0. Received: stddev=%r.' % (layer_prefix(self), stddev))
        self.stddev = float(stddev)

    def call(self, inputs, training=None):
        if not training or self.stddev == 0:
            return inputs
        noise = self._generator().standard_normal(tuple(inputs.shape), dtype=np.float32)
        return apply('add', inputs, (noise * self.stddev).astype(inputs.dtype, copy=False))

    def get_config(self):
        cfg = super().get_config()
        cfg['stddev'] = self.stddev
        return cfg


class GaussianDropout(RandomLayer):
    """Multiply by Gaussian noise of mean 1 and variance ``rate / (1 - rate)`` in training."""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = check_rate(self, rate)

    def call(self, inputs, training=None):
        if not training or not 0 < self.rate < 1:
            return inputs
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        noise = self._generator().standard_normal(tuple(inputs.shape), dtype=np.float32) * stddev + 1.0
        return apply('multiply', inputs, noise.astype(inputs.dtype, copy=False))

    def get_config(self):
        cfg = super().get_config()
        cfg['rate'] = self.rate
        return cfg


class AlphaDropout(RandomLayer):
    """Dropout for SELU networks: dropped units are set to SELU's negative
    saturation value, then an affine correction keeps the mean and variance of
    the inputs (Klambauer et al. 2017), so self-normalisation survives."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = check_rate(self, rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)

    def call(self, inputs, training=None):
        if not training or not 0 < self.rate < 1:
            return inputs
        shape = tuple(inputs.shape)
        if self.noise_shape is not None:
            shape = tuple(s if n is None else n for s, n in zip(shape, self.noise_shape))
        keep = (self._generator().random(shape, dtype=np.float32) >= self.rate).astype(inputs.dtype)
        alpha_p = -_SELU_ALPHA * _SELU_SCALE
        a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * self.rate
        # a * (x * keep + alpha_p * (1 - keep)) + b, with the constant part precomputed
        return apply('add', apply('multiply', inputs, keep * a), (1 - keep) * (a * alpha_p) + b)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({'rate': self.rate, 'noise_shape': None if self.noise_shape is None else list(self.noise_shape)})
        return cfg


# names Keras 2's module imported (``from keras.layers.noise import K``)
from kcore import _legacy_paths  # noqa: E402
__getattr__ = _legacy_paths.module_getattr(__name__, ("K", "Layer"))
