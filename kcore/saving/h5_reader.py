"""``H5Reader``: the only way kcore's loaders touch an HDF5 file.

Every link is checked before it is followed (no external links, no soft links
out of their group), every attribute's type and size before it is read, every
dataset's storage, filters, dtype and declared shape before a byte is read.
See ``safety`` for the Keras CVEs these rules answer.
"""
import contextlib

import numpy as np

from kcore.errors import SavingError
from kcore.saving import config_limits
from kcore.saving.safety import UnsafeContentError

#: largest attribute (JSON config, name list) read from a file
MAX_ATTR_BYTES = 64 * 2 ** 20
#: HDF5 filters that only decode data (deflate, shuffle, fletcher32, szip, n-bit, scale-offset, lzf)
SAFE_FILTERS = frozenset([1, 2, 3, 4, 5, 6, 32000])
#: of those, the ones that make data smaller than it is (shuffle and fletcher32 do not)
COMPRESSING_FILTERS = frozenset([1, 4, 5, 6, 32000])
#: a compressed dataset may decode to this many times the bytes it stores ...
MAX_EXPANSION = 32
#: ... plus, over a whole load, this many bytes more (a zero bias compresses to almost nothing)
EXPANSION_ALLOWANCE = 16 * 2 ** 20


def _h5py():
    import h5py
    return h5py


