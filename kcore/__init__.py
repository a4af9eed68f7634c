"""kcore: the Keras API on NumPy (CPU) and CuPy (CUDA), extended by plugins.

    import kcore as keras
    model = keras.Sequential([keras.layers.Dense(10, activation='softmax', input_shape=(784,))])

``import kcore`` is light: plugins (and their entry points) load on the first
name look-up, e.g. ``kcore.layers.Dense`` or ``compile(loss='mse')``.
"""
from kcore._version import __version__  # noqa: E402
from kcore import config  # noqa: E402  (reads ~/.kcore/kcore.json)
from kcore import backend  # noqa: E402
from kcore.layers import Input, Layer  # noqa: E402
from kcore.models import Model, Sequential  # noqa: E402
from kcore.runtime.device import device  # noqa: E402  (``with kcore.device('cuda:1'):``)

_SUBMODULES = ('layers', 'models', 'losses', 'metrics', 'optimizers', 'callbacks', 'initializers',
               'regularizers', 'constraints', 'activations', 'utils', 'plugins', 'saving', 'testing',
               'engine', 'errors', 'distribute', 'wrappers', 'objectives', 'datasets', 'preprocessing',
               'applications')


def __getattr__(name):
    if name in _SUBMODULES:
        import importlib
        return importlib.import_module('kcore.' + name)
    raise AttributeError("module 'kcore' has no attribute %r" % name)


def _activate_configured_backend():
    """A non-default backend from KCORE_DEVICE ('cuda:1'), KCORE_BACKEND or kcore.json is switched
    on at import (KCORE_DEVICE first: it names the device too)."""
    import os
    wanted = os.environ.get('KCORE_DEVICE') or config.settings['backend']
    if wanted != 'numpy':
        backend.set_backend(wanted)


_activate_configured_backend()

__all__ = ['Input', 'Layer', 'Model', 'Sequential', 'backend', 'config', 'device', '__version__'] + list(_SUBMODULES)
