"""Keras 2's ``H5Dict``: an HDF5 file or group (or a plain dict) used as a nested dict.

NumPy arrays become datasets, other values attributes, and a missing key read
in a writable dict becomes a new group.  Opened read-only from a path, the file
goes through kcore's checks first (sniffed, verified, walked in another process)
and every read goes through the checked reader: groups are reached only by hard
links inside the file, and datasets are read only if the file holds their data.
Deliberate difference: with a plain dict, Keras pickled arrays into it; kcore
stores copies of them and never unpickles anything.
"""
import os
from typing import Any

import numpy as np

from kcore.saving import h5_reader, hdf5_format
from kcore.saving.keras2_groups import HDF5_OBJECT_HEADER_LIMIT, save_attributes_to_hdf5_group


def _h5py():
    import h5py
    return h5py


class H5Dict(object):
    """A dict-like view of an HDF5 file or group, or of a nested dict.

    Args:
        path: a file path, an open ``h5py.File``/``Group``, a dict, or another ``H5Dict``.
        mode: 'r' (read-only), 'a' or 'w' for a path; ignored for other kinds.

    Raises:
        TypeError: for any other kind of ``path``.
    """

    def __init__(self, path: Any, mode: str = 'a'):
        self._reader = None
        self.own_file = False
        if isinstance(path, H5Dict):
            path, mode = path.data, ('r' if path.read_only else 'a')
        if isinstance(path, dict):
            self.data = path
        elif isinstance(path, (str, bytes, os.PathLike)):
            path = os.fsdecode(path)
            if mode == 'r':
                self._reader = hdf5_format._open(path, 'H5Dict')
                self.data = self._reader.file
            else:
                self.data = _h5py().File(path, mode)
            self.own_file = True
        elif self.is_supported_type(path):
            self.data = path
        else:
            raise TypeError('H5Dict: expected a file path, an h5py File or Group, or a dict. Received: %r.' % (path,))
        self.read_only = mode == 'r'
        if self._reader is None and not isinstance(self.data, dict):
            self._reader = h5_reader.H5Reader.over(self.data)

    @staticmethod
    def is_supported_type(path):
        """Whether ``path`` can back an ``H5Dict``: a path, an h5py group or a dict."""
        if isinstance(path, (str, bytes, os.PathLike, dict)):
            return True
        import sys
        h5py = sys.modules.get('h5py')
        return h5py is not None and isinstance(path, h5py.Group)

    # -- writing ---------------------------------------------------------------------------
    def __setitem__(self, attr, val):
        if self.read_only:
            raise ValueError('Cannot set item in read-only mode.')
        if isinstance(attr, bytes):
            attr = attr.decode('utf-8')
        is_array = isinstance(val, (np.ndarray, np.generic))
        if isinstance(self.data, dict):
            self.data[attr] = np.array(val) if is_array else val
            return
        if attr in self.data:
            raise KeyError('Cannot set attribute. Group with name "%s" exists.' % attr)
        if is_array:
            self.data.create_dataset(attr, data=np.asarray(val))
        elif isinstance(val, (list, tuple)) and all(isinstance(v, (str, bytes)) for v in val):
            save_attributes_to_hdf5_group(self.data, attr, list(val))  # split when too long, as Keras
        else:
            self.data.attrs[attr] = val

    def update(self, *args):
        """Set every key of ``dict(*args)``."""
        for key, value in dict(*args).items():
            self[key] = value

    # -- reading ---------------------------------------------------------------------------
    def __getitem__(self, attr):
        if isinstance(attr, bytes):
            attr = attr.decode('utf-8')
        if isinstance(self.data, dict):
            if attr in self.data:
                value = self.data[attr]
                return H5Dict(value, 'r' if self.read_only else 'a') if isinstance(value, dict) else value
            if self.read_only:
                raise ValueError('Cannot create group in read-only mode.')
            self.data[attr] = {}
            return H5Dict(self.data[attr])
        reader = self._reader
        if reader.has_attr(self.data, attr):
            value = self.data.attrs[attr]
            if isinstance(value, np.ndarray) and value.dtype.kind in 'SO':
                value = [v.decode('utf-8') if isinstance(v, bytes) else v for v in value.tolist()]
            elif isinstance(value, bytes):
                value = value.decode('utf-8')
            return value
        if attr in self.data:
            child = reader.child(self.data, attr)
            if child is None:
                raise KeyError('H5Dict: %r in %r is a link kcore does not follow.' % (attr, reader.filepath))
            if isinstance(child, _h5py().Dataset):
                return reader.read_array(child, tuple(child.shape))
            view = H5Dict(child, 'r' if self.read_only else 'a')
            view._reader = reader
            return view
        if reader.has_attr(self.data, attr + '0'):
            return reader.name_list_attr(self.data, attr)
        if self.read_only:
            raise ValueError('Cannot create group in read-only mode.')
        return H5Dict(self.data.create_group(attr))

    def get(self, key, default=None):
        """``self[key]`` if the key exists, else ``default`` (nothing is created)."""
        return self[key] if key in self else default

    def __contains__(self, key):
        if isinstance(key, bytes):
            key = key.decode('utf-8')
        if isinstance(self.data, dict):
            return key in self.data
        return key in self.data or key in self.data.attrs

    def __len__(self):
        return len(self.data) + (0 if isinstance(self.data, dict) else len(self.data.attrs))

    def __iter__(self):
        if isinstance(self.data, dict):
            return iter(list(self.data))
        return iter(list(self.data) + list(self.data.attrs))

    def iter(self):
        """The keys: groups and datasets, then attributes."""
        return self.__iter__()

    # -- closing ---------------------------------------------------------------------------
    def close(self):
        """Flush and close the file if this ``H5Dict`` opened it."""
        if self.own_file and not isinstance(self.data, dict):
            if not self.read_only:
                self.data.flush()
            self.data.close()
        elif self._reader is not None and self.own_file:
            self._reader.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


#: Keras 2's lower-case alias
h5dict = H5Dict

__all__ = ['H5Dict', 'h5dict', 'HDF5_OBJECT_HEADER_LIMIT']
