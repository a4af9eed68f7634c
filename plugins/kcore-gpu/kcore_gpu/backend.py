"""The CUDA backend: CuPy arrays, with a guarded import and one clear error.

Creating the backend object imports nothing; CuPy is imported when the backend
is activated (``kcore.backend.set_backend('cuda')``, ``KCORE_BACKEND=cuda`` or
``KCORE_DEVICE=cuda:1``).  One instance per device (``Backend.for_device``); its
``activate`` makes that device current for the thread.  Allocations go through
one CuPy ``MemoryPool`` per process (its limit: ``KCORE_GPU_MEMORY_LIMIT``, bytes,
``'8GB'``-style, or a fraction of the device such as ``0.8``); running out raises
``kcore.errors.DeviceMemoryError`` with the bytes asked for and free.
"""
import os
import re
import warnings

import numpy as np

from kcore.backend.device import Backend
from kcore.errors import BackendError, DeviceMemoryError

INSTALL = 'pip install "kcore-gpu[cuda12]" (or the cupy-cudaXXx wheel matching your CUDA toolkit)'
_UNITS = {'': 1, 'B': 1, 'KB': 1 << 10, 'MB': 1 << 20, 'GB': 1 << 30, 'TB': 1 << 40}


def parse_memory_limit(text, total):
    """``KCORE_GPU_MEMORY_LIMIT`` to bytes: ``'0.8'`` (a fraction of ``total``), ``'8GB'``, ``'1073741824'``.

    Raises:
        BackendError: for text that is none of those.
    """
    s = str(text).strip().upper()
    m = re.fullmatch(r'(\d+(?:\.\d+)?)\s*([KMGT]?B?)', s)
    if not m:
        raise BackendError('KCORE_GPU_MEMORY_LIMIT=%r is not a size: use a fraction (0.8), bytes or 8GB.' % text)
    value, unit = float(m.group(1)), m.group(2)
    if unit == '' and value <= 1.0:
        return int(value * total)
    if unit and not unit.endswith('B'):
        unit += 'B'
    return int(value * _UNITS[unit])


