"""``MPIDataParallel``: every process trains on its slice of each global batch.

    mpiexec -n 4 python train.py

The script is the same on every rank.  Each rank reads the whole global batch
(arrays, generator or Sequence alike) and keeps its contiguous slice of it;
after the backward pass one fused all-reduce sums ``samples * gradient`` over
the ranks (``kcore.distribute.averaging``), so every rank applies the gradient
of the mean loss over the global batch and the weights stay identical.  Rank
0's weights and optimizer state are broadcast before the first step.  Metrics
are merged by summing their states (sample counts included), so the logs, and
every callback decision taken from them, are the same on every rank.

Messages are raw buffers (``Allreduce``/``Bcast``/``Allgatherv`` on arrays),
never pickled objects.  On the CUDA backend the gradient buffer is reduced on
the device with NCCL (``kcore_mpi.nccl``); everything else is small and goes
through MPI on the host.
"""
import warnings

import numpy as np

from kcore.backend.device import ACTIVE
from kcore.distribute.averaging import GradientBuffer, average_gradients
from kcore.distribute.strategy import Strategy
from kcore.errors import DistributedError
from kcore.utils import nest
from kcore_mpi import abort
from kcore_mpi.overlap import BucketedReducer

INSTALL = 'pip install mpi4py mpich (or pip install kcore-mpi[mpich])'


def _mpi():
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise DistributedError('MPIDataParallel needs mpi4py, which is not installed (%s). Install it with: %s, '
                               'or build mpi4py against your cluster\'s MPI.' % (e, INSTALL)) from None
    return MPI


