"""Tensor-level convolution and pooling ops: ``K.conv2d`` and friends (Keras 2 signatures).

The public ``K`` functions validate their arguments and call the N-d
functions below (``convolve``, ``pool``, ...), which the layers use too; those
run the kernel registered for the rank (``conv2d``, ``max_pool3d``, ...)
through ``kcore.autodiff.apply``, so a device backend's override is picked up.
Errors name the op (or the layer, through ``owner``), what was expected, what
was received and the fix.
"""
from kcore import config
from kcore.autodiff.tensor import apply
from kcore.backend.ops import to_tensor
from kcore.errors import ShapeError
from kcore_conv import geometry

_RANK_NAMES = {1: '1D', 2: '2D', 3: '3D'}


# -- argument checks ---------------------------------------------------------------
def _data_format(value):
    return config.normalize_data_format(value)


def _channel_axis(data_format, ndim):
    return 1 if data_format == 'channels_first' else ndim - 1


def _spatial(shape, data_format):
    return tuple(shape[2:]) if data_format == 'channels_first' else tuple(shape[1:-1])


def _check_rank(owner, x, rank, what='x'):
    if x.ndim != rank + 2:
        raise ShapeError('%s: %s must have rank %d (batch, %d spatial axes, channels). Received: '
                         '%s.shape=%s. Add or remove axes (e.g. a channels axis of size 1).'
                         % (owner, what, rank + 2, rank, what, tuple(x.shape)))


def _check_spatial_rank(owner, x):
    if x.ndim - 2 not in _RANK_NAMES:
        raise ShapeError('%s: x must have rank 3, 4 or 5 (batch, 1 to 3 spatial axes, channels). Received: '
                         'x.shape=%s. Reshape the input.' % (owner, tuple(x.shape)))


def _check_kernel(owner, kernel, rank, what='kernel'):
    if kernel.ndim != rank + 2:
        raise ShapeError('%s: %s must have rank %d (%d kernel sizes, input channels, output channels). '
                         'Received: %s.shape=%s.' % (owner, what, rank + 2, rank, what, tuple(kernel.shape)))


def _check_windows(owner, x, data_format, kernel, padding, strides, dilation):
    sizes = _spatial(x.shape, data_format)
    out = [geometry.output_length(n, k, padding, s, d) for n, k, s, d in zip(sizes, kernel, strides, dilation)]
    geometry.check_output_positive(owner, x.shape, out, 'a window of size %s (dilation %s)'
                                   % (tuple(kernel), tuple(dilation)))
    return out


def _args(owner, rank, strides, padding, dilation_rate=1, allow_causal=False):
    strides = geometry.normalize_tuple(strides, rank, 'strides', owner)
    dilation = geometry.normalize_tuple(dilation_rate, rank, 'dilation_rate', owner)
    allowed = ('valid', 'same', 'causal') if allow_causal and rank == 1 else ('valid', 'same')
    return strides, geometry.normalize_padding(padding, owner, allowed), dilation


def _operands(*arrays):
    return [a if a is None else to_tensor(a) for a in arrays]


