"""``kcore.backend``, imported as ``K``: the op set custom layers are written with.

Names and arguments follow Keras 2's backend module (``K.dot``, ``K.mean``,
``K.function``, ...).  Ops that plugins provide (``K.conv2d`` from kcore-conv)
resolve through the ``ops`` registry on first use.
"""
from kcore import plugins as _plugins
# the device layer first: autodiff imports it
from kcore.backend.device import ACTIVE, Backend, NumpyBackend, backend_name, set_backend  # noqa: I001
from kcore.backend.ops import *  # noqa: F401,F403
from kcore.backend.ops import as_array, is_tensor, to_tensor  # noqa: F401
from kcore.backend.state import *  # noqa: F401,F403
from kcore.backend.state import (LEARNING_PHASE, SymbolicGradient, clear_session, function,  # noqa: F401
                                 gradients, learning_phase, set_learning_phase)
from kcore.config import (epsilon, floatx, image_data_format, set_epsilon, set_floatx,  # noqa: F401
                          set_image_data_format)
from kcore.autodiff.tensor import Tensor, Variable, no_grad  # noqa: F401


def backend():
    """The active device backend's name ('numpy', 'cuda', ...)."""
    return backend_name()


def device_count():
    """How many devices the active backend has (1 for the CPU)."""
    return ACTIVE.backend.device_count()


def array_module():
    """The active backend's array module (``numpy`` or ``cupy``), for plugin code that
    works on raw arrays: an optimizer's ``update_step``, a kernel."""
    return ACTIVE.xp


def cast_to_floatx(x):
    import numpy as np
    return np.asarray(x, dtype=floatx())


# K ops called on symbolic tensors record op layers (Keras 3); kcore's own layers use ops directly
from kcore.models.symbolic import install_dispatch as _install_dispatch  # noqa: E402
from kcore.backend import ops as _ops  # noqa: E402
_install_dispatch(globals(), _ops.__all__)

__getattr__ = _plugins.module_getattr('ops')

from kcore.backend import state as _state  # noqa: E402

#: the curated ``K`` surface: every op and state function, the settings, and the few
#: types a custom layer or a backend plugin names (tests/test_public_api.py keeps it honest)
__all__ = sorted((set(_ops.__all__) | set(_state.__all__) | {
    'backend', 'device_count', 'array_module', 'cast_to_floatx', 'set_backend', 'epsilon', 'floatx', 'image_data_format',
    'set_epsilon', 'set_floatx', 'set_image_data_format', 'Tensor', 'Variable', 'no_grad', 'Backend'})
    - {'SymbolicGradient'})
