"""The weight budget of a structure being built from a file or a JSON config: ``add_weight``
may allocate at most the bytes the file stores (``hdf5_format.load_budget``) or a config may
declare (``config_limits``), so a crafted architecture cannot make kcore allocate more; and
the stand-in data that shape inference makes meanwhile has its own cap."""
import numpy as np

from kcore.layers.base import allocation_hook


class weight_budget:
    """Within the block, ``add_weight`` allocates at most ``max_bytes`` in total; beyond it
    ``on_exceed(layer, name, shape, nbytes, remaining)`` is called (and must raise).
    ``stand_in_bytes`` caps each stand-in array of shape inference (a weightless Lambda on a
    huge declared input); beyond it ``on_exceed`` is called with ``name=None``."""

    def __init__(self, max_bytes, on_exceed, stand_in_bytes=None):
        self.max_bytes = int(max_bytes)
        self.on_exceed = on_exceed
        self.stand_in_bytes = stand_in_bytes
        self.remaining = self.max_bytes
        self._hook = allocation_hook(self._spend)

    def _spend(self, layer, name, shape, dtype):
        nbytes = int(np.prod(shape, dtype=np.float64)) * np.dtype(dtype).itemsize
        if name is None:  # stand-in data of shape inference: capped, not spent
            if self.stand_in_bytes is not None and nbytes > self.stand_in_bytes:
                self.on_exceed(layer, None, shape, nbytes, self.stand_in_bytes)
            return
        if nbytes > self.remaining:
            self.on_exceed(layer, name, shape, nbytes, self.remaining)
        self.remaining -= nbytes

    def __enter__(self):
        self.remaining = self.max_bytes
        self._hook.__enter__()
        return self

    def __exit__(self, *exc):
        self._hook.__exit__(*exc)
