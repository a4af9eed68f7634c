"""What crosses to the device for each training step, and when.

The adapters (``kcore.training.data``) yield host batches of NumPy arrays.  ``BatchFeed``
turns each into the batch a step runs on, all on the host and with one copy per array:

1. ``class_weight`` looked up from the targets and multiplied into the sample weights;
2. the checks that need values (class indices in range for sparse crossentropy), done on
   the host before the copy, so the step itself never reads a value back from the device;
3. every array pinned (``Backend.pin``) and copied (``Backend.to_device``) once; the model,
   the loss and every metric then share these arrays;
4. on a backend with its own ``to_device`` (an asynchronous copy), the copy of batch i+1
   issued before step i runs, so that it overlaps the step; with the default copy
   (``asarray``, the NumPy backend's) each batch is made just before its step.
"""
from kcore.runtime.device import ACTIVE, Backend
from kcore.training import class_weights as class_weights_mod
from kcore.training import data as data_mod
from kcore.utils import nest


class BatchFeed:
    """Host batches ``(x, y, sample_weight)`` to device batches of the same structure.

    Args:
        per_output: a function spreading a target/weight structure over the outputs (a list
            with one entry per output); needed with ``class_weights`` or ``check_targets``.
        class_weights: one ``{class: weight}`` dict (or None) per output, or None.
        check_targets: a function of the per-output host targets of a batch that raises on
            bad values, or None.
    """

    def __init__(self, per_output=None, class_weights=None, check_targets=None):
        self.per_output = per_output
        self.class_weights = class_weights
        self.check_targets = check_targets

    def host(self, batch):
        """The host part: class weights multiplied in and the targets checked (NumPy only)."""
        x, y, sw = data_mod.unpack(batch)
        if self.check_targets is not None and y is not None:
            self.check_targets(self.per_output(y, 'y'))
        if self.class_weights is not None:
            if y is None:
                raise ValueError('class_weight needs targets, but a batch has none (y is None).')
            sw = class_weights_mod.weight_batch(self.per_output(y, 'y'), self.per_output(sw, 'sample_weight'),
                                                self.class_weights)
        return x, y, sw

    def device(self, batch):
        """One batch on the device: each array pinned and copied once (None stays None)."""
        backend = ACTIVE.backend
        pin, to_device = backend.pin, backend.to_device

        def move(a):
            return None if a is None else to_device(pin(a))

        def move_all(structure):  # one array (the common case) without walking a structure
            return move(structure) if structure is None or hasattr(structure, 'shape') else \
                nest.map_structure(move, structure)
        x, y, sw = batch
        return move_all(x), move_all(y), move_all(sw)

    def one(self, batch):
        """A single batch (``train_on_batch`` and friends), host work then the copy."""
        return self.device(self.host(batch))

    def __call__(self, batches):
        """Device batches of ``batches``.  The copy of each is issued one step ahead (a prefetch)
        when the backend has its own ``to_device`` (an asynchronous copy that can overlap a
        step); the default copy, ``asarray``, would gain nothing and the batch would go cold
        in the cache, so it is made just in time."""
        if type(ACTIVE.backend).to_device is Backend.to_device:
            for batch in batches:
                yield self.device(self.host(batch))
            return
        ahead = None
        for batch in batches:
            batch = self.device(self.host(batch))
            if ahead is not None:
                yield ahead
            ahead = batch
        if ahead is not None:
            yield ahead
