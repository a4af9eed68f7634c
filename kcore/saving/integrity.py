r"""A whole-file checksum after the HDF5 image, verified before libhdf5 parses a byte.

libhdf5 trusts its own structures: one changed byte in a global heap (where
text attributes live) can send it into a loop that never ends, and a check
made *after* a read comes too late.  So a kcore file ends with an 80-byte
trailer that HDF5 never reads (it stops at the end address its superblock
records; bytes after it are ignored by every HDF5 reader, Keras's included):

    b'\nkcore-sha256:' + 64 hex digits of SHA-256(everything before the trailer) + b'\n' + padding

A trailer rather than an HDF5 user block, so the file still starts with the
HDF5 signature (tools and scripts check byte 0).  ``trailer`` makes it for a
finished file image; ``verify`` re-hashes the file with plain reads (4 MiB at
a time, so memory stays flat) and raises ``SavingError`` on any difference.
Files without the trailer (Keras's, older kcore's, a kcore file extended by an
h5py edit, which overwrites it) are not verified here; every file is still
walked by ``preflight``, which also stops a file crafted with a recomputed
checksum.
"""
import hashlib
import os

from kcore.errors import SavingError

MAGIC = b'\nkcore-sha256:'
TRAILER = 80
_CHUNK = 4 << 20


def _digest(stream, length):
    h = hashlib.sha256()
    buffer = bytearray(_CHUNK)
    view = memoryview(buffer)
    while length > 0:
        n = stream.readinto(view[:min(_CHUNK, length)])
        if not n:
            break
        h.update(view[:n])
        length -= n
    return h.hexdigest()


def trailer(image):
    """The trailer to append to ``image`` (the bytes of a whole HDF5 file)."""
    digest = hashlib.sha256(image).hexdigest().encode('ascii')
    text = MAGIC + digest + b'\n'
    return text + b'\0' * (TRAILER - len(text))


def _cut_trailer(tail):
    """True if ``tail`` (the file's last bytes) ends inside a trailer: the file lost its last bytes."""
    at = tail.find(MAGIC[:4])
    while at >= 0:
        rest = tail[at:]
        if MAGIC.startswith(rest[:len(MAGIC)]) or rest.startswith(MAGIC):
            return True
        at = tail.find(MAGIC[:4], at + 1)
    return False


def stored_digest(filepath):
    """The checksum kcore stored at the end of the file, or None if there is none."""
    size = os.path.getsize(filepath)
    with open(filepath, 'rb') as f:
        f.seek(max(0, size - TRAILER))
        tail = f.read(TRAILER)
    if len(tail) < TRAILER or not tail.startswith(MAGIC):
        if _cut_trailer(tail):
            raise SavingError('Cannot read %r: the file is truncated (its kcore checksum trailer is cut short). '
                              'It was cut off while being written or copied; use an intact copy.' % (filepath,))
        return None
    digest = tail[len(MAGIC):len(MAGIC) + 64]
    try:
        text = digest.decode('ascii')
        int(text, 16)
    except ValueError:
        text = None
    if text is None or len(text) != 64 or tail[len(MAGIC) + 64:len(MAGIC) + 65] != b'\n':
        raise SavingError('Cannot read %r: its kcore checksum trailer is damaged. The file is damaged or was '
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
        actual = _digest(f, os.path.getsize(filepath) - TRAILER)
    if actual != saved:
        raise SavingError('Cannot read %r: its content does not match the SHA-256 checksum kcore stored when '
                          'saving it (stored %s..., found %s...). The file was damaged (a bad disk or an '
                          'interrupted copy) or altered; use an intact copy.' % (filepath, saved[:12], actual[:12]))
    return True
