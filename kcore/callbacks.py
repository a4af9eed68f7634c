"""Callbacks (``kcore.callbacks.EarlyStopping``, ...), resolved through the registry."""
from kcore import plugins as _plugins
from kcore.training.callbacks import Callback, CallbackList, History, ProgbarLogger  # noqa: F401


__getattr__ = _plugins.module_getattr('callbacks')
