"""The CUDA backend: CuPy arrays, with a guarded import and one clear error.

Creating the backend object imports nothing; CuPy is imported when the backend
is activated (``kcore.backend.set_backend('cuda')`` or ``KCORE_BACKEND=cuda``).
"""
import numpy as np

from kcore.backend.device import Backend
from kcore.errors import BackendError

INSTALL = 'pip install "kcore-gpu[cuda12]" (or the cupy-cudaXXx wheel matching your CUDA toolkit)'


class CudaBackend(Backend):
    name = 'cuda'
    install_hint = INSTALL
    device_type = 'gpu'

    def _import(self):
        try:
            import cupy
        except ImportError as e:
            raise BackendError('The cuda backend needs CuPy, which is not installed (%s). Install it with: %s.'
                               % (e, INSTALL)) from None
        return cupy

    def check_available(self):
        cupy = self._import()
        try:
            count = cupy.cuda.runtime.getDeviceCount()
        except Exception as e:  # CUDA driver missing or broken
            raise BackendError('The cuda backend found no usable CUDA device: %s. Check the NVIDIA driver '
                               '(nvidia-smi) or use KCORE_BACKEND=numpy.' % e) from None
        if count < 1:
            raise BackendError('The cuda backend found no CUDA device on this machine. Use KCORE_BACKEND=numpy.')

    def load_xp(self):
        return self._import()

    def device_count(self):
        try:
            return self._import().cuda.runtime.getDeviceCount()
        except Exception:
            return 0

    def synchronize(self):
        self.xp.cuda.Stream.null.synchronize()

    def asarray(self, value, dtype=None):
        return self.xp.asarray(value, dtype=dtype)

    def to_numpy(self, array):
        if isinstance(array, np.ndarray):
            return array
        return self.xp.asnumpy(array)

    def random_generator(self, seed=None):
        return self.xp.random.default_rng(seed)
