"""Array-level kernels, registered by op name (one name per rank, so a device
backend can override, say, only ``conv2d``); each generic kernel is N-d.

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
from kcore_conv.kernels.convolution import conv, conv_transpose, depthwise_conv, separable_conv
from kcore_conv.kernels.pool import avg_pool, max_pool
from kcore_conv.kernels.resize import upsampling


def _per_rank(prefix, fn, ranks=(1, 2, 3), suffix=''):
    return {'%s%dd%s' % (prefix, r, suffix): fn for r in ranks}


#: kernel name -> generic implementation
KERNELS = {
    **_per_rank('conv', conv),
    **_per_rank('conv', conv_transpose, suffix='_transpose'),
    **_per_rank('depthwise_conv', depthwise_conv, ranks=(1, 2)),
    **_per_rank('separable_conv', separable_conv, ranks=(1, 2)),
    **_per_rank('max_pool', max_pool),
    **_per_rank('avg_pool', avg_pool),
    **_per_rank('upsampling', upsampling),
}
