"""kcore-conv: convolution, pooling, padding, cropping and up-sampling layers and their K ops."""
