"""All-reduce in buckets that start while the backward pass still runs.

The gradient buffer is cut into buckets of about ``bucket_bytes``, taken from
its end (the last layers' gradients complete first in the backward pass).  As
``kcore.autodiff.gradients`` reports each gradient complete (``on_ready``), it
is written into the buffer; a bucket whose gradients are all in starts a
non-blocking ``Iallreduce``.  The presence flags and the sample count are
reduced last, then every request is awaited.  This is the design of PyTorch
DDP and Horovod; whether it pays depends on the MPI library making progress
in the background, which ``benchmarks/bench_mpi.py`` measures.
"""
from kcore.autodiff.tensor import gradients


def plan_buckets(buffer, bucket_bytes):
    """Variable index -> bucket number, and each bucket's (start, stop) in the buffer.

    Buckets are runs of consecutive variables, numbered from the last variable."""
    itemsize = buffer.buffer.dtype.itemsize
    n = len(buffer.shapes)
    bucket_of, bounds = [0] * n, []
    stop, size = n, 0
    for i in range(n - 1, -1, -1):
        size += int(buffer.offsets[i + 1] - buffer.offsets[i]) * itemsize
        bucket_of[i] = len(bounds)
        if size >= bucket_bytes or i == 0:
            bounds.append((int(buffer.offsets[i]), int(buffer.offsets[stop])))
            stop, size = i, 0
    return bucket_of, bounds


class BucketedReducer:
    """Reduces one ``GradientBuffer`` bucket by bucket.  Buckets start in their
    number order on every rank (non-blocking collectives must match), as soon
    as they and all the buckets before them are complete."""

    def __init__(self, buffer, bucket_bytes, comm, MPI):
        self.buffer, self.comm, self.MPI = buffer, comm, MPI
        self.bucket_of, self.bounds = plan_buckets(buffer, bucket_bytes)
        self.sizes = [self.bucket_of.count(b) for b in range(len(self.bounds))]

    def gradients(self, loss, variables, samples):
        """The averaged gradients; ``loss`` None (no rows here) contributes zeros."""
        buffer, MPI = self.buffer, self.MPI
        missing = list(self.sizes)
        requests = []

        def start_ready_buckets():
            while len(requests) < len(missing) and missing[len(requests)] == 0:
                start, stop = self.bounds[len(requests)]
                requests.append(self.comm.Iallreduce(MPI.IN_PLACE, buffer.buffer[start:stop], op=MPI.SUM))

        def on_ready(i, grad):
            buffer.put(i, grad, samples)
            missing[self.bucket_of[i]] -= 1
            start_ready_buckets()
            if requests:
                MPI.Request.Testall(requests)  # lets the library move the started ones along

        if loss is None:
            buffer.pack(None, 0)
            missing = [0] * len(missing)
            start_ready_buckets()
        else:
            gradients(loss, variables, on_ready=on_ready)
        buffer.buffer[-1] = samples
        self.comm.Allreduce(MPI.IN_PLACE, buffer.buffer[buffer.numel:], op=MPI.SUM)
        MPI.Request.Waitall(requests)
        return buffer.unpack()
