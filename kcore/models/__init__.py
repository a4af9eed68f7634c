"""Models: ``Sequential``, ``Model`` (functional or subclassed), loading and cloning."""
from kcore import _legacy_paths
from kcore.layers.input_layer import Input, InputLayer  # noqa: F401  (Keras 2 imports them from here)
from kcore.models.cloning import clone_model as _clone
from kcore.models.functional import Functional
from kcore.models.model import Model
from kcore.models.sequential import Sequential
from kcore.serialization import deserialize


# kcore.saving loads on the first save or load, not at ``import kcore``
def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a model saved with ``model.save`` (kcore or Keras HDF5)."""
    from kcore.saving import load_model as _load
    return _load(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)


def save_model(model, filepath, overwrite=True, include_optimizer=True, save_format=None):
    from kcore.saving import save_model as _save
    return _save(model, filepath, overwrite=overwrite, include_optimizer=include_optimizer, save_format=save_format)


def model_from_json(json_string, custom_objects=None):
    """Rebuild a model (architecture only, fresh weights) from ``model.to_json()``."""
    import json
    return deserialize(json.loads(json_string), 'layers', custom_objects)


def model_from_config(config, custom_objects=None):
    return deserialize(config, 'layers', custom_objects)


def clone_model(model, input_tensors=None, clone_function=None):
    """A new model with the same architecture and fresh weights (Keras semantics)."""
    return _clone(model, input_tensors=input_tensors, clone_function=clone_function)


__all__ = ['Model', 'Sequential', 'Functional', 'load_model', 'save_model', 'model_from_json',
           'model_from_config', 'clone_model']


# helpers Keras 2's keras.models imported (``from keras.models import K``)
__getattr__ = _legacy_paths.module_getattr(__name__, ('K', 'has_arg', 'to_list'))
