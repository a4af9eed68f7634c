"""kcore-gpu: the CUDA backend (``KCORE_BACKEND=cuda``), on CuPy."""
from kcore_gpu.backend import CudaBackend  # noqa: F401