class MPIDataParallel(Strategy):
    """Data-parallel training over the processes of ``comm`` (MPI's world by default).

    ``batch_size`` in ``fit``/``evaluate``/``predict`` stays the global batch:
    with ``size`` ranks each computes about ``batch_size / size`` rows.

    - ``overlap=True`` starts the all-reduce of each bucket of about ``bucket_mb``
      megabytes while the backward pass still runs; off by default, as it does
      not clearly pay on CPU (``benchmarks/bench_mpi.py``).
    - ``abort_on_error`` (default) makes an uncaught exception on any rank abort
      every rank, and so does a rank whose exit is not matched by every other
      rank's within ``exit_timeout`` seconds.
    - ``nccl`` (default: on the CUDA backend) sums the gradients on the GPUs with
      NCCL; ``nccl=False`` on the CUDA backend hands the device buffer to MPI
      itself, which needs a CUDA-aware MPI library.
    """

    def __init__(self, comm=None, overlap=False, bucket_mb=4.0, abort_on_error=True, exit_timeout=60.0, nccl=None):
        MPI = _mpi()
        self._MPI = MPI
        self.comm = comm if comm is not None else MPI.COMM_WORLD
        self.rank = self.comm.Get_rank()
        self.size = self.comm.Get_size()
        self.overlap = bool(overlap)
        self.bucket_bytes = int(float(bucket_mb) * 2 ** 20)
        if abort_on_error:
            abort.install(self.comm)
            abort.install_exit_guard(self.comm, exit_timeout)
        if nccl is None:
            nccl = ACTIVE.backend.name == 'cuda'
        self._nccl = None
        if nccl:
            from kcore_mpi.nccl import NcclAllreduce
            self._nccl = NcclAllreduce(self.comm)
        self._buffer = self._buckets = None
        self._warned = set()

    # -- host collectives on small arrays ------------------------------------------------------
    def _allreduce(self, array, op=None):
        array = np.ascontiguousarray(array)
        self.comm.Allreduce(self._MPI.IN_PLACE, array, op=op or self._MPI.SUM)
        return array

    def _bcast(self, array):
        """Rank 0's ``array`` on every rank (a host array of the same shape and dtype everywhere)."""
        array = np.ascontiguousarray(array)
        self.comm.Bcast(array, root=0)
        return array

    def _allreduce_device(self, buffer):
        """Sum a gradient buffer over the ranks in place, where it lives."""
        if self._nccl is not None:
            self._nccl.allreduce(buffer)
        else:
            self.comm.Allreduce(self._MPI.IN_PLACE, buffer, op=self._MPI.SUM)

    # -- start: one model everywhere -----------------------------------------------------------
    def prepare(self, model):
        """Check that every rank built the same model, then copy rank 0's weights and
        optimizer state (iteration and slots) to the others."""
        weights = model.weights
        sizes = np.array([len(weights), sum(int(np.prod(w.shape)) for w in weights)], dtype=np.int64)
        low = self._allreduce(sizes.copy(), self._MPI.MIN)
        high = self._allreduce(sizes.copy(), self._MPI.MAX)
        if (low != high).any():
            raise DistributedError(
                'MPIDataParallel: the ranks built different models. Expected the same weights on every rank. '
                'Received: rank %d has %d weight arrays with %d values, while the ranks range over %s arrays '
                'and %s values. Build the model the same way on every rank (the script must not depend on '
                'the rank).' % (self.rank, sizes[0], sizes[1], (low[0], high[0]), (low[1], high[1])))
        for w in weights:
            self._bcast_into(w.data)
        optimizer = getattr(model, 'optimizer', None)
        if optimizer is not None:
            variables = model.trainable_weights
            state = optimizer.state(variables)  # creates the slots (zeros) where missing
            arrays = [self._bcast(np.array([state[0][1]], dtype=np.int64))[0]]
            for _, slot in state[1:]:
                self._bcast_into(slot)
                arrays.append(slot)
            optimizer.set_state(variables, arrays)
        self._buffer = None

    def _bcast_into(self, array):
        """Overwrite ``array`` (a backend array) with rank 0's values."""
        host = self._bcast(ACTIVE.backend.to_numpy(array))
        if self.rank != 0:
            array[...] = ACTIVE.backend.asarray(host, dtype=array.dtype)

    def sync_state(self, model):
        for w in model.non_trainable_weights:
            self._bcast_into(w.data)

    # -- data ----------------------------------------------------------------------------------
    def permutation(self, n):
        order = super().permutation(n) if self.rank == 0 else np.empty(n, dtype=np.int64)
        return self._bcast(np.asarray(order, dtype=np.int64))

    def _bounds(self, n):
        return n * self.rank // self.size, n * (self.rank + 1) // self.size

    def shard(self, batch):
        x = batch[0] if isinstance(batch, tuple) else batch
        leaves = [a for a in nest.flatten(x) if a is not None]
        if not leaves or not getattr(leaves[0], 'ndim', 0):
            return batch
        lo, hi = self._bounds(leaves[0].shape[0])
        cut = slice(lo, hi)
        return tuple(None if part is None else nest.map_structure(lambda a: None if a is None else a[cut], part)
                     for part in (batch if isinstance(batch, tuple) else (batch,)))

    # -- one step ------------------------------------------------------------------------------
    def gradients(self, loss, variables, samples):
        if self._buffer is None or not self._buffer.matches(variables):
            self._buffer = GradientBuffer(variables, ACTIVE.xp)
            self._buckets = None
        if self.overlap and self._nccl is None:
            if self._buckets is None:
                self._buckets = BucketedReducer(self._buffer, self.bucket_bytes, self.comm, self._MPI)
            return self._buckets.gradients(loss, variables, samples)
        grads = None if loss is None else super().gradients(loss, variables, samples)
        return average_gradients(grads, samples, self._buffer, self._allreduce_device)

    def merged_metrics(self, metrics):
        return _MergedMetrics(self, metrics)

    def agree(self, flag):
        return bool(self._allreduce(np.array([1 if flag else 0], dtype=np.int32), self._MPI.MAX)[0])

    # -- predict -------------------------------------------------------------------------------
    def gather(self, chunks):
        """Every rank's outputs, batch by batch and rank by rank: the order of one process."""
        outputs = self._output_layout(chunks)
        rows = np.array([0 if c is None else c[0].shape[0] for c in chunks], dtype=np.int64)
        all_rows = np.empty((self.size, len(chunks)), dtype=np.int64)
        self.comm.Allgather(rows, all_rows)
        results = []
        for i, (dtype, tail) in enumerate(outputs):
            width = int(np.prod(tail))
            local = [c[i].reshape(-1) for c in chunks if c is not None]
            send = np.ascontiguousarray(np.concatenate(local) if local else np.empty(0, dtype=dtype), dtype=dtype)
            counts = all_rows.sum(axis=1) * width
            recv = np.empty(int(counts.sum()), dtype=dtype)
            self.comm.Allgatherv(send, [recv, counts])
            parts = np.split(recv, np.cumsum(counts)[:-1])
            pieces, starts = [], np.zeros(self.size, dtype=np.int64)
            for b in range(len(chunks)):  # batch by batch, rank by rank
                for r in range(self.size):
                    n = all_rows[r, b] * width
                    pieces.append(parts[r][starts[r]:starts[r] + n])
                    starts[r] += n
            results.append(np.concatenate(pieces).reshape((-1,) + tuple(tail)))
        return results

    def _output_layout(self, chunks):
        """(dtype, trailing shape) per output, agreed from the ranks that have rows."""
        mine = next((c for c in chunks if c is not None), None)
        code = np.full(64, -1, dtype=np.int64)
        if mine is not None:
            desc = [len(mine)]
            for a in mine:
                desc += [np.dtype(a.dtype).num, a.ndim - 1] + list(a.shape[1:])
            if len(desc) > code.size:
                raise DistributedError('MPIDataParallel.predict: the model has too many outputs (%d) to gather. '
                                       'Expected at most 20 outputs of rank <= 2.' % len(mine))
            code[:len(desc)] = desc
        code = self._allreduce(code, self._MPI.MAX)
        n, pos, layout = int(code[0]), 1, []
        for _ in range(n):
            num, ndim = int(code[pos]), int(code[pos + 1])
            tail = tuple(int(d) for d in code[pos + 2:pos + 2 + ndim])
            layout.append((_dtype_of(num), tail))
            pos += 2 + ndim
        return layout

    def __repr__(self):
        return '<MPIDataParallel rank=%d size=%d%s>' % (self.rank, self.size, ' nccl' if self._nccl else '')


