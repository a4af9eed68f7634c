"""The rest of Keras 2's ``K`` list that kcore's op set lacked: the crossentropies with Keras 2's
``(target, output)`` signature, paddings, ``slice``, ``size``, ``in_top_k``, uids, and the
graph-mode helpers (``name_scope``, ``symbolic``, ...) that are no-ops in an eager framework."""
import builtins
import collections
import contextlib

import numpy as np

from kcore import config
from kcore.autodiff.tensor import Variable
from kcore.runtime import ops, state

# -- crossentropies (Keras 2: target first, no reduction over the batch) -----------------------------------
def _clipped(output):
    eps = config.epsilon()
    return ops.clip(output, eps, 1.0 - eps)


def binary_crossentropy(target, output, from_logits=False):
    """Element-wise binary crossentropy of probabilities (or logits with ``from_logits``)."""
    target, output = ops.to_tensor(target), ops.to_tensor(output)
    if from_logits:  # max(x, 0) - x * t + log(1 + exp(-|x|)): no overflow for large |x|
        return ops.relu(output) - output * target + ops.log1p(ops.exp(-ops.abs(output)))
    output = _clipped(output)
    return -(target * ops.log(output) + (1.0 - target) * ops.log(1.0 - output))


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Crossentropy along ``axis`` between one-hot ``target`` and probabilities ``output`` (scaled to
    sum to 1 first, as Keras 2 does) or logits with ``from_logits``."""
    target, output = ops.to_tensor(target), ops.to_tensor(output)
    if from_logits:
        return -ops.sum(target * ops.log_softmax(output, axis=axis), axis=axis)
    output = output / ops.sum(output, axis=axis, keepdims=True)
    return -ops.sum(target * ops.log(_clipped(output)), axis=axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """``categorical_crossentropy`` with integer class ``target`` (a trailing axis of 1 allowed)."""
    output = ops.to_tensor(output)
    classes = np.asarray(ops.as_array(target)).astype('int64')
    if classes.ndim == output.ndim:
        classes = classes.reshape(classes.shape[:-1])
    if axis not in (-1, output.ndim - 1):
        output = ops.permute_dimensions(output, [i for i in range(output.ndim) if i != axis % output.ndim]
                                        + [axis % output.ndim])
    onehot = np.eye(output.shape[-1], dtype=output.dtype)[classes]
    return categorical_crossentropy(onehot, output, from_logits=from_logits, axis=-1)


# -- shapes and slices ---------------------------------------------------------------------------------------
def temporal_padding(x, padding=(1, 1)):
    """Zero-pad axis 1 of a 3-D tensor by ``padding = (before, after)``."""
    return ops.pad(x, ((0, 0), tuple(padding), (0, 0)))


def _spatial_padding(x, padding, data_format, rank):
    data_format = config.normalize_data_format(data_format)
    spatial = [tuple(p) for p in padding]
    if len(spatial) != rank:
        raise ValueError('spatial_%dd_padding: padding must hold %d (before, after) pairs. Received: %r.'
                         % (rank, rank, padding))
    if data_format == 'channels_first':
        return ops.pad(x, ((0, 0), (0, 0)) + tuple(spatial))
    return ops.pad(x, ((0, 0),) + tuple(spatial) + ((0, 0),))


def spatial_2d_padding(x, padding=((1, 1), (1, 1)), data_format=None):
    """Zero-pad the two spatial axes of a 4-D tensor."""
    return _spatial_padding(x, padding, data_format, 2)


def spatial_3d_padding(x, padding=((1, 1), (1, 1), (1, 1)), data_format=None):
    """Zero-pad the three spatial axes of a 5-D tensor."""
    return _spatial_padding(x, padding, data_format, 3)


def slice(x, start, size):  # noqa: A001 - Keras's name
    """``x[start[0]:start[0] + size[0], ...]``; a size of -1 takes the rest of the axis."""
    start, size = list(start), list(size)
    if len(start) != len(size):
        raise ValueError('slice: start and size must have the same length. Received: start=%r, size=%r.'
                         % (start, size))
    index = tuple(builtins.slice(b, None if n == -1 else b + n) for b, n in zip(start, size))
    return ops.to_tensor(x)[index]


def size(x, name=None):
    """The number of elements of ``x``."""
    return int(np.prod(ops.int_shape(x), dtype=np.int64))


def in_top_k(predictions, targets, k):
    """Whether each target class is among the ``k`` largest predictions of its row (ties count
    as in, as in TensorFlow); a boolean array of shape ``(batch,)``."""
    p = np.asarray(ops.as_array(predictions))
    t = np.asarray(ops.as_array(targets)).astype('int64').reshape(-1)
    target_scores = p[np.arange(len(t)), t]
    return (p > target_scores[:, None]).sum(axis=1) < k


def is_variable(x):
    """Whether ``x`` is a kcore ``Variable`` (Keras 2's ``K.is_variable``).

    Args:
        x: Any object.

    Returns:
        True for a variable, False for a tensor, array or anything else.
    """
    return isinstance(x, Variable)


def is_sparse(tensor):
    """Always False: kcore has no sparse tensors."""
    return False


def to_dense(tensor):
    """Keras 2's ``K.to_dense``: kcore has no sparse tensors, so ``tensor`` is returned as is.

    Args:
        tensor: A tensor.

    Returns:
        The same tensor.
    """
    return tensor


# -- unshared convolutions (LocallyConnected's op) -----------------------------------------------------------
def _patch_index(spatial, out, kernel_size, strides):
    """``(positions, window cells)`` indices into the row-major flattened spatial axes."""
    rank = len(spatial)
    flat_strides = np.cumprod((1,) + tuple(spatial[::-1]))[:-1][::-1]
    starts = np.stack(np.meshgrid(*[np.arange(n) * s for n, s in zip(out, strides)], indexing='ij'), -1)
    offsets = np.stack(np.meshgrid(*[np.arange(k) for k in kernel_size], indexing='ij'), -1)
    cells = starts.reshape(-1, 1, rank) + offsets.reshape(1, -1, rank)
    return (cells * flat_strides).sum(-1).astype(np.intp)


def local_conv(inputs, kernel, kernel_size, strides, output_shape, data_format=None):
    """N-d convolution with a separate filter bank per output position (no bias).

    ``kernel`` is ``(positions, prod(kernel_size) * channels, filters)``, positions in row-major
    order and each window flattened as Keras 2 flattens it (``(rows, cols, channels)``
    channels_last, ``(channels, rows, cols)`` channels_first), so Keras's weights fit unchanged.
    """
    data_format = config.normalize_data_format(data_format)
    inputs, kernel = ops.to_tensor(inputs), ops.to_tensor(kernel)
    rank = len(kernel_size)
    kernel_size, strides = tuple(int(k) for k in kernel_size), tuple(int(s) for s in strides)
    output_shape = tuple(int(n) for n in output_shape)
    if inputs.ndim != rank + 2 or kernel.ndim != 3:
        raise ValueError('K.local_conv%dd: expected inputs of rank %d and a kernel of rank 3 (positions, '
                         'window values, filters). Received: inputs.shape=%s, kernel.shape=%s.'
                         % (rank, rank + 2, tuple(inputs.shape), tuple(kernel.shape)))
    first = data_format == 'channels_first'
    spatial = tuple(inputs.shape[2:]) if first else tuple(inputs.shape[1:-1])
    channels = inputs.shape[1] if first else inputs.shape[-1]
    positions, window = int(np.prod(output_shape)), int(np.prod(kernel_size)) * channels
    if tuple(kernel.shape[:2]) != (positions, window):
        raise ValueError('K.local_conv%dd: the kernel must be (%d positions, %d window values, filters) for '
                         'output_shape=%s, kernel_size=%s and %d channels. Received: kernel.shape=%s.'
                         % (rank, positions, window, output_shape, kernel_size, channels, tuple(kernel.shape)))
    if any((o - 1) * s + k > n for n, o, k, s in zip(spatial, output_shape, kernel_size, strides)):
        raise ValueError('K.local_conv%dd: %s output positions with kernel_size=%s and strides=%s do not fit '
                         'in the input\'s spatial size %s. Expected output sizes (n - k) // s + 1.'
                         % (rank, output_shape, kernel_size, strides, spatial))
    index = _patch_index(spatial, output_shape, kernel_size, strides)
    batch, cells, filters = inputs.shape[0], index.shape[1], kernel.shape[-1]
    if first:
        flat = ops.reshape(inputs, (batch, channels, -1))
        patches = ops.permute_dimensions(flat[:, :, index], (2, 0, 1, 3))     # (P, batch, C, cells)
    else:
        flat = ops.reshape(inputs, (batch, -1, channels))
        patches = ops.permute_dimensions(flat[:, index], (1, 0, 2, 3))        # (P, batch, cells, C)
    out = ops.matmul(ops.reshape(patches, (positions, batch, cells * channels)), kernel)   # (P, batch, F)
    out = ops.reshape(ops.permute_dimensions(out, (1, 0, 2)), (batch,) + output_shape + (filters,))
    if first:
        out = ops.permute_dimensions(out, (0, rank + 1) + tuple(range(1, rank + 1)))
    return out


def local_conv1d(inputs, kernel, kernel_size, strides, data_format=None):
    """Unshared 1-D convolution of ``(batch, steps, channels)`` (Keras 2's ``K.local_conv1d``);
    ``kernel`` is ``(output_length, kernel_size * channels, filters)``."""
    kernel_size = _as_tuple(kernel_size, 1)
    return local_conv(inputs, kernel, kernel_size, _as_tuple(strides, 1), (ops.int_shape(kernel)[0],),
                      data_format)


def local_conv2d(inputs, kernel, kernel_size, strides, output_shape, data_format=None):
    """Unshared 2-D convolution (Keras 2's ``K.local_conv2d``); ``output_shape`` is
    ``(output_rows, output_cols)``, ``kernel`` ``(rows * cols, kh * kw * channels, filters)``."""
    return local_conv(inputs, kernel, _as_tuple(kernel_size, 2), _as_tuple(strides, 2), output_shape,
                      data_format)


def _as_tuple(value, rank):
    return (int(value),) * rank if np.isscalar(value) else tuple(int(v) for v in value)


def get_variable_shape(x):
    """Keras 2's old name of ``K.int_shape``."""
    return ops.int_shape(x)


# -- math ------------------------------------------------------------------------------------------------------
def cumprod(x, axis=0):
    """Cumulative product along ``axis``; built from products, so exact (zeros and negative values
    included) and differentiable."""
    x = ops.to_tensor(x)
    if x.ndim == 0:
        raise ValueError('K.cumprod: x must have at least one axis. Received a scalar.')
    running, products = None, []
    for element in ops.unstack(x, axis=axis):
        running = element if running is None else running * element
        products.append(running)
    return ops.stack(products, axis=axis)


# -- batch normalization -----------------------------------------------------------------------------------------
def batch_normalization(x, mean, var, beta, gamma, axis=-1, epsilon=1e-3):
    """``(x - mean) / sqrt(var + epsilon) * gamma + beta``; 1-D statistics apply along ``axis``,
    others broadcast as they are.  ``beta`` and ``gamma`` may be None."""
    x = ops.to_tensor(x)
    axis = axis % x.ndim

    def aligned(v):
        if v is None:
            return None
        v = ops.to_tensor(v)
        if v.ndim == 1 and x.ndim > 1:
            v = ops.reshape(v, [x.shape[axis] if i == axis else 1 for i in range(x.ndim)])
        return v
    mean, var, beta, gamma = aligned(mean), aligned(var), aligned(beta), aligned(gamma)
    out = (x - mean) / ops.sqrt(var + epsilon)
    if gamma is not None:
        out = out * gamma
    if beta is not None:
        out = out + beta
    return out


def normalize_batch_in_training(x, gamma, beta, reduction_axes, epsilon=1e-3):
    """Normalize ``x`` by its mean and (biased) variance over ``reduction_axes``; returns
    ``(normalized, mean, variance)`` with the statistics over the kept axes, as Keras 2 does."""
    x = ops.to_tensor(x)
    reduction_axes = sorted(a % x.ndim for a in reduction_axes)
    mean = ops.mean(x, axis=tuple(reduction_axes), keepdims=True)
    variance = ops.mean(ops.square(x - mean), axis=tuple(reduction_axes), keepdims=True)
    broadcast_shape = [1 if i in reduction_axes else x.shape[i] for i in range(x.ndim)]

    def aligned(v):
        return None if v is None else ops.reshape(ops.to_tensor(v), broadcast_shape)
    normed = (x - mean) / ops.sqrt(variance + epsilon)
    gamma, beta = aligned(gamma), aligned(beta)
    if gamma is not None:
        normed = normed * gamma
    if beta is not None:
        normed = normed + beta
    kept = [n for i, n in enumerate(x.shape) if i not in reduction_axes]
    return normed, ops.reshape(mean, kept), ops.reshape(variance, kept)


# -- random variables --------------------------------------------------------------------------------------------
def random_uniform_variable(shape, low, high, dtype=None, name=None, seed=None):
    """A ``Variable`` drawn uniformly from ``[low, high)``; the same ``seed`` gives the same values."""
    return state.variable(state.random_uniform(shape, low, high, dtype=dtype, seed=seed), dtype=dtype, name=name)


def random_normal_variable(shape, mean, scale, dtype=None, name=None, seed=None):
    """A ``Variable`` drawn from a normal of ``mean`` and standard deviation ``scale``."""
    return state.variable(state.random_normal(shape, mean, scale, dtype=dtype, seed=seed), dtype=dtype, name=name)


# -- names and graph-mode helpers -----------------------------------------------------------------------------
_UIDS = collections.defaultdict(int)


def get_uid(prefix=''):
    """1, 2, 3, ... for each ``prefix`` (Keras 2's layer-name counters)."""
    _UIDS[prefix] += 1
    return _UIDS[prefix]


def reset_uids():
    """Reset the counters behind ``K.get_uid``, so each prefix counts from 1 again (Keras 2's ``K.reset_uids``)."""
    _UIDS.clear()


@contextlib.contextmanager
def name_scope(name):
    """Keras 2 grouped graph ops under a name; kcore runs eagerly, so this only marks the block."""
    yield name


@contextlib.contextmanager
def control_dependencies(control_inputs):
    """Eager execution runs ops in order already; kept for scripts written for graphs."""
    yield


def symbolic(func):
    """Keras 2's decorator for graph-only functions; kcore's functions run as they are."""
    return func


def eager(func):
    """Keras 2's decorator for eager-only functions; kcore is always eager."""
    return func


def manual_variable_initialization(value):
    """Keras 2's switch for TensorFlow variable initialization; kcore variables hold values at once."""


def normalize_data_format(value):
    """Check and normalise a ``data_format`` value (Keras 2's ``K.normalize_data_format``).

    Args:
        value: ``'channels_first'``, ``'channels_last'`` or None (the configured default).

    Returns:
        ``'channels_first'`` or ``'channels_last'``.

    Raises:
        ValueError: ``value`` is anything else.
    """
    return config.normalize_data_format(value)


def image_dim_ordering():
    """Keras 1's name of the data format: 'tf' (channels_last) or 'th' (channels_first)."""
    return 'th' if config.image_data_format() == 'channels_first' else 'tf'


def set_image_dim_ordering(dim_ordering):
    """Keras 1's spelling of ``set_image_data_format``, still in Keras 2.3's backend.

    Args:
        dim_ordering: ``'th'`` (channels first) or ``'tf'`` (channels last).

    Raises:
        ValueError: ``dim_ordering`` is anything else.
    """
    if dim_ordering not in ('tf', 'th'):
        raise ValueError("set_image_dim_ordering: expected 'tf' or 'th'. Received: %r." % (dim_ordering,))
    config.set_image_data_format('channels_first' if dim_ordering == 'th' else 'channels_last')


def transpose_shape(shape, target_format, spatial_axes):
    """A channels-last ``shape`` reordered for ``target_format`` (Keras 2's helper)."""
    if target_format == 'channels_first':
        first, last = spatial_axes[0], spatial_axes[-1]
        new = list(shape[:first]) + [shape[last + 1]] + list(shape[first:last + 1]) + list(shape[last + 2:])
        return tuple(new) if isinstance(shape, tuple) else new
    if target_format == 'channels_last':
        return shape
    raise ValueError('transpose_shape: data format must be "channels_first" or "channels_last". Received: %r.'
                     % (target_format,))


py_all, py_any, py_sum, py_slice = builtins.all, builtins.any, builtins.sum, builtins.slice

__all__ = ['binary_crossentropy', 'categorical_crossentropy', 'sparse_categorical_crossentropy', 'temporal_padding',
           'spatial_2d_padding', 'spatial_3d_padding', 'slice', 'size', 'in_top_k', 'is_variable', 'is_sparse',
           'to_dense', 'get_uid', 'reset_uids', 'name_scope', 'control_dependencies', 'symbolic', 'eager',
           'manual_variable_initialization', 'normalize_data_format', 'image_dim_ordering',
           'set_image_dim_ordering', 'transpose_shape', 'py_all', 'py_any', 'py_sum', 'py_slice', 'cumprod',
           'batch_normalization', 'normalize_batch_in_training', 'random_uniform_variable',
           'random_normal_variable', 'local_conv1d', 'local_conv2d', 'get_variable_shape']
#: the functions of tensors that also record on symbolic tensors (``K.slice(keras_tensor, ...)``)
DIFFERENTIABLE = ['binary_crossentropy', 'categorical_crossentropy', 'temporal_padding', 'spatial_2d_padding',
                  'spatial_3d_padding', 'slice', 'cumprod', 'batch_normalization', 'local_conv1d', 'local_conv2d']
