"""kcore-gpu's kernel overrides, by kernel name (registered as ``<name>@cuda``).

Importing this package imports no CuPy: each override compiles its CUDA program
on first use (``kcore_gpu.launch``).  Every override has a ``supports``
predicate; inputs it declines run the generic kernel (``kcore_gpu.overrides``).
Convolution, pooling and LSTM overrides exist only when kcore-conv / kcore-rnn
(their generic kernels) are installed.
"""
from kcore_gpu.kernels import (activations, convolution, gather, losses, normalization,  # noqa: F401
                               optimizers, pooling, recurrent)
from kcore_gpu.overrides import KERNELS

__all__ = ['KERNELS']
