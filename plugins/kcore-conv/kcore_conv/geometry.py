"""Sizes and paddings of sliding windows: pure Python, shared by kernels, ops and layers.

The formulas are TensorFlow's (Keras's reference backend): ``'same'`` pads so
that ``out = ceil(in / stride)``, putting the odd padding element at the end;
``'causal'`` pads ``(kernel - 1) * dilation`` at the start; ``'valid'`` pads
nothing.  Sizes may be ``None`` (unknown) in the shape functions.
"""
import numbers

from kcore.errors import ShapeError

PADDINGS = ('valid', 'same', 'causal')


def normalize_tuple(value, rank, arg, owner, minimum=1):
    """``3`` or ``(3, 3)`` to a tuple of ``rank`` ints, each ``>= minimum``.

    ``owner`` opens the error message (``"Layer 'conv2d' (Conv2D)"`` or ``'K.conv2d'``).
    NumPy integers count as integers (Keras 2 scripts compute sizes with NumPy).
    """
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        out = (value,) * rank
    else:
        try:
            out = tuple(value)
        except TypeError:
            out = None
        if out is None or len(out) != rank or not all(
                isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in out):
            raise ValueError('%s: %s must be an integer or a tuple of %d integers. Received: %s=%r.'
                             % (owner, arg, rank, arg, value))
    out = tuple(int(v) for v in out)
    if any(v < minimum for v in out):
        raise ValueError('%s: every value of %s must be >= %d. Received: %s=%r.'
                         % (owner, arg, minimum, arg, value))
    return out


def normalize_padding(value, owner, allowed=('valid', 'same')):
    """``padding`` lower-cased and checked against ``allowed``; the error names ``owner``."""
    padding = str(value).lower() if isinstance(value, str) else value
    if padding not in allowed:
        hint = ' (causal padding is only for 1D convolutions)' if padding == 'causal' else ''
        raise ValueError('%s: padding must be one of %s%s. Received: padding=%r.'
                         % (owner, ', '.join(repr(a) for a in allowed), hint, value))
    return padding


def effective_size(kernel, dilation):
    """The span of a dilated kernel: ``(kernel - 1) * dilation + 1``."""
    return (kernel - 1) * dilation + 1


def output_length(length, kernel, padding, stride, dilation=1):
    """Output size of a convolution or pooling along one axis (``None`` stays ``None``)."""
    if length is None:
        return None
    span = effective_size(kernel, dilation)
    if padding == 'valid':
        length = length - span + 1
    return max(0, (length + stride - 1) // stride)


def padding_amounts(length, kernel, padding, stride, dilation=1):
    """``(before, after)`` zero padding that makes ``output_length`` windows fit."""
    span = effective_size(kernel, dilation)
    if padding == 'valid':
        return 0, 0
    if padding == 'causal':
        return span - 1, 0
    out = (length + stride - 1) // stride
    total = max((out - 1) * stride + span - length, 0)
    return total // 2, total - total // 2


def transpose_output_length(length, kernel, padding, output_padding, stride, dilation=1):
    """Output size of a transposed convolution along one axis (Keras's formula)."""
    if length is None:
        return None
    span = effective_size(kernel, dilation)
    if output_padding is None:
        if padding == 'valid':
            return length * stride + max(span - stride, 0)
        return length * stride
    pad = span // 2 if padding == 'same' else 0
    return (length - 1) * stride + span - 2 * pad + output_padding


def transpose_crop(length, out_length, kernel, padding, stride, dilation=1):
    """Where the output of a transposed convolution starts inside its uncropped result.

    The uncropped result has ``(length - 1) * stride + span`` positions; the
    offset is the ``before`` padding of the forward convolution that maps
    ``out_length`` positions back to ``length`` (TensorFlow's definition).
    """
    if padding == 'valid':
        return 0
    span = effective_size(kernel, dilation)
    return max((length - 1) * stride + span - out_length, 0) // 2


def check_output_positive(owner, input_shape, out_sizes, what='the kernel'):
    """Raise ``ShapeError`` when the input is too small for the window (an empty output)."""
    if any(o is not None and o <= 0 for o in out_sizes):
        raise ShapeError('%s: the input is too small for %s: the output would be empty. Expected '
                         'spatial sizes of at least the (dilated) window size with padding=\'valid\'. '
                         'Received: input_shape=%s. Use padding=\'same\', a smaller window, or a '
                         'larger input.' % (owner, what, tuple(input_shape)))
