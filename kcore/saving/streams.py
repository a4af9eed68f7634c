"""Models and weights to and from what is not a file path: byte streams (``io.BytesIO``),
open ``h5py`` files or groups (Keras 2's ``save_to_binary_h5py``, ``load_from_binary_h5py``,
and ``save_model``/``load_model`` given such objects).

Everything read passes kcore's checks for files: the bytes are written to a
temporary file, which is sniffed, verified and walked in another process before
HDF5 opens it here (``hdf5_format._open``); an HDF5 group already open is copied
into a fresh temporary file first, so it is read under the same rules.
"""
import contextlib
import os
import tempfile

from kcore.saving import hdf5_format


def _h5py():
    import h5py
    return h5py


@contextlib.contextmanager
def temporary_path(suffix='.h5'):
    """A path in the temporary folder, removed afterwards."""
    fd, path = tempfile.mkstemp(suffix=suffix, prefix='kcore-')
    os.close(fd)
    try:
        yield path
    finally:
        with contextlib.suppress(OSError):
            os.remove(path)


def is_stream(obj):
    """Whether ``obj`` is a file-like object rather than a path or an HDF5 object."""
    return not isinstance(obj, (str, bytes, os.PathLike)) and (hasattr(obj, 'read') or hasattr(obj, 'write'))


def is_h5_object(obj):
    """Whether ``obj`` is an open ``h5py`` file or group (h5py is only imported if already loaded)."""
    import sys
    h5py = sys.modules.get('h5py')
    return h5py is not None and isinstance(obj, h5py.Group)


def _copy_contents(source, target):
    """Copy the root attributes and members of the HDF5 group ``source`` into ``target``."""
    for key, value in source.attrs.items():
        target.attrs[key] = value
    for name in source:
        source.copy(source[name], target, name=name)


def copy_into_group(path, group):
    """Copy the whole HDF5 file ``path`` (members and root attributes) into ``group``."""
    with _h5py().File(path, 'r') as source:
        _copy_contents(source, group)


def copy_group_to_file(group, path):
    """Write the open HDF5 ``group`` (members and attributes) as the root of a new file ``path``."""
    with _h5py().File(path, 'w') as target:
        _copy_contents(group, target)


def save_to_binary_h5py(save_function, stream):
    """Call ``save_function(h5file)`` on a new HDF5 file (a temporary one), then write its
    bytes to ``stream``."""
    h5py = _h5py()
    with temporary_path() as path:
        with h5py.File(path, 'w') as h5file:
            save_function(h5file)
        with open(path, 'rb') as f:
            stream.write(f.read())


def load_from_binary_h5py(load_function, stream):
    """Call ``load_function(h5file)`` on the HDF5 file whose bytes ``stream`` holds (read-only),
    after kcore's checks of a file; returns what it returns."""
    with temporary_path() as path:
        with open(path, 'wb') as f:
            f.write(stream.read())
        with hdf5_format._open(path, 'model') as reader:
            return load_function(reader.file)


def _h5_group_of(obj):
    """The HDF5 group behind an ``H5Dict``-like object (``.data``), or the object itself."""
    data = getattr(obj, 'data', None)
    return data if is_h5_object(data) else obj


def save_model(model, filepath, overwrite=True, include_optimizer=True, save_format=None):
    """Save ``model`` (architecture, weights, optimizer) as HDF5 into a path, a writable stream
    (``io.BytesIO``) or an open ``h5py`` file/group or ``H5Dict`` (Keras 2.3 took all three)."""
    target = _h5_group_of(filepath)
    if is_stream(target) or is_h5_object(target):
        with temporary_path() as path:
            hdf5_format.save_model(model, path, overwrite=True, include_optimizer=include_optimizer,
                                   save_format=save_format)
            if is_h5_object(target):
                copy_into_group(path, target)
            else:
                with open(path, 'rb') as f:
                    target.write(f.read())
        return None
    return hdf5_format.save_model(model, filepath, overwrite=overwrite, include_optimizer=include_optimizer,
                                  save_format=save_format)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True, trust_plugins=None):
    """Load a model saved by ``save_model`` (kcore or Keras) from a path, a readable stream or
    an open ``h5py`` file/group or ``H5Dict``, under kcore's checks of a file."""
    source = _h5_group_of(filepath)
    kwargs = dict(custom_objects=custom_objects, compile=compile, safe_mode=safe_mode, trust_plugins=trust_plugins)
    if is_stream(source) or is_h5_object(source):
        with temporary_path() as path:
            if is_h5_object(source):
                copy_group_to_file(source, path)
            else:
                with open(path, 'wb') as f:
                    f.write(source.read())
            return hdf5_format.load_model(path, **kwargs)
    return hdf5_format.load_model(filepath, **kwargs)


__all__ = ['save_to_binary_h5py', 'load_from_binary_h5py', 'save_model', 'load_model']
