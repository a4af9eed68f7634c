"""Downloading files into Keras's cache: ``get_file``, ``validate_file``.

The cache is Keras's own (``$KERAS_HOME`` or ``~/.keras``, then ``datasets/``),
so a file a user already downloaded with Keras is reused as it is.

Differences from Keras 2.3.1, all for safety:

- a download lands atomically (a temporary file in the cache folder, renamed
  into place only when complete and, given a hash, verified); an interrupted or
  corrupted download leaves nothing behind, and a hash mismatch after download
  is an error instead of a silently kept file;
- archives are checked before anything is written: members that would land
  outside the target folder (absolute paths, ``..``, links pointing out,
  devices) are refused, and the total size is bounded (``MAX_EXTRACTED_BYTES``);
  a failed extraction never deletes the target folder (Keras removes it);
- without a network, the error names the URL and the exact path where the
  file may be put by hand; a cached file whose hash differs (a file placed by
  hand, a newer version) is then used as it is, with a printed note, where
  Keras fails. Readers never run code from a file, so this costs no safety.
"""
import hashlib
import os
import posixpath
import tarfile
import urllib.error
import urllib.request
import zipfile

from kcore.errors import DownloadError
from kcore.training.data import Sequence  # noqa: F401  (Keras has it here too)
from kcore.utils.enqueuers import GeneratorEnqueuer, OrderedEnqueuer, SequenceEnqueuer  # noqa: F401
from kcore.utils.progbar import Progbar

#: seconds a stalled connection may stay silent before the download fails
TIMEOUT_S = 60
#: the most bytes an archive may extract to (a bound against decompression bombs)
MAX_EXTRACTED_BYTES = 64 * 2 ** 30
#: the most members an archive may hold
MAX_MEMBERS = 10_000_000
_CHUNK = 1 << 16


def cache_root(cache_dir=None):
    """Keras's cache folder: ``cache_dir``, else ``$KERAS_HOME``, else ``~/.keras``;
    ``/tmp/.keras`` when that folder is not writable (as Keras 2.3)."""
    if cache_dir is None:
        cache_dir = os.environ.get('KERAS_HOME') or os.path.join(os.path.expanduser('~'), '.keras')
    base = os.path.expanduser(os.fspath(cache_dir))
    probe = base if os.path.exists(base) else os.path.dirname(os.path.abspath(base))
    if not os.access(probe, os.W_OK):
        base = os.path.join('/tmp', '.keras')
    return base


def _hash_file(fpath, algorithm='sha256', chunk_size=65535):
    """The hex digest of ``fpath``: sha256 (``'sha256'``, or ``'auto'``) or md5."""
    hasher = hashlib.md5() if algorithm == 'md5' else hashlib.sha256()
    with open(fpath, 'rb') as f:
        for chunk in iter(lambda: f.read(chunk_size), b''):
            hasher.update(chunk)
    return hasher.hexdigest()


def _algorithm_for(file_hash, algorithm):
    if algorithm not in ('auto', 'md5', 'sha256'):
        raise ValueError("hash_algorithm must be 'auto', 'md5' or 'sha256'. Received: hash_algorithm=%r."
                         % (algorithm,))
    if algorithm == 'sha256' or (algorithm == 'auto' and len(str(file_hash)) == 64):
        return 'sha256'
    return 'md5'


def validate_file(fpath, file_hash, algorithm='auto', chunk_size=65535):
    """Whether ``fpath`` has the hash ``file_hash`` (``'auto'``: sha256 for a
    64-character hash, md5 otherwise)."""
    algorithm = _algorithm_for(file_hash, algorithm)
    return _hash_file(fpath, algorithm, chunk_size) == str(file_hash).lower()