class CudaBackend(Backend):
    """The ``cuda`` backend on CuPy; ``device_index`` is the GPU (``for_device``)."""

    name = 'cuda'
    install_hint = INSTALL
    device_type = 'gpu'
    #: the process's CuPy memory pool (one for every device), made on first activation
    _pool = None

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
        cupy = self._import()
        self._install_pool(cupy)
        return cupy

    def activate(self):
        self.xp.cuda.Device(self.device_index).use()

    def device_of(self, array):
        cupy = self.xp
        if isinstance(array, cupy.ndarray):
            return 'cuda:%d' % array.device.id
        if isinstance(array, np.ndarray):
            return 'cpu'
        return None

    # -- memory ---------------------------------------------------------------------
    def _install_pool(self, cupy):
        if CudaBackend._pool is not None:
            return
        pool = cupy.cuda.MemoryPool()
        limit = os.environ.get('KCORE_GPU_MEMORY_LIMIT')
        if limit:
            total = cupy.cuda.runtime.memGetInfo()[1]
            pool.set_limit(size=parse_memory_limit(limit, total))
        CudaBackend._pool = pool
        cupy.cuda.set_allocator(_allocator(cupy, pool))

    def memory_info(self):
        """The pool's ``used``/``pooled`` bytes, the device's ``free``/``total`` (``kcore info``),
        and the pool's ``limit`` (0: none)."""
        cupy = self.xp
        pool = CudaBackend._pool
        with cupy.cuda.Device(self.device_index):
            free, total = cupy.cuda.runtime.memGetInfo()
        return {'used': int(pool.used_bytes()) if pool else 0, 'pooled': int(pool.total_bytes()) if pool else 0,
                'free': int(free), 'total': int(total), 'limit': int(pool.get_limit()) if pool else 0}

    def memory_error(self, error, requested=None):
        """CuPy's ``OutOfMemoryError`` (and ``MemoryError``) as ``DeviceMemoryError``, with the
        bytes asked for (CuPy's message carries them) and free on the device."""
        cupy = self.xp
        if isinstance(error, DeviceMemoryError):
            return None
        if isinstance(error, cupy.cuda.memory.OutOfMemoryError):
            if requested is None:
                m = re.search(r'allocating ([\d,]+) bytes', str(error))
                requested = int(m.group(1).replace(',', '')) if m else None
            return _out_of_memory(cupy, requested, CudaBackend._pool)
        return super().memory_error(error, requested)

    # -- the rest of the contract -----------------------------------------------------
    def device_count(self):
        try:
            return self._import().cuda.runtime.getDeviceCount()
        except Exception:
            return 0

    def synchronize(self):
        self.xp.cuda.Device(self.device_index).synchronize()

    def asarray(self, value, dtype=None):
        return self.xp.asarray(value, dtype=dtype)

    def to_numpy(self, array):
        if isinstance(array, np.ndarray):
            return array
        return self.xp.asnumpy(array)

    def random_generator(self, seed=None):
        return self.xp.random.default_rng(seed)

    def replicate_model(self, model, gpus):
        """``multi_gpu_model``: ``model`` trained data-parallel over CUDA devices 0 to ``gpus - 1``
        (``kcore_gpu.data_parallel``)."""
        from kcore_gpu.data_parallel import replicate
        return replicate(model, gpus)

    can_capture = True
    _warned_capture = False

    def capture_step(self, fn):
        """A CUDA graph of ``fn()``, replayed by the returned callable; ``None`` (after one
        warning) when capture fails.  ``fn`` runs once eagerly first (its allocations and
        lazily built state then exist), then once under capture (which runs no kernel).

        ``fn`` must read and write only device buffers that live across calls (static
        shapes): a replay repeats the same launches on the same addresses.  What the
        capture allocates comes from a private pool kept with the graph, so no array
        made later can share memory the graph writes.
        """
        cupy = self.xp
        stream = cupy.cuda.Stream(non_blocking=True)
        graph_pool = cupy.cuda.MemoryPool()
        try:
            with stream:
                fn()
                stream.synchronize()
                with cupy.cuda.using_allocator(graph_pool.malloc):
                    stream.begin_capture(mode=cupy.cuda.runtime.streamCaptureModeRelaxed)
                    try:
                        fn()
                    finally:
                        graph = stream.end_capture()
        except Exception as e:  # an op that syncs with the host inside the step, or an unsupported call
            if not CudaBackend._warned_capture:
                warnings.warn('CUDA graph capture of the train step failed (%s: %s); running eagerly.'
                              % (type(e).__name__, str(e)[:200]), RuntimeWarning, stacklevel=2)
                CudaBackend._warned_capture = True
            return None

        def replay():
            graph.launch(stream)
            stream.synchronize()
        replay.graph_pool = graph_pool  # kept alive as long as the graph
        return replay


def _out_of_memory(cupy, requested, pool):
    device = cupy.cuda.Device().id
    free, total = cupy.cuda.runtime.memGetInfo()
    detail = 'device total %d bytes' % total
    if pool is not None:
        detail += ', kcore pool %d bytes in use' % pool.used_bytes()
        if pool.get_limit():
            detail += ' of a %d-byte limit (KCORE_GPU_MEMORY_LIMIT)' % pool.get_limit()
    return DeviceMemoryError.build('cuda:%d' % device, requested, free, detail)


def _allocator(cupy, pool):
    """``pool.malloc``, retried once after freeing the pool's cached blocks; then a
    ``DeviceMemoryError`` with the bytes asked for and free."""
    def malloc(size):
        try:
            return pool.malloc(size)
        except cupy.cuda.memory.OutOfMemoryError:
            pool.free_all_blocks()
            try:
                return pool.malloc(size)
            except cupy.cuda.memory.OutOfMemoryError:
                raise _out_of_memory(cupy, size, pool) from None
    return malloc
