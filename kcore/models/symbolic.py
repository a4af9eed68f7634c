"""The graph vocabulary's old home: ``KerasTensor`` and ``Node`` now live below the
layers (``kcore.layers.keras_tensor``, ``kcore.layers.node``) and the symbolic
dispatch with the op layer (``kcore.layers.op_layer``); this module keeps the old
import path working."""
from kcore.layers.keras_tensor import KerasTensor, has_symbolic, is_symbolic  # noqa: F401
from kcore.layers.node import Node, topological_nodes  # noqa: F401
from kcore.layers.op_layer import NOT_OPS, dispatch_symbolic, install_dispatch  # noqa: F401
