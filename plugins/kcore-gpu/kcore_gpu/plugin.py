"""kcore-gpu's hooks: the ``cuda`` backend (alias ``cupy``)."""
from kcore.plugins import hookimpl


@hookimpl
def register_backends(register):
    from kcore_gpu.backend import CudaBackend
    register(CudaBackend(), aliases=('cupy',))
