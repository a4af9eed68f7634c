"""What kind of file is this?  Told by its bytes, never by its name.

HDF5 files start with an 8-byte signature, at offset 0 or, when the file has
a user block, at 512, 1024, 2048, ... bytes.  Other formats a user may hand to
``load_model`` by mistake (a Keras 3 ``.keras`` zip, a JSON config, a
TensorFlow SavedModel folder, a pickle) get an error that names what they are
and what to do instead.
"""
import os

from kcore.errors import SavingError

HDF5_SIGNATURE = b'\x89HDF\r\n\x1a\n'
_ZIP = b'PK\x03\x04'


def _hdf5_offsets(size):
    yield 0
    offset = 512
    while offset + len(HDF5_SIGNATURE) <= size:
        yield offset
        offset *= 2


def is_hdf5(filepath):
    """True if the file carries the HDF5 signature where HDF5 puts it."""
    size = os.path.getsize(filepath)
    with open(filepath, 'rb') as f:
        for offset in _hdf5_offsets(size):
            f.seek(offset)
            if f.read(len(HDF5_SIGNATURE)) == HDF5_SIGNATURE:
                return True
    return False


def check_hdf5(filepath, what='model'):
    """Raise a ``SavingError`` that says what the file is, unless it is HDF5."""
    filepath = os.fspath(filepath)
    if os.path.isdir(filepath):
        hint = (' It looks like a TensorFlow SavedModel folder, which kcore cannot read; in TensorFlow, '
                'load it and re-save it with model.save("model.h5").'
                if os.path.exists(os.path.join(filepath, 'saved_model.pb')) else '')
        raise SavingError('Cannot load a %s from %r: it is a folder, not a file. Expected an HDF5 file '
                          '(written by model.save("x.h5") in kcore or Keras).%s' % (what, filepath, hint))
    if not os.path.exists(filepath):
        raise SavingError('Cannot load a %s from %r: no such file.' % (what, filepath))
    size = os.path.getsize(filepath)
    if size == 0:
        raise SavingError('Cannot load a %s from %r: the file is empty (0 bytes). It was probably cut '
                          'short while being written or copied; use an intact copy.' % (what, filepath))
    if is_hdf5(filepath):
        return
    with open(filepath, 'rb') as f:
        head = f.read(16)
    raise SavingError('Cannot load a %s from %r: it is not an HDF5 file. %s Expected an HDF5 file written by '
                      'model.save("x.h5") or save_weights("x.h5") in kcore or Keras. Received: a file of %d '
                      'bytes starting with %r.' % (what, filepath, _describe(head), size, head[:8]))


def _describe(head):
    if head.startswith(_ZIP):
        return ('It is a zip archive, probably a Keras 3 ".keras" file, which kcore does not read; in Keras, '
                'load it and re-save it with model.save("model.h5").')
    if head.lstrip()[:1] in (b'{', b'['):
        return ('It looks like JSON text; a model architecture from to_json() is read with '
                'kcore.models.model_from_json(text).')
    if head[:1] == b'\x80':
        return 'It looks like a Python pickle, which kcore never loads (unpickling can run any code).'
    if head.startswith(b'\x89HDF'):
        return 'It starts like HDF5 but the signature is damaged.'
    return 'Its content is of an unknown kind.'