def get_file(fname, origin, untar=False, md5_hash=None, file_hash=None, cache_subdir='datasets',
             hash_algorithm='auto', extract=False, archive_format='auto', cache_dir=None):
    """Download ``origin`` to ``<cache_dir>/<cache_subdir>/<fname>`` unless it is there
    already (with the right hash); return its path.

    ``origin`` may be an ``http(s)://``, ``ftp://`` or ``file://`` URL. A cached
    file whose hash does not match ``file_hash`` is downloaded again (as Keras).
    ``extract=True`` unpacks a tar/zip archive next to the file; ``untar=True``
    (Keras 1) downloads ``<fname>.tar.gz``, unpacks it and returns ``<fname>``.
    """
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, 'md5'
    if file_hash is not None:
        _algorithm_for(file_hash, hash_algorithm)
    datadir = os.path.join(cache_root(cache_dir), cache_subdir)
    os.makedirs(datadir, exist_ok=True)
    fname = os.fspath(fname)
    if untar:
        untar_fpath = os.path.join(datadir, fname)
        fpath = untar_fpath + '.tar.gz'
    else:
        fpath = os.path.join(datadir, fname)

    if untar and os.path.exists(untar_fpath) and not os.path.exists(fpath):
        return untar_fpath  # unpacked already and the archive deleted (Keras would download it again)
    if not os.path.exists(fpath):
        print('Downloading data from', origin)
        _download(origin, fpath, file_hash, hash_algorithm)
    elif file_hash is not None and not validate_file(fpath, file_hash, hash_algorithm):
        print('A local file was found, but it seems to be incomplete or outdated because the %s file hash '
              'does not match the original value of %s so we will re-download the data.'
              % (_algorithm_for(file_hash, hash_algorithm), file_hash))
        print('Downloading data from', origin)
        try:
            _download(origin, fpath, file_hash, hash_algorithm)
        except DownloadError as e:
            if not e.offline:
                raise
            print('No network: using the local file %s as it is.' % fpath)

    if untar:
        if not os.path.exists(untar_fpath):
            _extract_archive(fpath, datadir, archive_format='tar')
        return untar_fpath
    if extract:
        _extract_archive(fpath, datadir, archive_format)
    return fpath


def _download(origin, fpath, file_hash, hash_algorithm):
    """Stream ``origin`` into a temporary file beside ``fpath``; rename it into place
    only when it is complete (and has the expected hash)."""
    from kcore.saving.atomic import atomic_path  # here: ``import kcore`` stays light (kcore.saving loads on use)
    try:
        with atomic_path(fpath) as tmp:
            try:
                response = urllib.request.urlopen(origin, timeout=TIMEOUT_S)
            except (urllib.error.URLError, OSError, ValueError) as e:
                error = DownloadError(
                    'Cannot download %r: %s. kcore needs the file at %s. Without a network, fetch %s on '
                    'another machine and copy it to exactly that path (the cache folder is $KERAS_HOME or '
                    '~/.keras; pass cache_dir= to use another one).'
                    % (origin, getattr(e, 'reason', e), fpath, origin))
                error.offline = True
                raise error from e
            with response, open(tmp, 'wb') as out:
                total = response.headers.get('Content-Length') if response.headers else None
                bar = Progbar(int(total) if total and total.isdigit() else None, unit_name='B')
                done = 0
                for chunk in iter(lambda: response.read(_CHUNK), b''):
                    out.write(chunk)
                    done += len(chunk)
                    bar.update(done, finalize=False)
                bar.update(done, finalize=True)
                out.flush()
            if file_hash is not None and not validate_file(tmp, file_hash, hash_algorithm):
                raise DownloadError(
                    'The file downloaded from %r does not have the expected %s hash %s. It was not kept. '
                    'The server may be serving another version: check the URL and the hash, then retry.'
                    % (origin, _algorithm_for(file_hash, hash_algorithm), file_hash))
    except (OSError, urllib.error.URLError) as e:
        if isinstance(e, DownloadError):
            raise
        raise DownloadError('URL fetch failure on %s: %s. Nothing was written to %s; retry, or copy the file '
                            'there by hand.' % (origin, e, fpath)) from e


# -- archives ----------------------------------------------------------------------------

def _inside(root, name):
    """The path ``name`` would take below ``root``; None if it escapes ``root``."""
    name = name.replace('\\', '/')
    if name.startswith('/') or (len(name) > 1 and name[1] == ':'):
        return None
    norm = posixpath.normpath(name)
    if norm == '..' or norm.startswith('../'):
        return None
    return os.path.join(root, *[p for p in norm.split('/') if p not in ('', '.')])


def _refuse(file_path, member, why):
    raise DownloadError('Refusing to extract %s: member %r %s. The archive may be damaged or hostile; '
                        'delete it and download it again.' % (file_path, member, why))


def _check_tar(file_path, tar, root):
    members, total = tar.getmembers(), 0
    if len(members) > MAX_MEMBERS:
        _refuse(file_path, members[MAX_MEMBERS].name, 'is beyond the limit of %d members' % MAX_MEMBERS)
    for m in members:
        target = _inside(root, m.name)
        if target is None:
            _refuse(file_path, m.name, 'would be written outside %s' % root)
        if m.issym() or m.islnk():
            link = m.linkname if m.islnk() else posixpath.join(posixpath.dirname(m.name), m.linkname)
            if m.linkname.startswith('/') or _inside(root, link) is None:
                _refuse(file_path, m.name, 'is a link pointing outside %s' % root)
        elif not (m.isfile() or m.isdir()):
            _refuse(file_path, m.name, 'is a device, fifo or other special file')
        total += max(m.size, 0)
        if total > MAX_EXTRACTED_BYTES:
            _refuse(file_path, m.name, 'takes the archive beyond %d bytes' % MAX_EXTRACTED_BYTES)
    return members


