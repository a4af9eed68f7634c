"""Keras 2's module path ``keras.engine.saving``: whole-model saving and loading, and models
from configs.  The HDF5 work is kcore's own (``kcore.saving``: atomic writes, checked reads)."""
from kcore import _legacy_paths
from kcore.models import load_model, model_from_config, model_from_json, model_from_yaml, save_model  # noqa: F401

__getattr__ = _legacy_paths.module_getattr(__name__, ('K', 'losses', 'optimizers', 'conv_utils',
                                                      'ask_to_proceed_with_overwrite'))

__all__ = ['save_model', 'load_model', 'model_from_config', 'model_from_json', 'model_from_yaml']