class H5Reader:
    """A read-only HDF5 file whose every link, attribute and dataset is checked before use."""

    def __init__(self, filepath):
        h5py = _h5py()
        self.filepath = filepath
        #: bytes compressed datasets may still decode to beyond MAX_EXPANSION times what they store
        self.expansion_left = EXPANSION_ALLOWANCE
        try:
            self.file = h5py.File(filepath, 'r')
        except Exception as e:  # OSError from HDF5 for truncated or damaged files
            raise SavingError('Cannot read %r: it starts like an HDF5 file but HDF5 cannot open it (%s). '
                              'The file is damaged or truncated; use an intact copy.'
                              % (filepath, _short(e))) from None

    @classmethod
    def over(cls, h5file):
        """A reader of an HDF5 file (or group) the caller has opened and keeps: every read is
        checked as for a file kcore opened; ``close`` leaves the caller's file open."""
        reader = cls.__new__(cls)
        reader.filepath = getattr(getattr(h5file, 'file', h5file), 'filename', '<in-memory HDF5 file>')
        reader.expansion_left = EXPANSION_ALLOWANCE
        reader.file = getattr(h5file, 'file', h5file)
        reader._borrowed = True
        return reader

    def close(self):
        if getattr(self, '_borrowed', False):
            return
        with contextlib.suppress(Exception):
            self.file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def damaged(self, what, error=None):
        detail = ' (%s)' % _short(error) if error is not None else ''
        return SavingError('Cannot read %r: %s%s. The file is damaged, truncated or was not written by '
                           'kcore or Keras; use an intact copy.' % (self.filepath, what, detail))

    # -- navigation ---------------------------------------------------------------------
    @property
    def root(self):
        return self.file

    def child(self, group, path, kind=None):
        """``group[path]`` after checking every link on the way; None if absent.

        ``kind`` is 'group' or 'dataset' to require one.  The path is walked one
        component at a time, so an absolute path or '.' cannot leave ``group``.
        """
        h5py = _h5py()
        obj = group
        parts = path.split('/')
        if not path or any(p in ('', '.', '..') for p in parts):
            raise UnsafeContentError('Refusing to read %r: the name %r in group %r is not a plain relative '
                                     'path.' % (self.filepath, path, group.name))
        for part in parts:
            if not isinstance(obj, h5py.Group):
                return None
            try:
                link = obj.get(part, getlink=True)
            except Exception as e:
                raise self.damaged('link %r in %r cannot be read' % (part, obj.name), e) from None
            if link is None:
                return None
            where = '%s/%s' % (obj.name.rstrip('/'), part)
            if isinstance(link, h5py.ExternalLink):
                raise UnsafeContentError(
                    'Refusing to read %r: %r is an HDF5 external link to %r in file %r. A model file must '
                    'not make kcore read another file (the lesson of CVE-2026-1669).'
                    % (self.filepath, where, link.path, link.filename))
            if isinstance(link, h5py.SoftLink):
                target = link.path
                inside = group.name.rstrip('/') + '/'
                if not target.startswith(inside) or '/./' in target or '/../' in target:
                    raise UnsafeContentError(
                        'Refusing to read %r: %r is a soft link to %r, outside the group %r it belongs to.'
                        % (self.filepath, where, target, group.name))
                if not self._hard_path(group, target[len(inside):]):
                    raise UnsafeContentError('Refusing to read %r: the soft link %r points to %r, which is '
                                             'not reached through plain links.' % (self.filepath, where, target))
            elif not isinstance(link, h5py.HardLink):
                raise UnsafeContentError('Refusing to read %r: %r is a link of an unknown kind.'
                                         % (self.filepath, where))
            try:
                obj = obj[part]
            except Exception as e:
                raise self.damaged('object %r cannot be opened' % where, e) from None
        if kind == 'group' and not isinstance(obj, h5py.Group):
            raise self.damaged('%r should be a group but is not' % obj.name)
        if kind == 'dataset' and not isinstance(obj, h5py.Dataset):
            raise self.damaged('%r should be a dataset but is not' % obj.name)
        return obj

    def _hard_path(self, group, relative):
        """True if every component of ``relative`` (below ``group``) is a hard link."""
        h5py = _h5py()
        obj = group
        for part in relative.split('/'):
            if not part or part in ('.', '..') or not isinstance(obj, h5py.Group):
                return False
            try:
                if not isinstance(obj.get(part, getlink=True), h5py.HardLink):
                    return False
                obj = obj[part]
            except Exception:
                return False
        return True

    # -- attributes -----------------------------------------------------------------------
    def has_attr(self, obj, name):
        try:
            return name in obj.attrs
        except Exception as e:
            raise self.damaged('the attributes of %r cannot be listed' % obj.name, e) from None

    def _raw_attr(self, obj, name, classes=('string',)):
        """An attribute's value, read only if its HDF5 type class is one of ``classes``.

        The class is checked first because HDF5 trusts a type description: a
        damaged one (a text attribute described as a sequence of 95-byte
        items, say) makes the library read past its buffers.
        """
        h5py = _h5py()
        try:
            aid = obj.attrs.get_id(name)
            dtype, shape = aid.dtype, aid.shape
            type_class = aid.get_type().get_class()
            count = int(np.prod(shape, dtype=np.float64)) if shape is not None else 0
            size = aid.get_storage_size() if count else 0
        except Exception as e:
            raise self.damaged('attribute %r of %r cannot be read' % (name, obj.name), e) from None
        if _has_reference(h5py, dtype):
            raise UnsafeContentError('Refusing to read %r: attribute %r of %r holds HDF5 object references, '
                                     'which kcore never follows.' % (self.filepath, name, obj.name))
        allowed = {_TYPE_CLASSES[c] for c in classes}
        if count and type_class not in allowed:
            raise self.damaged('attribute %r of %r has HDF5 type class %d, expected %s'
                               % (name, obj.name, type_class, ' or '.join(classes)))
        if size > MAX_ATTR_BYTES or count * 16 > MAX_ATTR_BYTES:
            raise self.damaged('attribute %r of %r is implausibly large (%d bytes)' % (name, obj.name, size))
        try:
            return obj.attrs[name]
        except Exception as e:
            raise self.damaged('attribute %r of %r cannot be read' % (name, obj.name), e) from None

    def text_attr(self, obj, name):
        """A string attribute (str or bytes in the file), or None if absent."""
        if not self.has_attr(obj, name):
            return None
        value = self._raw_attr(obj, name)
        if isinstance(value, np.ndarray) and value.shape == ():
            value = value[()]
        if isinstance(value, bytes):
            try:
                value = value.decode('utf-8')
            except UnicodeDecodeError:
                raise self.damaged('attribute %r of %r is not UTF-8 text' % (name, obj.name)) from None
        if not isinstance(value, str):
            raise self.damaged('attribute %r of %r should be text; it is %s' % (name, obj.name, type(value).__name__))
        if len(value) > MAX_ATTR_BYTES:  # a variable-length string: its size is known only once read
            raise self.damaged('attribute %r of %r holds %d characters, more than the %d allowed'
                               % (name, obj.name, len(value), MAX_ATTR_BYTES))
        return value

    def json_attr(self, obj, name):
        """A JSON attribute parsed, or None if absent."""
        text = self.text_attr(obj, name)
        if text is None:
            return None
        return config_limits.parse(text, 'in attribute %r of %r' % (name, self.filepath))

    def name_list_attr(self, obj, name):
        """A list of names (Keras splits long lists into name0, name1, ...); None if absent."""
        if self.has_attr(obj, name):
            chunks = [self._raw_attr(obj, name, _NAME_LIST)]
        elif self.has_attr(obj, name + '0'):
            chunks, i = [], 0
            while self.has_attr(obj, '%s%d' % (name, i)):
                chunks.append(self._raw_attr(obj, '%s%d' % (name, i), _NAME_LIST))
                i += 1
        else:
            return None
        out = []
        for chunk in chunks:
            values = np.asarray(chunk)
            if values.ndim != 1 or (values.size and values.dtype.kind not in 'OSU'):
                raise self.damaged('attribute %r of %r should be a list of names' % (name, obj.name))
            for v in values.tolist():
                if isinstance(v, bytes):
                    try:
                        v = v.decode('utf-8')
                    except UnicodeDecodeError:
                        raise self.damaged('a name in %r of %r is not UTF-8' % (name, obj.name)) from None
                if not isinstance(v, str):
                    raise self.damaged('attribute %r of %r should hold names' % (name, obj.name))
                out.append(v)
        return out

    # -- datasets ---------------------------------------------------------------------------
    def check_dataset(self, dset):
        """Refuse storage that lives outside the file or that HDF5 must compute."""
        h5py = _h5py()
        where = dset.name
        try:
            external = dset.external
            virtual = dset.is_virtual
            plist = dset.id.get_create_plist()
            filters = [plist.get_filter(i)[0] for i in range(plist.get_nfilters())]
            dtype = dset.dtype
        except Exception as e:
            raise self.damaged('dataset %r cannot be inspected' % where, e) from None
        if external:
            raise UnsafeContentError(
                'Refusing to read %r: dataset %r keeps its data in external file(s) %s. A model file must '
                'not make kcore read another file (the lesson of CVE-2026-1669).'
                % (self.filepath, where, ', '.join(repr(e[0]) for e in external)))
        if virtual:
            raise UnsafeContentError(
                'Refusing to read %r: dataset %r is an HDF5 virtual dataset, which maps data from other '
                'datasets or files. kcore reads only plain datasets.' % (self.filepath, where))
        unknown = [f for f in filters if f not in SAFE_FILTERS]
        if unknown:
            raise UnsafeContentError('Refusing to read %r: dataset %r needs HDF5 filter(s) %s, which would be '
                                     'loaded as plugins. kcore reads only the standard filters.'
                                     % (self.filepath, where, unknown))
        if _has_reference(h5py, dtype):
            raise UnsafeContentError('Refusing to read %r: dataset %r holds HDF5 object references, which '
                                     'kcore never follows.' % (self.filepath, where))
        try:
            type_class = dset.id.get_type().get_class()
        except Exception as e:
            raise self.damaged('dataset %r cannot be inspected' % where, e) from None
        if (type_class not in (_TYPE_CLASSES['float'], _TYPE_CLASSES['integer']) or dtype.kind not in 'fiu'
                or dtype.fields is not None or dtype.subdtype is not None):
            raise self.damaged('dataset %r has dtype %s; weights are numbers' % (where, dtype))
        return bool(filters)

    def storage(self, dset):
        """(bytes the file stores for ``dset``, whether a compressing filter decodes them)."""
        try:
            plist = dset.id.get_create_plist()
            filters = {plist.get_filter(i)[0] for i in range(plist.get_nfilters())}
            return dset.id.get_storage_size(), bool(filters & COMPRESSING_FILTERS)
        except Exception as e:
            raise self.damaged('dataset %r cannot be inspected' % dset.name, e) from None

    def _check_stored(self, dset, shape, nbytes):
        """Refuse data the file does not hold: missing bytes or chunks, or a decompression bomb."""
        stored, compressed = self.storage(dset)
        h5d = _h5py().h5d
        try:
            chunks = dset.chunks
            stored_chunks = dset.id.get_num_chunks() if chunks else None
        except Exception as e:
            raise self.damaged('dataset %r cannot be inspected' % dset.name, e) from None
        if chunks:
            needed = int(np.prod([-(-n // c) for n, c in zip(shape, chunks)], dtype=np.float64))
            if stored_chunks < needed:
                raise self.damaged('dataset %r stores %d of its %d chunks; the rest would read as fill values '
                                   '(zeros or NaN), not weights' % (dset.name, stored_chunks, needed))
        elif dset.id.get_create_plist().get_layout() != h5d.COMPACT and stored < nbytes:
            raise self.damaged('dataset %r declares %d bytes but the file stores %d of them'
                               % (dset.name, nbytes, stored))
        if stored == 0:
            raise self.damaged('dataset %r declares %d bytes but the file stores none' % (dset.name, nbytes))
        if compressed:
            excess = nbytes - stored * MAX_EXPANSION
            if excess > self.expansion_left:
                raise self.damaged('dataset %r stores %d compressed bytes that would decode to %d: more than '
                                   'kcore decompresses (%d times the stored size, plus %d bytes per file)'
                                   % (dset.name, stored, nbytes, MAX_EXPANSION, self.expansion_left))
            self.expansion_left -= max(0, excess)

    def read_array(self, dset, expected_shape):
        """The dataset as a NumPy array, read only if its declared shape is ``expected_shape``
        and the file really holds its data (every byte, or every chunk, stored).

        The caller compares shapes first (for its own error message); this
        re-checks, so no path can allocate what the file merely declares.
        """
        self.check_dataset(dset)
        shape = tuple(dset.shape) if dset.shape is not None else None
        if shape != tuple(expected_shape):
            raise SavingError('Refusing to read dataset %r of %r: it declares shape %s, expected %s.'
                              % (dset.name, self.filepath, shape, tuple(expected_shape)))
        nbytes = int(np.prod(shape, dtype=np.int64)) * dset.dtype.itemsize
        if nbytes:
            self._check_stored(dset, shape, nbytes)
        out = np.empty(shape, dtype=dset.dtype)
        try:
            if nbytes:
                dset.read_direct(out)
        except Exception as e:
            raise self.damaged('dataset %r cannot be read' % dset.name, e) from None
        return out


def _type_classes():
    h5t = _h5py().h5t
    return {'string': h5t.STRING, 'float': h5t.FLOAT, 'integer': h5t.INTEGER, 'reference': h5t.REFERENCE}


class _LazyClasses(dict):
    def __missing__(self, key):
        self.update(_type_classes())
        return dict.__getitem__(self, key)


_TYPE_CLASSES = _LazyClasses()
#: an empty name list is written by Keras as an empty float array
_NAME_LIST = ('string', 'float')


def _has_reference(h5py, dtype):
    if h5py.check_dtype(ref=dtype) is not None:
        return True
    if dtype.fields:
        return any(_has_reference(h5py, f[0]) for f in dtype.fields.values())
    if dtype.subdtype is not None:
        return _has_reference(h5py, dtype.subdtype[0])
    vlen = h5py.check_dtype(vlen=dtype)
    if vlen is not None and vlen not in (str, bytes):
        return _has_reference(h5py, np.dtype(vlen))
    return False


def _short(error):
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text[:300]
