"""Keras 2's module path ``keras.engine.network``.

``Network`` is Keras 2's graph-of-layers base class of ``Model``; in kcore the
functional ``Model`` is that graph, so ``Network`` names it:
``Network(inputs, outputs)`` builds the same graph, and every model is an
instance of ``Network``.
"""
from kcore import _legacy_paths
from kcore.models.model import Model as Network  # noqa: F401
from kcore.utils.layer_utils import get_source_inputs  # noqa: F401

__getattr__ = _legacy_paths.module_getattr(__name__, (
    'saving', 'Layer', 'InputLayer', 'K', 'ask_to_proceed_with_overwrite', 'print_layer_summary', 'has_arg',
    'to_list', 'object_list_uid', 'unpack_singleton', 'Node'))

__all__ = ['Network', 'get_source_inputs']
