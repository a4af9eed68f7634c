"""The contract between the training loop and a distribution engine.

``Strategy`` is what ``fit``/``evaluate``/``predict`` call at the few points
where several processes must cooperate; its methods are the single-process
behaviour, so the trainer calls them unconditionally and one process pays
nothing.  An engine (kcore-mpi's ``MPIDataParallel``) subclasses it and
overrides those methods; it reaches kcore through the ``register_strategies``
hook and is found as ``kcore.distribute.<Name>``.

What the trainer relies on, in the order a ``fit`` uses it:

- ``scope()``: a model compiled inside it trains with this strategy
  (``model.distribute_strategy``).
- ``prepare(model)``: once the model is built, before the first step: every
  process starts from the same weights and optimizer state.
- ``permutation(n)``: the shuffling order, the same on every process.
- ``shard(batch)``: this process's slice of a global batch.
- ``gradients(loss, variables, samples)``: the gradients of the global batch
  (``loss is None`` with ``samples == 0`` for an empty slice).
- ``merged_metrics(metrics)``: a block in which the metrics hold the state of
  the whole global data, so logs (and the callbacks reading them) agree.
- ``agree(flag)``: one decision for all (``stop_training``).
- ``sync_state(model)``: after an epoch, non-trainable state (BatchNorm
  statistics) made the same everywhere.
- ``callbacks(list)``: those this process runs (``Callback.chief_only`` ones
  run on the chief only).
- ``gather(chunks)``: ``predict``'s per-batch outputs of every process, in order.
"""
import contextlib

import numpy as np

from kcore.autodiff.tensor import gradients
from kcore.runtime import rng as _rng

_current = []


def get_strategy():
    """The strategy of the innermost ``scope()``, or the single-process default."""
    return _current[-1] if _current else DEFAULT


class Strategy:
    """Single-process training: every method is what one process does alone.

    ``rank`` is this process's index and ``size`` the number of processes;
    the process with ``rank == 0`` is the chief (it prints and writes files).
    """

    rank = 0
    size = 1

    @property
    def is_chief(self):
        """Whether this process is rank 0, the one that prints, saves and logs."""
        return self.rank == 0

    @contextlib.contextmanager
    def scope(self):
        """Models compiled inside this block train with this strategy."""
        _current.append(self)
        try:
            yield self
        finally:
            _current.remove(self)

    def prepare(self, model):
        """Called once per ``fit``, when the model is built and before its first step."""

    def permutation(self, n):
        """The shuffled sample order of an epoch, the same on every process.

        Args:
            n: The number of samples.

        Returns:
            A permutation of ``range(n)`` as an int array.
        """
        return np.asarray(_rng.host_generator().permutation(n))

    def shard(self, batch):
        """This process's part of ``batch`` (an ``(x, y, sample_weight)`` triple)."""
        return batch

    def gradients(self, loss, variables, samples):
        """The gradients of ``loss`` for ``variables``, averaged over the global batch.

        ``samples`` is the number of rows behind ``loss`` on this process, so that
        slices of unequal size are weighted as one batch would weigh them."""
        return gradients(loss, variables)

    def merged_metrics(self, metrics):
        """A context in which ``metrics`` report on the data of every process."""
        return contextlib.nullcontext()

    def agree(self, flag):
        """True on every process when ``flag`` is true on any."""
        return bool(flag)

    def sync_state(self, model):
        """Make state that training changes outside the gradients (BatchNorm's
        moving statistics) the same on every process."""

    def callbacks(self, callbacks):
        """The callbacks this process runs: all on the chief, the others leave out
        those marked ``chief_only`` (they print or write files)."""
        return [cb for cb in callbacks if self.is_chief or not getattr(cb, 'chief_only', False)]

    def gather(self, chunks):
        """``chunks``: for each batch, the list of this process's output arrays.
        Returns one array per output holding every row of the data, in order."""
        return [np.concatenate([c[i] for c in chunks]) for i in range(len(chunks[0]))]

    def __repr__(self):
        return '<%s rank=%d size=%d>' % (type(self).__name__, self.rank, self.size)


DEFAULT = Strategy()
