"""Keras 2's ``keras.utils.io_utils``: ``HDF5Matrix`` (an HDF5 dataset used as training data)
and ``ask_to_proceed_with_overwrite``.

``HDF5Matrix`` opens its file through kcore's checked reader (``kcore.saving.h5_reader``):
no external links or storage, no virtual datasets, numeric data only, and every read is
bounded by the rows asked for.  ``H5Dict`` and the binary stream helpers are
``kcore.saving``'s (``h5dict``, ``streams``), under the same checks.
"""
import numpy as np

from kcore.saving.h5_reader import H5Reader
from kcore.saving.h5dict import H5Dict, h5dict  # noqa: F401
from kcore.saving.sniff import check_hdf5
from kcore.saving.streams import load_from_binary_h5py, save_to_binary_h5py  # noqa: F401


#: the most bytes one ``HDF5Matrix`` read may return (a batch, not a dataset)
MAX_READ_BYTES = 2 ** 30


class HDF5Matrix:
    """Rows ``start:end`` of the dataset ``dataset`` in the HDF5 file ``datapath``, read lazily:
    ``len()``, ``shape``, ``dtype``, and indexing by int, slice or a sorted list of ints.
    ``normalizer`` is applied to every read.  Pass it to ``fit(..., shuffle='batch')`` or with
    ``shuffle=False``, as in Keras (random row order reads the file row by row)."""

    def __init__(self, datapath, dataset, start=0, end=None, normalizer=None):
        check_hdf5(datapath, what='HDF5Matrix dataset')
        self._reader = H5Reader(datapath)
        try:
            self.data = self._reader.child(self._reader.root, dataset, kind='dataset')
            if self.data is None:
                raise KeyError('HDF5Matrix: the file %r has no dataset %r. Expected the path of a dataset inside '
                               'the file.' % (datapath, dataset))
            self._reader.check_dataset(self.data)
        except BaseException:
            self._reader.close()
            raise
        rows = int(self.data.shape[0]) if self.data.shape else 0
        if not self.data.shape:
            self._reader.close()
            raise ValueError('HDF5Matrix: dataset %r of %r is a scalar. Expected an array with rows (samples).'
                             % (dataset, datapath))
        end = rows if end is None else end
        if not (0 <= start <= end <= rows):
            self._reader.close()
            raise ValueError('HDF5Matrix: rows start=%r to end=%r are outside dataset %r, which has %d rows. '
                             'Expected 0 <= start <= end <= %d.' % (start, end, dataset, rows, rows))
        self.start, self.end = int(start), int(end)
        self.normalizer = normalizer
        self._base_shape = tuple(self.data.shape[1:])
        self._base_dtype = self.data.dtype
        self._row_bytes = int(np.prod(self._base_shape, dtype=np.int64)) * self._base_dtype.itemsize
        self._normalized = None  # (shape[1:], dtype) after the normalizer, found on first use

    def __len__(self):
        return self.end - self.start

    def _rows(self, key):
        """The absolute row indices (a slice or a list) for ``key``."""
        n = len(self)
        if isinstance(key, slice):
            start, stop, step = key.indices(n)
            if step != 1:
                return list(range(start, stop, step))
            return slice(self.start + start, self.start + max(start, stop))
        if isinstance(key, (int, np.integer)):
            i = int(key) + (n if key < 0 else 0)
            if not 0 <= i < n:
                raise IndexError('HDF5Matrix: index %d is out of range for %d rows.' % (key, n))
            return self.start + i
        indices = np.asarray(key)
        if indices.ndim != 1 or indices.dtype.kind not in 'iu':
            raise TypeError('HDF5Matrix: index with an int, a slice or a list of ints. Received: %r.' % (key,))
        indices = np.where(indices < 0, indices + n, indices)
        if indices.size and (indices.min() < 0 or indices.max() >= n):
            raise IndexError('HDF5Matrix: an index is out of range for %d rows. Received: %r.' % (n, key))
        return [self.start + int(i) for i in indices]

    def __getitem__(self, key):
        rows = self._rows(key)
        count = (rows.stop - rows.start if isinstance(rows, slice) else len(rows) if isinstance(rows, list) else 1)
        if count * self._row_bytes > MAX_READ_BYTES:
            raise MemoryError('HDF5Matrix: reading %d rows of %r would return %d bytes, over the limit of %d. '
                              'Read it in smaller slices (batches).' % (count, self.data.name,
                                                                         count * self._row_bytes, MAX_READ_BYTES))
        try:
            if isinstance(rows, list):
                order = np.argsort(rows, kind='stable')
                sorted_rows = [rows[i] for i in order]
                unique, inverse = np.unique(sorted_rows, return_inverse=True)
                values = self.data[unique.tolist()] if len(unique) else np.empty((0,) + self._base_shape,
                                                                               self._base_dtype)
                out = np.empty((len(rows),) + self._base_shape, self._base_dtype)
                out[order] = values[inverse]
            else:
                out = self.data[rows]
        except (OSError, RuntimeError) as e:
            raise self._reader.damaged('dataset %r cannot be read' % self.data.name, e) from None
        return self.normalizer(out) if self.normalizer is not None else out

    def _after_normalizer(self):
        if self._normalized is None:
            if self.normalizer is None or len(self) == 0:
                self._normalized = (self._base_shape, self._base_dtype)
            else:
                sample = np.asarray(self[0:1])
                self._normalized = (sample.shape[1:], sample.dtype)
        return self._normalized

    @property
    def shape(self):
        """The shape after slicing by ``start``/``end`` and applying the normalizer."""
        return (len(self),) + tuple(self._after_normalizer()[0])

    @property
    def dtype(self):
        """The dtype after the normalizer."""
        return self._after_normalizer()[1]

    @property
    def ndim(self):
        """The number of axes."""
        return len(self.shape)

    @property
    def size(self):
        """The number of elements."""
        return int(np.prod(self.shape, dtype=np.int64))

    def close(self):
        """Close the HDF5 file; the matrix cannot be read afterwards."""
        self._reader.close()

    def __array__(self, dtype=None, copy=None):
        out = self[:]
        return out if dtype is None else out.astype(dtype)


def ask_to_proceed_with_overwrite(filepath):
    """Ask on the terminal whether to overwrite ``filepath``; True for yes."""
    answer = input('[WARNING] %s already exists - overwrite? [y/n]' % filepath).strip().lower()
    while answer not in ('y', 'n'):
        answer = input('Enter "y" (overwrite) or "n" (cancel).').strip().lower()
    if answer == 'n':
        return False
    print('[TIP] Next time specify overwrite=True!')
    return True


__all__ = ['HDF5Matrix', 'ask_to_proceed_with_overwrite', 'H5Dict', 'h5dict', 'load_from_binary_h5py',
           'save_to_binary_h5py']
