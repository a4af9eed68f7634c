"""The CUDA backend: CuPy arrays, with a guarded import and one clear error.

Creating the backend object imports nothing; CuPy is imported when the backend
is activated (``kcore.backend.set_backend('cuda')`` or ``KCORE_BACKEND=cuda``).
The device is ``KCORE_DEVICE=cuda:N`` (default the current CuPy device, 0);
``CudaBackend.on(N)`` gives the backend of device ``N``.  Allocations go through
one CuPy ``MemoryPool`` per process (limit: ``KCORE_GPU_MEMORY_LIMIT``, bytes,
``'8GB'``-style, or a fraction of the device such as ``0.8``); running out
raises ``DeviceMemoryError`` with the bytes asked for and free.
"""
import os
import re
import warnings

import numpy as np

from kcore.backend.device import Backend
from kcore.errors import BackendError

INSTALL = 'pip install "kcore-gpu[cuda12]" (or the cupy-cudaXXx wheel matching your CUDA toolkit)'
_UNITS = {'': 1, 'B': 1, 'KB': 1 << 10, 'MB': 1 << 20, 'GB': 1 << 30, 'TB': 1 << 40}


class DeviceMemoryError(BackendError, MemoryError):
    """A CUDA allocation failed: the message says how many bytes were asked for and are free."""


def parse_device(spec):
    """``'cuda'``, ``'cuda:1'``, ``'gpu:1'`` or ``1`` to a device index (``None``: the default).

    Raises:
        BackendError: for a string that names no CUDA device.
    """
    if spec is None or spec == '' or spec in ('cuda', 'gpu', 'cupy'):
        return None
    if isinstance(spec, int) and not isinstance(spec, bool) and spec >= 0:
        return spec
    m = re.fullmatch(r'(?:cuda|gpu|cupy)(?::(\d+))?', str(spec).strip().lower())
    if not m:
        raise BackendError("Unknown CUDA device %r: expected 'cuda', 'cuda:N' (N >= 0) or an index." % (spec,))
    return None if m.group(1) is None else int(m.group(1))


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
    """The ``cuda`` backend on CuPy, for one device (``device_index``; None: ``KCORE_DEVICE`` or 0)."""

    name = 'cuda'
    install_hint = INSTALL
    _pool = None
    _per_device = {}

    def __init__(self, device_index=None):
        super().__init__()
        self.device_index = device_index
        self._warned_capture = False

    @classmethod
    def on(cls, index):
        """The backend of CUDA device ``index`` (one object per index)."""
        index = parse_device(index)
        index = 0 if index is None else index
        if index not in cls._per_device:
            cls._per_device[index] = cls(index)
        return cls._per_device[index]

    @property
    def index(self):
        """The device this backend runs on: its own index, else ``KCORE_DEVICE``'s, else 0."""
        if self.device_index is not None:
            return self.device_index
        env = parse_device(os.environ.get('KCORE_DEVICE'))
        return 0 if env is None else env

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
        if self.index >= count:
            raise BackendError('The cuda backend has no device cuda:%d: this machine has %d CUDA device(s) '
                               '(cuda:0 to cuda:%d). Set KCORE_DEVICE to one of them.'
                               % (self.index, count, count - 1))

    def load_xp(self):
        cupy = self._import()
        cupy.cuda.Device(self.index).use()
        self._install_pool(cupy)
        return cupy

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
        cupy.cuda.set_allocator(self._allocator(cupy, pool))

    @staticmethod
    def _allocator(cupy, pool):
        """``pool.malloc``, retried once after freeing cached blocks; then a ``DeviceMemoryError``."""
        def malloc(size):
            try:
                return pool.malloc(size)
            except cupy.cuda.memory.OutOfMemoryError:
                pool.free_all_blocks()
                try:
                    return pool.malloc(size)
                except cupy.cuda.memory.OutOfMemoryError:
                    free, total = cupy.cuda.runtime.memGetInfo()
                    raise DeviceMemoryError(
                        'CUDA out of memory on cuda:%d: asked for %s, %s free of %s (kcore pool: %s in use%s). '
                        'Use a smaller batch_size or model, or raise KCORE_GPU_MEMORY_LIMIT.'
                        % (cupy.cuda.Device().id, _size(size), _size(free), _size(total), _size(pool.used_bytes()),
                           ', limit %s' % _size(pool.get_limit()) if pool.get_limit() else '')) from None
        return malloc

    def memory_info(self):
        """The device's memory and kcore's pool: a dict of byte counts (``kcore info`` prints it)."""
        cupy = self.xp
        pool = CudaBackend._pool
        free, total = cupy.cuda.runtime.memGetInfo()
        return {'device': 'cuda:%d' % cupy.cuda.Device().id, 'total_bytes': int(total), 'free_bytes': int(free),
                'pool_used_bytes': int(pool.used_bytes()) if pool else 0,
                'pool_held_bytes': int(pool.total_bytes()) if pool else 0,
                'pool_limit_bytes': int(pool.get_limit()) if pool else 0}

    # -- the rest of the contract -----------------------------------------------------
    def device_count(self):
        try:
            return self._import().cuda.runtime.getDeviceCount()
        except Exception:
            return 0

    def synchronize(self):
        self.xp.cuda.Device().synchronize()

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
            if not self._warned_capture:
                warnings.warn('CUDA graph capture of the train step failed (%s: %s); running eagerly.'
                              % (type(e).__name__, str(e)[:200]), RuntimeWarning, stacklevel=2)
                self._warned_capture = True
            return None

        def replay():
            graph.launch(stream)
            stream.synchronize()
        replay.graph_pool = graph_pool  # kept alive as long as the graph
        return replay


def _size(n):
    n = float(n)
    for unit in ('B', 'KiB', 'MiB', 'GiB'):
        if n < 1024 or unit == 'GiB':
            return ('%d %s' % (n, unit)) if unit == 'B' else ('%.1f %s' % (n, unit))
        n /= 1024
