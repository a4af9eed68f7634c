"""Models: ``Sequential``, ``Model`` (functional or subclassed), loading and cloning."""
from kcore import _legacy_paths
from kcore.layers.input_layer import Input, InputLayer  # noqa: F401  (Keras 2 imports them from here)
from kcore.models.cloning import clone_model as _clone
from kcore.models.functional import Functional
from kcore.models.model import Model
from kcore.models.sequential import Sequential
from kcore.models import yaml_format as _yaml_format


# kcore.saving loads on the first save or load, not at ``import kcore``
def load_model(filepath, custom_objects=None, compile=True, safe_mode=True, trust_plugins=None):
    """Load a model saved with ``model.save`` (kcore, Keras 2.x or Keras 3 HDF5).

    Nothing in the file runs code; ``kcore.saving.load_model`` says what is checked.

    Args:
        filepath: The HDF5 file.
        custom_objects: ``{name: class or function}`` for names kcore does not register
            (your own layers, losses, a ``Lambda``'s function).
        compile: Also restore the optimizer state and compile arguments, when the file has them.
        safe_mode: With False, a ``Lambda`` may import the function its config names (never
            bytecode). Keep True for files you did not write.
        trust_plugins: Distribution names (or True for all) allowed to provide a name that a
            different distribution provided when the file was saved.

    Returns:
        The model, compiled when ``compile`` and the file says how.

    Raises:
        SavingError: The file is not a model file, is damaged or altered, holds code, or
            names something that cannot be resolved (the message says how to fix it).
    """
    from kcore.saving import load_model as _load
    return _load(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode,
                 trust_plugins=trust_plugins)


def save_model(model, filepath, overwrite=True, include_optimizer=True, save_format=None):
    """Save ``model`` in one HDF5 file, as ``model.save`` does (``keras.models.save_model``).

    Args:
        model: The model.
        filepath: Where to write (a str or path); ``.h5``/``.hdf5`` by convention.
        overwrite: Replace an existing file; when False an existing file raises.
        include_optimizer: Also save the compile arguments and the optimizer's state.
        save_format: None, ``'h5'`` or ``'hdf5'``: kcore writes HDF5 only.

    Raises:
        SavingError: ``save_format`` names another format, or the model cannot be saved.
    """
    from kcore.saving import save_model as _save
    return _save(model, filepath, overwrite=overwrite, include_optimizer=include_optimizer, save_format=save_format)


def _config_limits():
    """The limits on what a config may make kcore do (a saving module, loaded on first use)."""
    from kcore.saving import config_limits
    return config_limits


def model_from_json(json_string, custom_objects=None):
    """Rebuild a model (architecture only, fresh weights) from ``model.to_json()``.

    The text is parsed within ``kcore.saving.config_limits`` and the model may
    allocate at most ``KCORE_MAX_CONFIG_WEIGHT_BYTES`` (512 MiB) of weights: a
    200-byte JSON must not make kcore allocate 10 GB.  Build bigger models in code.

    Args:
        json_string: The text ``model.to_json()`` returned.
        custom_objects: ``{name: class or function}`` for names kcore does not register.

    Returns:
        An uncompiled model with newly initialised weights.

    Raises:
        SavingError: The text is not a model config, breaks the limits, or names
            something that cannot be resolved.
    """
    return _config_limits().build_from_json(json_string, custom_objects)


def model_from_yaml(yaml_string, custom_objects=None):
    """Rebuild a model from ``model.to_yaml()``, with the limits of ``model_from_json``.  Needs
    PyYAML; the text is read with ``safe_load`` only and may not use YAML aliases."""
    limits = _config_limits()
    config = _yaml_format.load(yaml_string, limits.MAX_TEXT_BYTES)
    return limits.build_from_config(config, custom_objects, source='model_from_yaml')


def model_from_config(config, custom_objects=None):
    """Rebuild a model from ``model.get_config()``-style ``{'class_name', 'config'}``, with the
    limits of ``model_from_json``."""
    return _config_limits().build_from_config(config, custom_objects)


def clone_model(model, input_tensors=None, clone_function=None):
    """A new model with the same architecture and fresh weights (Keras semantics).

    Without ``clone_function`` the clone may allocate only as many weight bytes
    as ``model`` holds (plus 1 MiB): a layer whose config does not rebuild it
    faithfully cannot make a clone blow up.
    """
    if clone_function is not None:
        return _clone(model, input_tensors=input_tensors, clone_function=clone_function)
    with _config_limits().clone_budget(model):
        return _clone(model, input_tensors=input_tensors, clone_function=clone_function)


__all__ = ['Model', 'Sequential', 'Functional', 'load_model', 'save_model', 'model_from_json',
           'model_from_yaml', 'model_from_config', 'clone_model']


# helpers Keras 2's keras.models imported (``from keras.models import K``)
__getattr__ = _legacy_paths.module_getattr(__name__, ('K', 'has_arg', 'to_list'))