# -- N-d functions (used by the layers) ------------------------------------------------
def convolve(x, kernel, bias=None, strides=1, padding='valid', data_format=None, dilation_rate=1,
             activation=None, owner=None):
    """N-d convolution of ``x`` with ``kernel`` ``(*k, in_channels // groups, filters)``, plus
    ``bias``; ``activation='relu'`` is fused into the kernel.  Groups follow from the shapes."""
    x, kernel, bias = _operands(x, kernel, bias)
    rank = kernel.ndim - 2
    owner = owner or 'K.conv%dd' % rank
    data_format = _data_format(data_format)
    _check_rank(owner, x, rank)
    strides, padding, dilation = _args(owner, rank, strides, padding, dilation_rate, allow_causal=True)
    channels = x.shape[_channel_axis(data_format, x.ndim)]
    depth = kernel.shape[-2]
    if channels % depth or kernel.shape[-1] % (channels // depth):
        raise ShapeError('%s: the input has %d channels, which the kernel\'s input depth %d must divide '
                         '(into groups that also divide its %d filters). Received: x.shape=%s, '
                         'kernel.shape=%s, data_format=%r. Check data_format and the kernel shape.'
                         % (owner, channels, depth, kernel.shape[-1], tuple(x.shape), tuple(kernel.shape),
                            data_format))
    _check_windows(owner, x, data_format, kernel.shape[:rank], padding, strides, dilation)
    operands = (x, kernel) if bias is None else (x, kernel, bias)
    return apply('conv%dd' % rank, *operands, strides=strides, padding=padding, dilation_rate=dilation,
                 data_format=data_format, activation=activation)


def transpose_output_sizes(owner, in_sizes, kernel, padding, output_padding, strides, dilation):
    """Spatial sizes of a transposed convolution's output, checked to be the adjoint's."""
    out = tuple(geometry.transpose_output_length(n, k, padding, None if output_padding is None else p, s, d)
                for n, k, p, s, d in zip(in_sizes, kernel, output_padding or (0,) * len(kernel),
                                         strides, dilation))
    check_transpose_sizes(owner, in_sizes, out, kernel, padding, strides, dilation)
    return out


def check_transpose_sizes(owner, in_sizes, out_sizes, kernel, padding, strides, dilation):
    """Raise ``ValueError`` when a transposed convolution's requested output sizes cannot map to its input sizes."""
    for n, o, k, s, d in zip(in_sizes, out_sizes, kernel, strides, dilation):
        if n is None or o is None:
            continue
        if o <= 0 or geometry.output_length(o, k, padding, s, d) != n:
            raise ShapeError('%s: an output of spatial size %s cannot come from a transposed convolution '
                             'of an input of size %s with kernel %s, strides %s, padding=%r: a '
                             'convolution with those settings maps %s back to other sizes. Expected '
                             'sizes whose convolution gives the input sizes. Received: output sizes %s. '
                             'Adjust output_padding (< strides) or output_shape.'
                             % (owner, tuple(out_sizes), tuple(in_sizes), tuple(kernel), tuple(strides),
                                padding, tuple(out_sizes), tuple(out_sizes)))


def convolve_transpose(x, kernel, bias=None, output_sizes=None, strides=1, padding='valid',
                       data_format=None, dilation_rate=1, owner=None):
    """N-d transposed convolution; ``kernel`` is ``(*k, filters, in_channels)``."""
    x, kernel, bias = _operands(x, kernel, bias)
    rank = kernel.ndim - 2
    owner = owner or 'K.conv%dd_transpose' % rank
    data_format = _data_format(data_format)
    _check_rank(owner, x, rank)
    strides, padding, dilation = _args(owner, rank, strides, padding, dilation_rate)
    channels = x.shape[_channel_axis(data_format, x.ndim)]
    if channels != kernel.shape[-1]:
        raise ShapeError('%s: the kernel of a transposed convolution is (*kernel_size, filters, '
                         'in_channels). Expected kernel.shape[-1] == %d (the input\'s channels). '
                         'Received: x.shape=%s, kernel.shape=%s, data_format=%r.'
                         % (owner, channels, tuple(x.shape), tuple(kernel.shape), data_format))
    in_sizes = _spatial(x.shape, data_format)
    if output_sizes is None:
        output_sizes = transpose_output_sizes(owner, in_sizes, kernel.shape[:rank], padding, None,
                                              strides, dilation)
    output_sizes = tuple(int(n) for n in output_sizes)
    check_transpose_sizes(owner, in_sizes, output_sizes, kernel.shape[:rank], padding, strides, dilation)
    operands = (x, kernel) if bias is None else (x, kernel, bias)
    return apply('conv%dd_transpose' % rank, *operands, output_sizes=output_sizes, strides=strides,
                 padding=padding, dilation_rate=dilation, data_format=data_format)


def _check_depthwise(owner, x, depthwise_kernel, data_format):
    channels = x.shape[_channel_axis(data_format, x.ndim)]
    if depthwise_kernel.shape[-2] != channels:
        raise ShapeError('%s: a depthwise kernel is (*kernel_size, in_channels, depth_multiplier). '
                         'Expected depthwise_kernel.shape[-2] == %d (the input\'s channels). Received: '
                         'x.shape=%s, depthwise_kernel.shape=%s, data_format=%r.'
                         % (owner, channels, tuple(x.shape), tuple(depthwise_kernel.shape), data_format))


def depthwise_convolve(x, depthwise_kernel, bias=None, strides=1, padding='valid', data_format=None,
                       dilation_rate=1, activation=None, owner=None):
    """Depthwise convolution of any rank on tensors, differentiable (``K.depthwise_conv2d`` and friends)."""
    x, depthwise_kernel, bias = _operands(x, depthwise_kernel, bias)
    rank = depthwise_kernel.ndim - 2
    owner = owner or 'K.depthwise_conv%dd' % rank
    data_format = _data_format(data_format)
    _check_rank(owner, x, rank)
    strides, padding, dilation = _args(owner, rank, strides, padding, dilation_rate, allow_causal=True)
    _check_depthwise(owner, x, depthwise_kernel, data_format)
    _check_windows(owner, x, data_format, depthwise_kernel.shape[:rank], padding, strides, dilation)
    operands = (x, depthwise_kernel) if bias is None else (x, depthwise_kernel, bias)
    return apply('depthwise_conv%dd' % rank, *operands, strides=strides, padding=padding,
                 dilation_rate=dilation, data_format=data_format, activation=activation)


def separable_convolve(x, depthwise_kernel, pointwise_kernel, bias=None, strides=1, padding='valid',
                       data_format=None, dilation_rate=1, activation=None, owner=None):
    """Separable convolution of any rank on tensors: depthwise, then pointwise (``K.separable_conv2d``)."""
    x, depthwise_kernel, pointwise_kernel, bias = _operands(x, depthwise_kernel, pointwise_kernel, bias)
    rank = depthwise_kernel.ndim - 2
    owner = owner or 'K.separable_conv%dd' % rank
    data_format = _data_format(data_format)
    _check_rank(owner, x, rank)
    _check_kernel(owner, pointwise_kernel, rank, 'pointwise_kernel')
    strides, padding, dilation = _args(owner, rank, strides, padding, dilation_rate, allow_causal=True)
    _check_depthwise(owner, x, depthwise_kernel, data_format)
    mid = depthwise_kernel.shape[-2] * depthwise_kernel.shape[-1]
    if pointwise_kernel.shape[:rank] != (1,) * rank or pointwise_kernel.shape[-2] != mid:
        raise ShapeError('%s: the pointwise kernel must be (%s, in_channels * depth_multiplier, filters). '
                         'Expected pointwise_kernel.shape[:-1] == %s. Received: pointwise_kernel.shape=%s.'
                         % (owner, ', '.join(['1'] * rank), (1,) * rank + (mid,),
                            tuple(pointwise_kernel.shape)))
    _check_windows(owner, x, data_format, depthwise_kernel.shape[:rank], padding, strides, dilation)
    operands = (x, depthwise_kernel, pointwise_kernel) + (() if bias is None else (bias,))
    return apply('separable_conv%dd' % rank, *operands, strides=strides, padding=padding,
                 dilation_rate=dilation, data_format=data_format, activation=activation)


def pool(x, pool_size, strides=None, padding='valid', data_format=None, pool_mode='max', owner=None):
    """N-d max or average pooling (``pool_mode`` 'max' or 'avg'); ``strides=None`` means ``pool_size``."""
    x = to_tensor(x)
    rank = x.ndim - 2
    owner = owner or 'K.pool%dd' % rank
    _check_spatial_rank(owner, x)
    if pool_mode not in ('max', 'avg'):
        raise ValueError("%s: pool_mode must be 'max' or 'avg'. Received: pool_mode=%r." % (owner, pool_mode))
    data_format = _data_format(data_format)
    pool_size = geometry.normalize_tuple(pool_size, rank, 'pool_size', owner)
    strides, padding, _ = _args(owner, rank, pool_size if strides is None else strides, padding)
    _check_windows(owner, x, data_format, pool_size, padding, strides, (1,) * rank)
    return apply('%s_pool%dd' % (pool_mode, rank), x, pool_size=pool_size, strides=strides,
                 padding=padding, data_format=data_format)


def upsample(x, size, data_format=None, interpolation='nearest', owner=None):
    """Repeat (``'nearest'``) or linearly interpolate (``'bilinear'``) each spatial axis ``size`` times."""
    x = to_tensor(x)
    rank = x.ndim - 2
    owner = owner or 'upsampling'
    _check_spatial_rank(owner, x)
    if interpolation not in ('nearest', 'bilinear'):
        raise ValueError("%s: interpolation must be 'nearest' or 'bilinear'. Received: interpolation=%r."
                         % (owner, interpolation))
    size = geometry.normalize_tuple(size, rank, 'size', owner)
    return apply('upsampling%dd' % rank, x, size=size, data_format=_data_format(data_format),
                 interpolation=interpolation)


# -- K functions, Keras 2 signatures ---------------------------------------------------
def _fixed_rank(x, kernel, rank, owner):
    x, kernel = _operands(x, kernel)
    _check_rank(owner, x, rank)
    _check_kernel(owner, kernel, rank)
    return x, kernel


def conv1d(x, kernel, strides=1, padding='valid', data_format=None, dilation_rate=1):
    """1D convolution; ``padding`` may be 'valid', 'same' or 'causal'."""
    x, kernel = _fixed_rank(x, kernel, 1, 'K.conv1d')
    return convolve(x, kernel, None, strides, padding, data_format, dilation_rate)


def conv2d(x, kernel, strides=(1, 1), padding='valid', data_format=None, dilation_rate=(1, 1)):
    """2D convolution; ``kernel`` is ``(kh, kw, in_channels // groups, filters)``."""
    x, kernel = _fixed_rank(x, kernel, 2, 'K.conv2d')
    return convolve(x, kernel, None, strides, padding, data_format, dilation_rate)


def conv3d(x, kernel, strides=(1, 1, 1), padding='valid', data_format=None, dilation_rate=(1, 1, 1)):
    """``K.conv3d``: 3D convolution of a rank-5 tensor."""
    x, kernel = _fixed_rank(x, kernel, 3, 'K.conv3d')
    return convolve(x, kernel, None, strides, padding, data_format, dilation_rate)


def _conv_transpose(owner, rank, x, kernel, output_shape, strides, padding, data_format, dilation_rate):
    x, kernel = _fixed_rank(x, kernel, rank, owner)
    data_format = _data_format(data_format)
    output_shape = tuple(output_shape)
    if len(output_shape) != rank + 2:
        raise ValueError('%s: output_shape must be the full output shape (batch, %d spatial sizes, filters; '
                         'channels first: batch, filters, sizes). Received: output_shape=%r.'
                         % (owner, rank, output_shape))
    channels = output_shape[_channel_axis(data_format, rank + 2)]
    if channels is not None and channels != kernel.shape[-2]:
        raise ShapeError('%s: output_shape has %s channels but the kernel makes %d (kernel.shape[-2]). '
                         'Received: output_shape=%r, kernel.shape=%s, data_format=%r.'
                         % (owner, channels, kernel.shape[-2], output_shape, tuple(kernel.shape), data_format))
    return convolve_transpose(x, kernel, None, _spatial(output_shape, data_format), strides, padding,
                              data_format, dilation_rate, owner=owner)


def conv2d_transpose(x, kernel, output_shape, strides=(1, 1), padding='valid', data_format=None,
                     dilation_rate=(1, 1)):
    """2D transposed convolution; ``kernel`` is ``(kh, kw, filters, in_channels)`` and
    ``output_shape`` the full output shape (batch and channels included, in ``data_format``)."""
    return _conv_transpose('K.conv2d_transpose', 2, x, kernel, output_shape, strides, padding, data_format,
                           dilation_rate)


def conv3d_transpose(x, kernel, output_shape, strides=(1, 1, 1), padding='valid', data_format=None):
    """3D transposed convolution (Keras 2's ``K.conv3d_transpose``); ``kernel`` is
    ``(kd, kh, kw, filters, in_channels)`` and ``output_shape`` the full 5-D output shape."""
    return _conv_transpose('K.conv3d_transpose', 3, x, kernel, output_shape, strides, padding, data_format, 1)


def depthwise_conv2d(x, depthwise_kernel, strides=(1, 1), padding='valid', data_format=None,
                     dilation_rate=(1, 1)):
    """Per-channel 2D convolution; ``depthwise_kernel`` is ``(kh, kw, in_channels, multiplier)``."""
    x, depthwise_kernel = _fixed_rank(x, depthwise_kernel, 2, 'K.depthwise_conv2d')
    return depthwise_convolve(x, depthwise_kernel, None, strides, padding, data_format, dilation_rate)


def separable_conv1d(x, depthwise_kernel, pointwise_kernel, strides=1, padding='valid', data_format=None,
                     dilation_rate=1):
    """Depthwise then pointwise 1D convolution (Keras 2's ``K.separable_conv1d``);
    ``depthwise_kernel`` is ``(k, in_channels, multiplier)``, ``pointwise_kernel``
    ``(1, in_channels * multiplier, filters)``."""
    x, depthwise_kernel = _fixed_rank(x, depthwise_kernel, 1, 'K.separable_conv1d')
    return separable_convolve(x, depthwise_kernel, pointwise_kernel, None, strides, padding, data_format,
                              dilation_rate)


def separable_conv2d(x, depthwise_kernel, pointwise_kernel, strides=(1, 1), padding='valid',
                     data_format=None, dilation_rate=(1, 1)):
    """Depthwise then pointwise 2D convolution; ``pointwise_kernel`` is
    ``(1, 1, in_channels * multiplier, filters)``."""
    x, depthwise_kernel = _fixed_rank(x, depthwise_kernel, 2, 'K.separable_conv2d')
    return separable_convolve(x, depthwise_kernel, pointwise_kernel, None, strides, padding, data_format,
                              dilation_rate)


def pool2d(x, pool_size, strides=(1, 1), padding='valid', data_format=None, pool_mode='max'):
    """2D pooling; ``pool_mode`` is 'max' or 'avg' (Keras 2's default strides are (1, 1))."""
    x = to_tensor(x)
    _check_rank('K.pool2d', x, 2)
    return pool(x, pool_size, strides, padding, data_format, pool_mode, owner='K.pool2d')


def pool3d(x, pool_size, strides=(1, 1, 1), padding='valid', data_format=None, pool_mode='max'):
    """``K.pool3d``: 3D max or average pooling of a rank-5 tensor."""
    x = to_tensor(x)
    _check_rank('K.pool3d', x, 3)
    return pool(x, pool_size, strides, padding, data_format, pool_mode, owner='K.pool3d')


def resize_images(x, height_factor, width_factor, data_format, interpolation='nearest'):
    """Scale the rows and columns of a 4D tensor by integer factors (``UpSampling2D``'s op)."""
    x = to_tensor(x)
    _check_rank('K.resize_images', x, 2)
    return upsample(x, (height_factor, width_factor), data_format, interpolation, owner='K.resize_images')


def resize_volumes(x, depth_factor, height_factor, width_factor, data_format):
    """Repeat the three spatial axes of a 5D tensor by integer factors (``UpSampling3D``'s op)."""
    x = to_tensor(x)
    _check_rank('K.resize_volumes', x, 3)
    return upsample(x, (depth_factor, height_factor, width_factor), data_format, owner='K.resize_volumes')


#: the functions registered as ``K.<name>``
OPS = [conv1d, conv2d, conv3d, conv2d_transpose, conv3d_transpose, depthwise_conv2d, separable_conv1d,
       separable_conv2d, pool2d, pool3d,
       resize_images, resize_volumes]
