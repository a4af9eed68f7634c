"""Keras 2's module path ``keras.callbacks.callbacks``: every registered callback, plus the
names Keras imported there (``K``, ``Progbar``, ``standardize_input_data``)."""
from kcore import _legacy_paths
from kcore import plugins as _plugins
from kcore.training.callbacks import Callback, CallbackList, History, ProgbarLogger  # noqa: F401

__getattr__ = _plugins.module_getattr('callbacks', {n: _legacy_paths.COMMON[n] for n in ('K', 'Progbar', 'standardize_input_data')})
