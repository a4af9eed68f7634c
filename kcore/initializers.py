"""Weight initializers (Keras's set, names and defaults).

An initializer is called as ``init(shape, dtype)`` and returns an array of the
active backend.  Random ones draw from kcore's global generator unless given a
``seed`` (then every call gives the same values, as in Keras 3).
"""
import math

import numpy as np

from kcore import config
from kcore.runtime import rng as _rng
from kcore.runtime.device import ACTIVE
from kcore import _legacy_paths
from kcore.recorded_config import RecordsArguments
from kcore.serialization import deserialize as _deserialize
from kcore.serialization import resolve
from kcore.serialization import serialize as _s


class Initializer(RecordsArguments):
    """Base class: implement ``__call__(shape, dtype=None)`` and ``get_config``."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError

    def get_config(self):
        """A subclass that keeps this ``get_config`` gets its constructor arguments recorded."""
        return self._config_from_arguments(Initializer, 'initializer')

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _dtype(dtype):
    return np.dtype(dtype or config.floatx())


class Zeros(Initializer):
    """Initializer of all zeros (``'zeros'``)."""
    def __call__(self, shape, dtype=None):
        return ACTIVE.xp.zeros(shape, dtype=_dtype(dtype))


class Ones(Initializer):
    """Initializer of all ones (``'ones'``)."""
    def __call__(self, shape, dtype=None):
        return ACTIVE.xp.ones(shape, dtype=_dtype(dtype))


class Constant(Initializer):
    """Initializer filling every entry with ``value``.

    Args:
        value: The constant.
    """
    def __init__(self, value=0):
        self.value = value

    def __call__(self, shape, dtype=None):
        return ACTIVE.xp.full(shape, self.value, dtype=_dtype(dtype))

    def get_config(self):
        v = self.value
        return {'value': v.tolist() if hasattr(v, 'tolist') else v}


class _Random(Initializer):
    def __init__(self, seed=None):
        self.seed = seed

    def _gen(self):
        return _rng.generator(self.seed)

    def get_config(self):
        return {'seed': self.seed}


def _normal(gen, shape, mean, stddev, dtype):
    return (gen.standard_normal(shape, dtype=np.float32) * stddev + mean).astype(dtype, copy=False)


def _uniform(gen, shape, low, high, dtype):
    return (gen.random(shape, dtype=np.float32) * (high - low) + low).astype(dtype, copy=False)


class RandomNormal(_Random):
    """Initializer drawing from a normal distribution.

    Args:
        mean: The mean.
        stddev: The standard deviation (0.05, Keras 2.3's default).
        seed: An int for the same values on every call, or None for fresh ones.
    """
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        return _normal(self._gen(), shape, self.mean, self.stddev, _dtype(dtype))

    def get_config(self):
        return {'mean': self.mean, 'stddev': self.stddev, 'seed': self.seed}


class RandomUniform(_Random):
    """Initializer drawing uniformly from ``[minval, maxval)``.

    Args:
        minval: The lower bound.
        maxval: The upper bound.
        seed: An int for the same values on every call, or None for fresh ones.
    """
    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval, self.maxval = minval, maxval

    def __call__(self, shape, dtype=None):
        return _uniform(self._gen(), shape, self.minval, self.maxval, _dtype(dtype))

    def get_config(self):
        return {'minval': self.minval, 'maxval': self.maxval, 'seed': self.seed}


class TruncatedNormal(_Random):
    """Initializer drawing from a normal distribution, redrawing values beyond two standard deviations.

    Args:
        mean: The mean.
        stddev: The standard deviation before truncation.
        seed: An int for the same values on every call, or None for fresh ones.
    """
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        return _rng.truncated_normal(self._gen(), shape, self.mean, self.stddev, _dtype(dtype))

    def get_config(self):
        return {'mean': self.mean, 'stddev': self.stddev, 'seed': self.seed}


def compute_fans(shape):
    """(fan_in, fan_out) as Keras computes them, convolution kernels included."""
    shape = tuple(shape)
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = int(np.prod(shape[:-2]))
    return shape[-2] * receptive, shape[-1] * receptive


class VarianceScaling(_Random):
    """Initializer whose spread follows the weight's fan: variance ``scale / n``.

    ``n`` is the number of inputs (``'fan_in'``), outputs (``'fan_out'``) or their
    mean (``'fan_avg'``); the Glorot, He and LeCun initializers are special cases.

    Args:
        scale: A positive scale factor.
        mode: ``'fan_in'``, ``'fan_out'`` or ``'fan_avg'``.
        distribution: ``'truncated_normal'`` (``'normal'`` means it, as in Keras 2.3),
            ``'untruncated_normal'`` or ``'uniform'``.
        seed: An int for the same values on every call, or None for fresh ones.

    Raises:
        ValueError: ``scale`` is not positive, or ``mode``/``distribution`` is unknown.
    """
    def __init__(self, scale=1.0, mode='fan_in', distribution='truncated_normal', seed=None):
        super().__init__(seed)
        if scale <= 0:
            raise ValueError('VarianceScaling: scale must be positive. Received: scale=%r.' % scale)
        if mode not in ('fan_in', 'fan_out', 'fan_avg'):
            raise ValueError('VarianceScaling: mode must be fan_in, fan_out or fan_avg. Received: %r.' % mode)
        distribution = {'normal': 'truncated_normal'}.get(distribution, distribution)
        if distribution not in ('truncated_normal', 'untruncated_normal', 'uniform'):
            raise ValueError('VarianceScaling: distribution must be truncated_normal, untruncated_normal '
                             'or uniform. Received: %r.' % distribution)
        self.scale, self.mode, self.distribution = scale, mode, distribution

    def __call__(self, shape, dtype=None):
        fan_in, fan_out = compute_fans(shape)
        n = {'fan_in': fan_in, 'fan_out': fan_out, 'fan_avg': (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, n)
        dtype = _dtype(dtype)
        if self.distribution == 'truncated_normal':
            # 0.8796... is the stddev of a standard normal truncated to [-2, 2]
            return _rng.truncated_normal(self._gen(), shape, 0.0, math.sqrt(scale) / 0.87962566103423978, dtype)
        if self.distribution == 'untruncated_normal':
            return _normal(self._gen(), shape, 0.0, math.sqrt(scale), dtype)
        limit = math.sqrt(3.0 * scale)
        return _uniform(self._gen(), shape, -limit, limit, dtype)

    def get_config(self):
        return {'scale': self.scale, 'mode': self.mode, 'distribution': self.distribution, 'seed': self.seed}


def _scaling(name, scale, mode, distribution):
    def __init__(self, seed=None):
        VarianceScaling.__init__(self, scale=scale, mode=mode, distribution=distribution, seed=seed)

    def get_config(self):
        return {'seed': self.seed}
    return type(name, (VarianceScaling,), {'__init__': __init__, 'get_config': get_config,
                                           '__doc__': 'VarianceScaling(scale=%s, mode=%r, distribution=%r).'
                                                      % (scale, mode, distribution)})


GlorotUniform = _scaling('GlorotUniform', 1.0, 'fan_avg', 'uniform')
GlorotNormal = _scaling('GlorotNormal', 1.0, 'fan_avg', 'truncated_normal')
HeUniform = _scaling('HeUniform', 2.0, 'fan_in', 'uniform')
HeNormal = _scaling('HeNormal', 2.0, 'fan_in', 'truncated_normal')
LecunUniform = _scaling('LecunUniform', 1.0, 'fan_in', 'uniform')
LecunNormal = _scaling('LecunNormal', 1.0, 'fan_in', 'truncated_normal')
for _cls in (GlorotUniform, GlorotNormal, HeUniform, HeNormal, LecunUniform, LecunNormal):
    _cls.__module__ = __name__


class Orthogonal(_Random):
    """A random orthogonal matrix (QR of a normal matrix), times ``gain``."""

    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) < 2:
            raise ValueError('Orthogonal initializer needs a shape of rank 2 or more. Received: %s.' % (shape,))
        rows = int(np.prod(shape[:-1]))
        cols = shape[-1]
        gen = self._gen()
        a = ACTIVE.backend.to_numpy(gen.standard_normal((max(rows, cols), min(rows, cols)),
                                                        dtype=np.float32)).astype(np.float64)
        q, r = np.linalg.qr(a)
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return ACTIVE.xp.asarray((self.gain * q[:rows, :cols]).reshape(shape), dtype=_dtype(dtype))

    def get_config(self):
        return {'gain': self.gain, 'seed': self.seed}


class Identity(Initializer):
    """Initializer of a (scaled) identity matrix, for 2-D weights only.

    Args:
        gain: The value on the diagonal.
    """
    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) != 2:
            raise ValueError('Identity initializer needs a 2-D shape. Received: %s.' % (shape,))
        return self.gain * ACTIVE.xp.eye(shape[0], shape[1], dtype=_dtype(dtype))

    def get_config(self):
        return {'gain': self.gain}


def get(identifier):
    """An initializer from a name ('glorot_uniform'), a config dict, an instance or a callable."""
    return resolve('initializers', identifier)


def serialize(init):
    """An initializer as a ``{'class_name', 'config'}`` dict, for a config.

    Args:
        init: An initializer instance.

    Returns:
        A JSON-able dict.
    """
    return _s(init, 'initializers')


#: (class, aliases) registered by kcore's built-in plugin
BUILTINS = [
    (Zeros, ('zeros', 'zero')), (Ones, ('ones', 'one')), (Constant, ('constant',)),
    (RandomNormal, ('random_normal', 'normal')), (RandomUniform, ('random_uniform', 'uniform')),
    (TruncatedNormal, ('truncated_normal',)), (VarianceScaling, ('variance_scaling',)),
    (GlorotUniform, ('glorot_uniform',)), (GlorotNormal, ('glorot_normal',)),
    (HeUniform, ('he_uniform',)), (HeNormal, ('he_normal',)),
    (LecunUniform, ('lecun_uniform',)), (LecunNormal, ('lecun_normal',)),
    (Orthogonal, ('orthogonal',)), (Identity, ('identity',)),
]


# -- Keras 2's function forms and lower-case aliases ------------------------------------------------
def lecun_uniform(seed=None):
    """Keras 2: ``VarianceScaling(1.0, 'fan_in', 'uniform', seed)``."""
    return VarianceScaling(scale=1.0, mode='fan_in', distribution='uniform', seed=seed)


def lecun_normal(seed=None):
    """Keras 2: ``VarianceScaling(1.0, 'fan_in', 'normal', seed)`` (a truncated normal)."""
    return VarianceScaling(scale=1.0, mode='fan_in', distribution='normal', seed=seed)


def glorot_uniform(seed=None):
    """Keras 2: ``VarianceScaling(1.0, 'fan_avg', 'uniform', seed)``."""
    return VarianceScaling(scale=1.0, mode='fan_avg', distribution='uniform', seed=seed)


def glorot_normal(seed=None):
    """Keras 2: ``VarianceScaling(1.0, 'fan_avg', 'normal', seed)`` (a truncated normal)."""
    return VarianceScaling(scale=1.0, mode='fan_avg', distribution='normal', seed=seed)


def he_uniform(seed=None):
    """Keras 2: ``VarianceScaling(2.0, 'fan_in', 'uniform', seed)``."""
    return VarianceScaling(scale=2.0, mode='fan_in', distribution='uniform', seed=seed)


def he_normal(seed=None):
    """Keras 2: ``VarianceScaling(2.0, 'fan_in', 'normal', seed)`` (a truncated normal)."""
    return VarianceScaling(scale=2.0, mode='fan_in', distribution='normal', seed=seed)


zero = zeros = Zeros
one = ones = Ones
constant = Constant
uniform = random_uniform = RandomUniform
normal = random_normal = RandomNormal
truncated_normal = TruncatedNormal
identity = Identity
orthogonal = Orthogonal


def deserialize(config, custom_objects=None):
    """An initializer from its ``serialize`` output (a name or a config dict)."""
    return _deserialize(config, 'initializers', custom_objects)


__getattr__ = _legacy_paths.module_getattr(__name__, ('K', 'serialize_keras_object', 'deserialize_keras_object'))
