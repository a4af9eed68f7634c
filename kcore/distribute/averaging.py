"""Gradient averaging over replicas through one flat buffer.

Any data-parallel engine (MPI across processes, NCCL across GPUs, a
``multi_gpu_model`` across devices of one process) does the same three things
each step: lay every gradient end to end in one contiguous buffer, reduce that
buffer with a single collective, and read the averaged gradients back as views.
One call per step instead of one per variable is what makes the reduction
cheap: latency is paid once, and the collective sees one large message.

Replicas may hold slices of unequal size (the last batch of an epoch), so each
replica adds its gradients multiplied by its number of samples, and the
average divides by the total: exactly the gradient of the mean loss over the
global batch.  A variable without a gradient (``None``: unconnected) counts as
zeros, with a flag in the buffer so that it stays ``None`` after the reduction.
"""
import numpy as np


class GradientBuffer:
    """One flat buffer over ``variables`` (arrays of namespace ``xp``).

    Layout: the gradients end to end (in ``variables`` order), then one
    presence flag per variable, then the sample count.  ``pack`` fills it,
    the engine sums it over replicas in place, ``unpack`` reads the average.
    """

    def __init__(self, variables, xp):
        self.xp = xp
        self.shapes = [tuple(v.shape) for v in variables]
        sizes = [int(np.prod(s)) for s in self.shapes]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.numel = int(self.offsets[-1])
        self.dtype = np.result_type(*[v.dtype for v in variables]) if variables else np.float32
        n = len(variables)
        self.buffer = xp.zeros(self.numel + n + 1, dtype=self.dtype)
        self.flags = self.buffer[self.numel:self.numel + n]

    def matches(self, variables):
        return [tuple(v.shape) for v in variables] == self.shapes

    def segment(self, i):
        """The part of the buffer that holds variable ``i``'s gradient (a flat view)."""
        return self.buffer[self.offsets[i]:self.offsets[i + 1]]

    def put(self, i, grad, samples):
        """Write variable ``i``'s gradient, scaled by this replica's sample count."""
        seg = self.segment(i)
        if grad is None:
            seg[...] = 0
            self.flags[i] = 0
            return
        self.xp.multiply(grad.reshape(-1), samples, out=seg)
        self.flags[i] = 1

    def pack(self, grads, samples):
        """Fill the buffer from this replica's gradients (``None`` when it has no data)."""
        if grads is None:
            self.buffer[...] = 0
        else:
            for i, g in enumerate(grads):
                self.put(i, g, samples)
        self.buffer[-1] = samples
        return self.buffer

    def unpack(self):
        """After the buffer holds the sum over replicas: the averaged gradients,
        views into the buffer shaped like the variables (``None`` where no replica
        had one).  Valid until the next ``pack``."""
        total = self.buffer[-1:]  # stays on the device: no host sync for the division
        self.buffer[:self.numel] /= self.xp.maximum(total, 1)
        present = getattr(self.xp, 'asnumpy', np.asarray)(self.flags)
        return [self.segment(i).reshape(shape) if present[i] > 0 else None
                for i, shape in enumerate(self.shapes)]


def average_gradients(grads, samples, buffer, allreduce_sum):
    """Pack, reduce with ``allreduce_sum(buffer)`` (in place), unpack."""
    buffer.pack(grads, samples)
    allreduce_sum(buffer.buffer)
    return buffer.unpack()


def average_over_replicas(grads_per_replica, samples_per_replica, buffers, allreduce_sum_all):
    """The same average for replicas of one process (``multi_gpu_model``): pack each replica's
    gradients into its own buffer (on its own device), sum all buffers in place with one
    collective ``allreduce_sum_all(list_of_buffers)`` (NCCL across GPUs, or
    ``sum_in_place`` on the host), and read the average from the first buffer.

    Returns the first replica's averaged gradients (views into ``buffers[0]``).
    """
    for grads, samples, buf in zip(grads_per_replica, samples_per_replica, buffers):
        buf.pack(grads, samples)
    allreduce_sum_all([b.buffer for b in buffers])
    return buffers[0].unpack()


def sum_in_place(arrays):
    """The host reducer: every array becomes the sum of all (arrays of one namespace)."""
    total = arrays[0].copy()
    for a in arrays[1:]:
        total += a
    for a in arrays:
        a[...] = total
