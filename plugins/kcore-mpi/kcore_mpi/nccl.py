"""Gradient all-reduce on the GPU with NCCL (``cupy.cuda.nccl``).

Rank 0 creates NCCL's unique id and MPI broadcasts it (as bytes in a raw
buffer); every rank then joins one NCCL communicator and sums the gradient
buffer in device memory, on the current stream: gradients never go through
the host.  Each rank uses the GPU ``local rank % device count``, the local
rank being its index among the ranks of its machine.

Written against CuPy's documented NCCL binding; kcore's CI has no GPU, so this
path is not exercised there (see docs/distributed.md).
"""
import numpy as np

from kcore.errors import DistributedError

_NCCL_TYPES = {'float32': 'NCCL_FLOAT32', 'float64': 'NCCL_FLOAT64', 'float16': 'NCCL_FLOAT16'}


class NcclAllreduce:
    """Sums GPU arrays across processes with NCCL (used by the MPI strategy when CuPy is active)."""
    def __init__(self, comm):
        try:
            import cupy
            from cupy.cuda import nccl
        except ImportError as e:
            raise DistributedError('MPIDataParallel(nccl=True) needs CuPy with NCCL (%s). Install kcore-gpu with '
                                   'CuPy for your CUDA version, or pass nccl=False to reduce through MPI.'
                                   % (e,)) from None
        from mpi4py import MPI
        self.cupy, self.nccl = cupy, nccl
        local = comm.Split_type(MPI.COMM_TYPE_SHARED)
        cupy.cuda.Device(local.Get_rank() % cupy.cuda.runtime.getDeviceCount()).use()
        local.Free()
        uid = nccl.get_unique_id() if comm.Get_rank() == 0 else None
        raw = np.zeros(nccl.NCCL_UNIQUE_ID_BYTES if hasattr(nccl, 'NCCL_UNIQUE_ID_BYTES') else 128, dtype=np.int8)
        if uid is not None:
            raw[:len(uid)] = np.asarray(uid, dtype=np.int8)
        comm.Bcast(raw, root=0)
        self.comm = nccl.NcclCommunicator(comm.Get_size(), tuple(int(b) for b in raw), comm.Get_rank())

    def allreduce(self, buffer):
        """Sum ``buffer`` (a CuPy array) over the ranks, in place, on the current stream."""
        kind = _NCCL_TYPES.get(buffer.dtype.name)
        if kind is None:
            raise DistributedError('NCCL all-reduce: gradients of dtype %s are not supported. Expected one of %s.'
                                   % (buffer.dtype, ', '.join(_NCCL_TYPES)))
        stream = self.cupy.cuda.get_current_stream()
        self.comm.allReduce(buffer.data.ptr, buffer.data.ptr, buffer.size, getattr(self.nccl, kind),
                            self.nccl.NCCL_SUM, stream.ptr)
