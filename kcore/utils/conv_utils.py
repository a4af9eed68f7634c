"""Keras 2's ``keras.utils.conv_utils``: argument normalisation and output-size arithmetic
for convolution-like layers (pure Python; the kernels live in kcore-conv)."""
import numpy as np

from kcore import _legacy_paths


def normalize_tuple(value, n, name):
    """``value`` (an int, or an iterable of ``n`` ints) as a tuple of ``n`` ints."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return (int(value),) * n
    try:
        value_tuple = tuple(value)
    except TypeError:
        raise ValueError('The `%s` argument must be a tuple of %d integers. Received: %r.'
                         % (name, n, value)) from None
    if len(value_tuple) != n or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                                        for v in value_tuple):
        raise ValueError('The `%s` argument must be a tuple of %d integers. Received: %r.'
                         % (name, n, value))
    return tuple(int(v) for v in value_tuple)


def normalize_padding(value):
    """'valid', 'same' or 'causal' (lower-cased), else a ValueError."""
    padding = value.lower() if isinstance(value, str) else value
    if padding not in ('valid', 'same', 'causal'):
        raise ValueError('The `padding` argument must be one of "valid", "same" (or "causal", only for '
                         '`Conv1D`). Received: %r.' % (value,))
    return padding


def convert_kernel(kernel):
    """Flip a convolution kernel along its spatial axes (Theano <-> TensorFlow convention).
    ``kernel`` has the spatial axes first and (input, output) channels last."""
    kernel = np.asarray(kernel)
    if not 3 <= kernel.ndim <= 5:
        raise ValueError('convert_kernel: expected a 3-D, 4-D or 5-D kernel (spatial axes, then input and '
                         'output channels). Received: shape %s.' % (kernel.shape,))
    slices = [slice(None, None, -1)] * (kernel.ndim - 2) + [slice(None), slice(None)]
    return np.copy(kernel[tuple(slices)])


def conv_output_length(input_length, filter_size, padding, stride, dilation=1):
    """Output length of a convolution along one axis (None stays None)."""
    if input_length is None:
        return None
    if padding not in ('same', 'valid', 'full', 'causal'):
        raise ValueError('conv_output_length: padding must be "same", "valid", "full" or "causal". '
                         'Received: %r.' % (padding,))
    dilated = filter_size + (filter_size - 1) * (dilation - 1)
    if padding in ('same', 'causal'):
        length = input_length
    elif padding == 'valid':
        length = input_length - dilated + 1
    else:
        length = input_length + dilated - 1
    return (length + stride - 1) // stride


def conv_input_length(output_length, filter_size, padding, stride):
    """Input length that a convolution maps to ``output_length`` (None stays None)."""
    if output_length is None:
        return None
    if padding not in ('same', 'valid', 'full'):
        raise ValueError('conv_input_length: padding must be "same", "valid" or "full". Received: %r.'
                         % (padding,))
    pad = {'same': filter_size // 2, 'valid': 0, 'full': filter_size - 1}[padding]
    return (output_length - 1) * stride - 2 * pad + filter_size


def deconv_length(dim_size, stride_size, kernel_size, padding, output_padding, dilation=1):
    """Output length of a transposed convolution along one axis (None stays None)."""
    if dim_size is None:
        return None
    kernel_size = kernel_size + (kernel_size - 1) * (dilation - 1)
    if output_padding is None:
        if padding == 'valid':
            return dim_size * stride_size + max(kernel_size - stride_size, 0)
        if padding == 'full':
            return dim_size * stride_size - (stride_size + kernel_size - 2)
        if padding == 'same':
            return dim_size * stride_size
        raise ValueError('deconv_length: padding must be "same", "valid" or "full". Received: %r.' % (padding,))
    pad = {'same': kernel_size // 2, 'valid': 0, 'full': kernel_size - 1}.get(padding)
    if pad is None:
        raise ValueError('deconv_length: padding must be "same", "valid" or "full". Received: %r.' % (padding,))
    return (dim_size - 1) * stride_size + kernel_size - 2 * pad + output_padding


__getattr__ = _legacy_paths.module_getattr(__name__, ('K',))

__all__ = ['normalize_tuple', 'normalize_padding', 'convert_kernel', 'conv_output_length', 'conv_input_length',
           'deconv_length']
