"""Saving and loading models: HDF5 in Keras's legacy layout, atomic writes, safe reads.

    model.save('m.h5')                       # == kcore.saving.save_model(model, 'm.h5')
    model = kcore.saving.load_model('m.h5')  # kcore, Keras 2.x and Keras 3 files
    model.save_weights('w.h5'); model.load_weights('w.h5', by_name=False, skip_mismatch=False)
    kcore.saving.check_savable(model)        # raises now if saving would fail later

Loading never runs code from the file (see ``safety``), and a failed save never
replaces the previous file (see ``atomic``).  The modules are imported on
first use: ``kcore.layers`` imports ``serialization`` at start-up, and h5py
need not load until a file is touched.
"""


def save_model(model, filepath, overwrite=True, include_optimizer=True, save_format=None):
    """Save architecture, weights, training config and optimizer state to HDF5 (atomically)."""
    from kcore.saving.hdf5_format import save_model as _save
    return _save(model, filepath, overwrite=overwrite, include_optimizer=include_optimizer,
                 save_format=save_format)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True, trust_plugins=None):
    """Rebuild a model from an HDF5 file written by kcore or Keras; compiled if it was.

    ``trust_plugins``: see ``kcore.saving.hdf5_format.load_model``.
    """
    from kcore.saving.hdf5_format import load_model as _load
    return _load(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode,
                 trust_plugins=trust_plugins)


def save_weights(model, filepath, overwrite=True):
    """Save only the weights (Keras's legacy weights layout), atomically."""
    from kcore.saving.hdf5_format import save_weights as _save
    return _save(model, filepath, overwrite=overwrite)


def load_weights(model, filepath, by_name=False, skip_mismatch=False):
    """Load weights from a weights or model file (kcore or Keras) into a built model."""
    from kcore.saving.hdf5_format import load_weights as _load
    return _load(model, filepath, by_name=by_name, skip_mismatch=skip_mismatch)


def check_savable(model, weights_only=False):
    """Raise ``SavingError`` now if saving ``model`` (or its weights) would fail."""
    from kcore.saving.savable import check_savable as _check
    return _check(model, weights_only=weights_only)


def serialize(obj, kind=None):
    from kcore.saving.serialization import serialize as _serialize
    return _serialize(obj, kind)


def deserialize(config, kind, custom_objects=None):
    from kcore.saving.serialization import deserialize as _deserialize
    return _deserialize(config, kind, custom_objects)


__all__ = ['save_model', 'load_model', 'save_weights', 'load_weights', 'check_savable', 'serialize',
           'deserialize']
