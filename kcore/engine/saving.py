"""Keras 2's module path ``keras.engine.saving``: whole-model saving and loading (to paths,
streams or open HDF5 groups), models from configs, and the HDF5 group functions.  The HDF5
work is kcore's own (``kcore.saving``: atomic writes, checked reads)."""
import functools
import io

from kcore import _legacy_paths
from kcore.models import load_model, model_from_config, model_from_json, model_from_yaml, save_model  # noqa: F401
from kcore.saving.h5dict import H5Dict  # noqa: F401
from kcore.saving.keras2_groups import (load_attributes_from_hdf5_group, load_weights_from_hdf5_group,  # noqa: F401
                                        load_weights_from_hdf5_group_by_name, preprocess_weights_for_loading,
                                        save_attributes_to_hdf5_group, save_weights_to_hdf5_group)
from kcore.saving.streams import load_from_binary_h5py, save_to_binary_h5py  # noqa: F401


def _is_gcs(path):
    return isinstance(path, str) and path.startswith('gs://')


def _no_gcs(path):
    return ValueError('%r is a Google Cloud Storage path. kcore has no GCS client (Keras 2.3 used TensorFlow\'s '
                      'gfile). Copy the file with `gsutil cp` and use the local path.' % path)


def allow_write_to_gcs(save_function):
    """Keras 2.3's decorator that let ``save_function(obj, filepath, ...)`` write to ``gs://``
    paths; kcore passes local paths through and refuses GCS paths with a clear error."""
    @functools.wraps(save_function)
    def save_wrapper(obj, filepath, overwrite=True, *args, **kwargs):
        if _is_gcs(filepath):
            raise _no_gcs(filepath)
        return save_function(obj, filepath, overwrite, *args, **kwargs)
    return save_wrapper


def allow_read_from_gcs(load_function):
    """Keras 2.3's decorator that let ``load_function(filepath, ...)`` read ``gs://`` paths;
    kcore passes local paths through and refuses GCS paths with a clear error."""
    @functools.wraps(load_function)
    def load_wrapper(*args, **kwargs):
        filepath = args[0] if args else kwargs.get('filepath')
        if _is_gcs(filepath):
            raise _no_gcs(filepath)
        return load_function(*args, **kwargs)
    return load_wrapper


def pickle_model(model):
    """The state ``pickle`` stores for ``model``: ``{'kcore_h5': bytes}``, the bytes of the file
    ``model.save`` writes (Keras 2.3 stored a nested dict of the same layout)."""
    stream = io.BytesIO()
    save_model(model, stream)
    return {'kcore_h5': stream.getvalue()}


def unpickle_model(state):
    """The model ``pickle_model`` stored, read back under kcore's checks of a model file.

    Raises:
        ValueError: for a state that ``pickle_model`` did not make.
    """
    if not isinstance(state, dict) or not isinstance(state.get('kcore_h5'), bytes):
        raise ValueError('unpickle_model: expected the dict pickle_model returns ({"kcore_h5": bytes}). Received: '
                         '%s.' % (type(state).__name__,))
    return load_model(io.BytesIO(state['kcore_h5']))


__getattr__ = _legacy_paths.module_getattr(__name__, ('K', 'losses', 'optimizers', 'conv_utils',
                                                      'ask_to_proceed_with_overwrite'))

__all__ = ['save_model', 'load_model', 'model_from_config', 'model_from_json', 'model_from_yaml', 'H5Dict',
           'save_to_binary_h5py', 'load_from_binary_h5py', 'allow_write_to_gcs', 'allow_read_from_gcs',
           'pickle_model', 'unpickle_model', 'save_attributes_to_hdf5_group', 'load_attributes_from_hdf5_group',
           'save_weights_to_hdf5_group', 'preprocess_weights_for_loading', 'load_weights_from_hdf5_group',
           'load_weights_from_hdf5_group_by_name']
