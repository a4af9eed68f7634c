"""The weight budget of a file being loaded: ``add_weight`` may allocate at most the bytes
the file declares, so a crafted architecture cannot make kcore allocate more."""
import numpy as np

from kcore.layers.base import allocation_hook


class weight_budget:
    """Within the block, ``add_weight`` allocates at most ``max_bytes`` in total; beyond it
    ``on_exceed(layer, name, shape, nbytes, remaining)`` is called (and must raise)."""

    def __init__(self, max_bytes, on_exceed):
        self.max_bytes = int(max_bytes)
        self.on_exceed = on_exceed
        self.remaining = self.max_bytes
        self._hook = allocation_hook(self._spend)

    def _spend(self, layer, name, shape, dtype):
        nbytes = int(np.prod(shape, dtype=np.float64)) * np.dtype(dtype).itemsize
        if nbytes > self.remaining:
            self.on_exceed(layer, name, shape, nbytes, self.remaining)
        self.remaining -= nbytes

    def __enter__(self):
        self.remaining = self.max_bytes
        self._hook.__enter__()
        return self

    def __exit__(self, *exc):
        self._hook.__exit__(*exc)
