"""Callbacks (``kcore.callbacks.EarlyStopping``, ...), resolved through the registry.
``kcore.callbacks.callbacks`` is Keras 2's module path for the same names."""
from kcore import _legacy_paths
from kcore import plugins as _plugins
from kcore.training.callbacks import Callback, CallbackList, History, ProgbarLogger  # noqa: F401


__getattr__ = _plugins.module_getattr('callbacks', {'K': _legacy_paths.COMMON['K']})
