"""Array-level kernels, registered by op name (one name per rank, so a device
backend can override, say, only ``conv2d``); each generic kernel is N-d."""
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