def _check_zip(file_path, archive, root):
    infos, total = archive.infolist(), 0
    if len(infos) > MAX_MEMBERS:
        _refuse(file_path, infos[MAX_MEMBERS].filename, 'is beyond the limit of %d members' % MAX_MEMBERS)
    for info in infos:
        if _inside(root, info.filename) is None:
            _refuse(file_path, info.filename, 'would be written outside %s' % root)
        total += info.file_size
        if total > MAX_EXTRACTED_BYTES:
            _refuse(file_path, info.filename, 'takes the archive beyond %d bytes' % MAX_EXTRACTED_BYTES)
    return infos


def _extract_tar(file_path, root):
    with tarfile.open(file_path) as tar:
        members = _check_tar(file_path, tar, root)
        bar = Progbar(len(members), unit_name='file')
        for i, m in enumerate(members, 1):
            tar.extract(m, root, set_attrs=False, **({'filter': 'data'} if hasattr(tarfile, 'data_filter') else {}))
            bar.update(i)


def _extract_zip(file_path, root):
    with zipfile.ZipFile(file_path) as archive:
        infos = _check_zip(file_path, archive, root)
        bar = Progbar(len(infos), unit_name='file')
        for i, info in enumerate(infos, 1):
            target = _inside(root, info.filename)
            if info.is_dir():
                os.makedirs(target, exist_ok=True)
            else:
                os.makedirs(os.path.dirname(target), exist_ok=True)
                written, limit = 0, info.file_size
                with archive.open(info) as src, open(target, 'wb') as dst:
                    for chunk in iter(lambda: src.read(_CHUNK), b''):
                        written += len(chunk)
                        if written > limit:  # a header that lies about the size
                            dst.close()
                            os.remove(target)
                            _refuse(file_path, info.filename, 'holds more bytes than its header declares')
                        dst.write(chunk)
            bar.update(i)


def _extract_archive(file_path, path='.', archive_format='auto'):
    """Extract a tar or zip archive into ``path``; True if it was one of ``archive_format``."""
    if archive_format is None:
        return False
    if archive_format == 'auto':
        archive_format = ['tar', 'zip']
    if isinstance(archive_format, str):
        archive_format = [archive_format]
    file_path, path = os.fspath(file_path), os.fspath(path)
    root = os.path.abspath(path)
    for kind in archive_format:
        if kind == 'tar' and tarfile.is_tarfile(file_path):
            _extract_tar(file_path, root)
            return True
        if kind == 'zip' and zipfile.is_zipfile(file_path):
            _extract_zip(file_path, root)
            return True
        if kind not in ('tar', 'zip'):
            raise ValueError("archive_format must be 'auto', 'tar', 'zip', a list of those, or None. "
                             "Received: archive_format=%r." % (kind,))
    return False


# -- Keras 2's worker-pool helpers: a table of sequences/generators a worker reads by uid ---------------
_SHARED_SEQUENCES = {}


def init_pool(seqs):
    """Install ``seqs`` (uid -> ``Sequence``) as the table ``get_index`` reads (a pool initializer)."""
    global _SHARED_SEQUENCES
    _SHARED_SEQUENCES = seqs


def get_index(uid, i):
    """Batch ``i`` of the sequence registered under ``uid``."""
    return _SHARED_SEQUENCES[uid][i]


def init_pool_generator(gens, random_seed=None):
    """Install ``gens`` (uid -> generator) for ``next_sample``; with ``random_seed``, seed NumPy's
    global generator with it plus the process id, so parallel workers draw different numbers."""
    global _SHARED_SEQUENCES
    _SHARED_SEQUENCES = gens
    if random_seed is not None:
        import numpy as np
        np.random.seed((random_seed + os.getpid()) % (2 ** 32))


def next_sample(uid):
    """The next item of the generator registered under ``uid``."""
    return next(_SHARED_SEQUENCES[uid])


__all__ = ['get_file', 'validate_file', 'Sequence', 'SequenceEnqueuer', 'OrderedEnqueuer', 'GeneratorEnqueuer',
           'init_pool', 'get_index', 'init_pool_generator', 'next_sample']
