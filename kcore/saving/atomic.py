"""Atomic file replacement: a save either lands whole or leaves the old file untouched.

The new content is written to a temporary file in the destination's own folder
(so the final ``os.replace`` is a rename on one file system, which POSIX and
Windows make atomic), flushed to disk with ``fsync``, then renamed over the
destination; the folder is fsynced too so the rename survives a power cut.
Any failure before the rename (an exception in the writer, a full disk)
removes the temporary file and re-raises: the previous file stays as it was.
A process killed mid-save leaves its temporary file (named after its host and
process id); the next save in that folder removes it.
"""
import contextlib
import errno
import os
import socket
import time

from kcore.errors import SavingError

#: prefix of the temporary files: '.kcore-tmp-<host>-<pid>-<n>.part'
TEMP_PREFIX = '.kcore-tmp-'
#: a temporary file of another host, or one whose owner cannot be told, is stale after this long
STALE_SECONDS = 24 * 3600
_counter = [0]


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


def _host():
    return ''.join(c for c in socket.gethostname() if c.isalnum())[:32] or 'host'


def _create_temp(folder, filepath):
    """A new, empty temporary file beside the target, named after this host and process.

    It is created with mode 0666 and the kernel applies the umask (no
    ``umask(0)`` dance that would race with other threads); replacing an
    existing file keeps that file's mode.
    """
    try:
        mode = os.stat(filepath).st_mode & 0o7777
    except OSError:
        mode = None
    while True:
        _counter[0] += 1
        tmp = os.path.join(folder, '%s%s-%d-%d-%d.part' % (TEMP_PREFIX, _host(), os.getpid(), _counter[0],
                                                          time.monotonic_ns() % 1000000))
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, 'O_BINARY', 0), 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        if mode is not None:
            with contextlib.suppress(OSError):
                os.chmod(tmp, mode)
        return tmp


def _owner_gone(name):
    """True if a temporary file's name says it belongs to a process of this host that has ended."""
    parts = name[len(TEMP_PREFIX):].split('-')
    if len(parts) < 3 or parts[0] != _host() or not parts[1].isdigit():
        return False
    pid = int(parts[1])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists but is not ours, or the platform cannot tell
        return False
    return False


def remove_stale_temps(folder):
    """Delete temporary files that a killed save left in ``folder``; returns their names.

    A file is stale when its process (same host) has ended, or when it is older
    than ``STALE_SECONDS`` (another host's, or an older kcore's naming).
    """
    removed = []
    try:
        names = [n for n in os.listdir(folder) if n.startswith(TEMP_PREFIX) and n.endswith('.part')]
    except OSError:
        return removed
    now = time.time()
    for name in names:
        path = os.path.join(folder, name)
        try:
            old = now - os.lstat(path).st_mtime > STALE_SECONDS
            if _owner_gone(name) or old:
                os.remove(path)
                removed.append(name)
        except OSError:
            continue
    return removed


def resolve(filepath):
    """The file a save really writes: a symbolic link's target (as h5py writes through links)."""
    filepath = os.fspath(filepath)
    if os.path.islink(filepath):
        return os.path.realpath(filepath)
    return filepath


def check_target(filepath, overwrite):
    """(path, folder) if ``filepath`` may be written; a clear error otherwise."""
    filepath = resolve(filepath)
    folder = os.path.dirname(os.path.abspath(filepath))
    if not overwrite and os.path.exists(filepath):
        raise SavingError('Not saving: %r already exists and overwrite=False. Pass overwrite=True to '
                          'replace it, or choose another file name.' % filepath)
    if not os.path.isdir(folder):
        raise SavingError('Cannot save to %r: the folder %r does not exist. Create it first '
                          '(os.makedirs(%r)).' % (filepath, folder, folder))
    if os.path.isdir(filepath):
        raise SavingError('Cannot save to %r: it is a folder. Choose a file name.' % filepath)
    if os.path.exists(filepath) and not os.access(filepath, os.W_OK):
        raise SavingError('Cannot save to %r: the file is read-only. Make it writable (chmod u+w) or save '
                          'to another name.' % filepath)
    return filepath, folder


def write_bytes(filepath, data, overwrite=True):
    """Replace ``filepath`` with ``data`` (bytes or a buffer, or a list of them, written in order)
    atomically."""
    parts = data if isinstance(data, (list, tuple)) else [data]
    with atomic_path(filepath, overwrite) as tmp:
        with open(tmp, 'wb') as out:
            for part in parts:
                out.write(part)
            out.flush()


def _target_error(filepath, error):
    why = error.strerror or str(error)
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        why += ' (the folder or the file is not writable)'
    return SavingError('Cannot save to %r: %s.' % (filepath, why))


@contextlib.contextmanager
def atomic_path(filepath, overwrite=True):
    """Yield a temporary path to write; on success it replaces ``filepath`` atomically.

    ``overwrite=False`` refuses to replace an existing file (checked before any
    work is done, and again just before the rename).  A symbolic link is
    written through: its target is replaced and the link stays.  Temporary
    files left by saves that were killed in this folder are removed first.
    Errors from the system name ``filepath``, never the temporary file.
    """
    filepath, folder = check_target(filepath, overwrite)
    remove_stale_temps(folder)
    try:
        tmp = _create_temp(folder, filepath)
    except OSError as e:
        raise _target_error(filepath, e) from None
    try:
        yield tmp
        _fsync_path(tmp)
        if not overwrite and os.path.exists(filepath):
            raise SavingError('Not saving: %r appeared while saving and overwrite=False.' % filepath)
        os.replace(tmp, filepath)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        if isinstance(e, OSError) and not isinstance(e, SavingError) and tmp in str(e):
            raise _target_error(filepath, e) from None
        raise
    _fsync_folder(folder)
