"""Array-level kernels, registered by op name (one name per rank, so a device
backend can override, say, only ``conv2d``); each kernel is N-d.

The generic kernels (``generic_conv``, ``generic_pool``) are device-neutral:
whole-batch im2col and one ``xp.matmul``, written only against the active
array module.  The NumPy backend overrides them (``conv2d@numpy``, ...) with
the cache-chunked, threaded kernels of ``convolution``, ``depthwise`` and
``pool``.  Each generic kernel is registered with an ``example`` that the
override check runs both on.

What an override receives (arrays positional, the rest keywords, all normalised
by ``kcore_conv.ops``: tuples of ints, lower-case strings):

- ``conv{r}d(x, kernel[, bias], strides, padding, dilation_rate, data_format, activation)``:
  ``padding`` is 'valid', 'same' or 'causal'; ``activation`` is None or 'relu' (fused);
  groups are ``in_channels // kernel.shape[-2]``.
- ``conv{r}d_transpose(x, kernel[, bias], output_sizes, strides, padding, dilation_rate, data_format)``.
- ``depthwise_conv{r}d`` as ``conv``, kernel ``(*k, in_channels, multiplier)``;
  ``separable_conv{r}d(x, depthwise_kernel, pointwise_kernel[, bias], ...)`` likewise.
- ``max_pool{r}d``/``avg_pool{r}d(x, pool_size, strides, padding, data_format)``.
- ``upsampling{r}d(x, size, data_format, interpolation)``: 'nearest' or 'bilinear'.
"""
from kcore_conv.kernels import convolution, generic_conv, generic_pool, pool
from kcore_conv.kernels.examples import EXAMPLES
from kcore_conv.kernels.resize import upsampling


def _per_rank(prefix, fn, ranks=(1, 2, 3), suffix=''):
    return {'%s%dd%s' % (prefix, r, suffix): fn for r in ranks}


def _table(conv, conv_transpose, depthwise_conv, separable_conv, max_pool, avg_pool):
    return {
        **_per_rank('conv', conv),
        **_per_rank('conv', conv_transpose, suffix='_transpose'),
        **_per_rank('depthwise_conv', depthwise_conv, ranks=(1, 2)),
        **_per_rank('separable_conv', separable_conv, ranks=(1, 2)),
        **_per_rank('max_pool', max_pool),
        **_per_rank('avg_pool', avg_pool),
    }


#: kernel name -> generic (device-neutral) implementation
KERNELS = {
    **_table(generic_conv.conv, generic_conv.conv_transpose, generic_conv.depthwise_conv,
             generic_conv.separable_conv, generic_pool.max_pool, generic_pool.avg_pool),
    **_per_rank('upsampling', upsampling),
}

#: kernel name -> the NumPy backend's override (registered as ``name@numpy``)
NUMPY_KERNELS = _table(convolution.conv, convolution.conv_transpose, convolution.depthwise_conv,
                       convolution.separable_conv, pool.max_pool, pool.avg_pool)

__all__ = ['EXAMPLES', 'KERNELS', 'NUMPY_KERNELS']
