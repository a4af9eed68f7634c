"""kcore-gpu's hooks: the ``cuda`` backend (alias ``cupy``) and its fused kernels."""
from kcore.plugins import hookimpl


@hookimpl
def register_backends(register):
    """Hook: register the CUDA backend (also named ``'cupy'``)."""
    from kcore_gpu.backend import CudaBackend
    register(CudaBackend(), aliases=('cupy',))


@hookimpl
def register_kernels(register):
    """Hook: register the fused CUDA kernels as ``<name>@cuda``, each with its ``supports=``."""
    from kcore_gpu.kernels import KERNELS
    for name, fn in sorted(KERNELS.items()):
        register(fn, name=name, backend='cuda', supports=fn.supports)
