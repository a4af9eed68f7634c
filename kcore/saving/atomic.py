"""Atomic file replacement: a save either lands whole or leaves the old file untouched.

The new content is written to a temporary file in the destination's own folder
(so the final ``os.replace`` is a rename on one file system, which POSIX and
Windows make atomic), flushed to disk with ``fsync``, then renamed over the
destination; the folder is fsynced too so the rename survives a power cut.
Any failure before the rename (an exception in the writer, a full disk)
removes the temporary file and re-raises: the previous file stays as it was.
"""
import contextlib
import os
import tempfile

from kcore.errors import SavingError

#: prefix of the temporary files; a crash of the process itself may leave one behind
TEMP_PREFIX = '.kcore-tmp-'


def _fsync_path(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(folder):
    try:
        _fsync_path(folder)
    except OSError:  # some platforms (Windows) cannot open a folder; the rename is still atomic
        pass


def _give_usual_mode(tmp, filepath):
    """mkstemp makes 0600 files; give the old file's mode, or the one open() would give."""
    try:
        mode = os.stat(filepath).st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    with contextlib.suppress(OSError):
        os.chmod(tmp, mode)


def check_target(filepath, overwrite):
    """(path, folder) if ``filepath`` may be written; a clear error otherwise."""
    filepath = os.fspath(filepath)
    folder = os.path.dirname(os.path.abspath(filepath))
    if not overwrite and os.path.exists(filepath):
        raise SavingError('Not saving: %r already exists and overwrite=False. Pass overwrite=True to '
                          'replace it, or choose another file name.' % filepath)
    if not os.path.isdir(folder):
        raise SavingError('Cannot save to %r: the folder %r does not exist. Create it first '
                          '(os.makedirs(%r)).' % (filepath, folder, folder))
    return filepath, folder


def write_bytes(filepath, data, overwrite=True):
    """Replace ``filepath`` with ``data`` (bytes or a buffer) atomically."""
    with atomic_path(filepath, overwrite) as tmp:
        with open(tmp, 'wb') as out:
            out.write(data)
            out.flush()


@contextlib.contextmanager
def atomic_path(filepath, overwrite=True):
    """Yield a temporary path to write; on success it replaces ``filepath`` atomically.

    ``overwrite=False`` refuses to replace an existing file (checked before any
    work is done, and again just before the rename).
    """
    filepath, folder = check_target(filepath, overwrite)
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix='.part', dir=folder)
    os.close(fd)
    _give_usual_mode(tmp, filepath)
    try:
        yield tmp
        _fsync_path(tmp)
        if not overwrite and os.path.exists(filepath):
            raise SavingError('Not saving: %r appeared while saving and overwrite=False.' % filepath)
        os.replace(tmp, filepath)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise
    _fsync_folder(folder)
