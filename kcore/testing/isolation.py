"""``isolated()``: a fresh plugin state and the same device backend, for one test block."""
import contextlib

from kcore.plugins.manager import manager as _manager
from kcore.runtime.device import restore_state, save_state


@contextlib.contextmanager
def isolated(manager=None):
    """For tests: a fresh, unloaded plugin manager inside the block; after it, the previous
    plugins, names and active device backend.

    Discovery runs again on the first look-up inside the block, so throwaway
    distributions put on ``sys.path`` are found; nothing they register (or a backend
    they switch on) leaks into later tests.
    """
    manager = manager or _manager
    saved = save_state()
    try:
        with manager.isolated() as fresh:
            yield fresh
    finally:
        restore_state(saved)
