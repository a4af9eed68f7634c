"""kcore-gpu's hooks: the ``cuda`` backend (alias ``cupy``)."""
from kcore.plugins import hookimpl


@hookimpl
def register_backends(register):
    """Hook: register the CUDA backend (also named ``'cupy'``)."""
    from kcore_gpu.backend import CudaBackend
    register(CudaBackend(), aliases=('cupy',))
