"""A whole-file checksum in the HDF5 user block, verified before libhdf5 parses a byte.

libhdf5 trusts its own structures: one changed byte in a global heap (where
text attributes live) can send it into a loop that never ends, and a check
made *after* a read comes too late.  So kcore files start with a 512-byte
HDF5 user block, which HDF5 and h5py skip and never read:

    b'kcore-sha256:' + 64 hex digits of SHA-256(bytes 512..end) + b'\\n', zero-padded

``stamp`` writes it into a finished file image; ``verify`` re-hashes the file
with plain reads (4 MiB at a time, so memory stays flat) and raises
``SavingError`` on any difference.  Keras and h5py read such files unchanged.
Files without the stamp (Keras's, older kcore's) are checked by ``preflight``
instead.  The checksum detects damage; a file crafted with a recomputed
checksum is still walked by ``preflight`` (see ``needs_preflight``).
"""
import hashlib

from kcore.errors import SavingError

#: bytes reserved at the start of every kcore file (HDF5 allows 512, 1024, 2048, ...)
USER_BLOCK = 512
MAGIC = b'kcore-sha256:'
_CHUNK = 4 << 20


def _digest(stream):
    h = hashlib.sha256()
    buffer = bytearray(_CHUNK)
    view = memoryview(buffer)
    while True:
        n = stream.readinto(buffer)
        if not n:
            return h.hexdigest()
        h.update(view[:n])


def stamp(image):
    """Write the checksum into the user block of ``image`` (a writable buffer of a whole file)."""
    view = memoryview(image)
    digest = hashlib.sha256(view[USER_BLOCK:]).hexdigest().encode('ascii')
    header = MAGIC + digest + b'\n'
    view[:USER_BLOCK] = header + b'\0' * (USER_BLOCK - len(header))


def stored_digest(filepath):
    """The checksum kcore stored in the file's user block, or None if there is none."""
    with open(filepath, 'rb') as f:
        head = f.read(USER_BLOCK)
    if not head.startswith(MAGIC):
        return None
    digest = head[len(MAGIC):len(MAGIC) + 64]
    try:
        text = digest.decode('ascii')
        int(text, 16)
    except ValueError:
        text = None
    if text is None or len(text) != 64 or head[len(MAGIC) + 64:len(MAGIC) + 65] != b'\n':
        raise SavingError('Cannot read %r: its kcore checksum header is damaged. The file is damaged or was '
                          'altered after it was saved; use an intact copy.' % (filepath,))
    return text


def verify(filepath):
    """True if the file carries a kcore checksum and matches it; False if it has none.

    Raises ``SavingError`` (before any HDF5 parsing) when the content differs.
    """
    saved = stored_digest(filepath)
    if saved is None:
        return False
    with open(filepath, 'rb') as f:
        f.seek(USER_BLOCK)
        actual = _digest(f)
    if actual != saved:
        raise SavingError('Cannot read %r: its content does not match the SHA-256 checksum kcore stored when '
                          'saving it (stored %s..., found %s...). The file was damaged (a bad disk or an '
                          'interrupted copy) or altered; use an intact copy.' % (filepath, saved[:12], actual[:12]))
    return True
