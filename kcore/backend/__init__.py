"""``kcore.backend``, imported as ``K``: the op set custom layers are written with.

Names and arguments follow Keras 2's backend module (``K.dot``, ``K.mean``,
``K.function``, ...).  Ops that plugins provide (``K.conv2d`` from kcore-conv)
resolve through the ``ops`` registry on first use.

This module only re-exports, from the floors below (docs/architecture.md): the
device and the ops from ``kcore.runtime``, the graph functions from
``kcore.models.graph_function``.  Called on symbolic tensors, the ops record op
layers (Keras 3); kcore's own layers call the bare ones in ``kcore.runtime.ops``.
"""
import sys as _sys

from kcore import plugins as _plugins
from kcore.autodiff.tensor import Tensor, Variable, no_grad  # noqa: F401
from kcore.config import (epsilon, floatx, image_data_format, set_epsilon, set_floatx,  # noqa: F401
                          set_image_data_format)
from kcore.layers.op_layer import install_dispatch as _install_dispatch
from kcore.runtime import control_flow, ctc, device, keras2_ops, ops, phase, rng, state
from kcore.runtime.device import (ACTIVE, Backend, NumpyBackend, active_device, backend_name,  # noqa: F401
                                  set_backend)
from kcore.runtime.ops import *  # noqa: F401,F403
from kcore.runtime.ops import as_array, is_tensor, to_tensor  # noqa: F401
from kcore.runtime.state import *  # noqa: F401,F403
from kcore.runtime.keras2_ops import *  # noqa: F401,F403
from kcore.runtime.control_flow import *  # noqa: F401,F403
from kcore.runtime.ctc import *  # noqa: F401,F403
from kcore.runtime.state import LEARNING_PHASE, learning_phase, set_learning_phase  # noqa: F401
# after the runtime's names: K.gradients also takes symbolic tensors
from kcore.models.graph_function import (function, gradients, is_keras_tensor, is_placeholder,  # noqa: F401,E402
                                         placeholder)

# the old import paths (kcore.backend.device, kcore.backend.ops, ...) name the same modules
for _module in (device, ops, phase, rng, state):
    _sys.modules['kcore.backend.' + _module.__name__.rsplit('.', 1)[1]] = _module

_install_dispatch(globals(), ops.__all__ + keras2_ops.DIFFERENTIABLE)

__getattr__ = _plugins.module_getattr('ops')

#: the curated ``K`` surface: every op and state function, the graph functions, the
#: settings, and the few types a custom layer or a backend plugin names
#: (tests/test_public_api.py keeps it honest)
__all__ = sorted(set(ops.__all__) | set(state.__all__) | set(keras2_ops.__all__) | set(control_flow.__all__) | set(ctc.__all__) | {
    'function', 'gradients', 'placeholder', 'is_keras_tensor', 'is_placeholder', 'set_backend', 'active_device',
    'epsilon', 'floatx', 'image_data_format', 'set_epsilon', 'set_floatx', 'set_image_data_format',
    'Tensor', 'Variable', 'no_grad', 'Backend'})