def _dtype_of(num):
    for t in (np.float32, np.float64, np.float16, np.int64, np.int32, np.bool_):
        if np.dtype(t).num == num:
            return np.dtype(t)
    raise DistributedError('MPIDataParallel.predict: cannot gather outputs of dtype number %d.' % num)


class _MergedMetrics:
    """Within the block, each metric holds the sum of its state over the ranks."""

    def __init__(self, strategy, metrics):
        self.strategy = strategy
        self.metrics = metrics
        self.saved = []

    def __enter__(self):
        fields, values = [], []
        for m in self.metrics:
            names = tuple(getattr(m, 'summed_state', ()))
            if not names:
                self._warn_unmerged(m)
                continue
            for name in names:
                value = getattr(m, name)
                fields.append((m, name, value))
                values.append(np.asarray(ACTIVE.backend.to_numpy(value) if hasattr(value, 'shape') else value,
                                         dtype=np.float64).reshape(-1))
        if not fields:
            return self
        sizes = [v.size for v in values]
        total = self.strategy._allreduce(np.concatenate(values))
        for (m, name, old), part in zip(fields, np.split(total, np.cumsum(sizes)[:-1])):
            self.saved.append((m, name, old))
            if hasattr(old, 'shape'):
                setattr(m, name, ACTIVE.backend.asarray(part.reshape(old.shape), dtype=old.dtype))
            else:
                setattr(m, name, float(part[0]))
        return self

    def __exit__(self, *exc):
        for m, name, old in self.saved:
            setattr(m, name, old)
        return False

    def _warn_unmerged(self, metric):
        key = type(metric).__name__
        if key in self.strategy._warned:
            return
        self.strategy._warned.add(key)
        warnings.warn('MPIDataParallel: metric %r (%s) declares no summed_state, so each rank reports its own '
                      'value. Name the attributes that hold sums over samples in summed_state to have it merged.'
                      % (metric.name, key), UserWarning, stacklevel=3)
