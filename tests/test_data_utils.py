"""get_file: Keras's cache layout, hash checks, atomic downloads, safe extraction, offline errors."""
import hashlib
import io
import os
import tarfile
import zipfile

import pytest

from kcore.errors import DownloadError
from kcore.utils import data_utils, get_file, validate_file


def _source(tmp_path, name='payload.bin', data=b'kcore data ' * 1000):
    src = tmp_path / 'server' / name
    src.parent.mkdir(parents=True, exist_ok=True)
    src.write_bytes(data)
    return src, data


def _read(path):
    with open(path, 'rb') as f:
        return f.read()


def _leftovers(folder):
    return [n for n in os.listdir(folder) if n.startswith('.kcore-tmp-')]


def test_downloads_into_keras_cache_layout(tmp_path):
    src, data = _source(tmp_path)
    path = get_file('payload.bin', src.as_uri(), cache_dir=str(tmp_path / 'cache'))
    assert path == str(tmp_path / 'cache' / 'datasets' / 'payload.bin')
    assert _read(path) == data
    path2 = get_file('x.bin', src.as_uri(), cache_dir=str(tmp_path / 'cache'), cache_subdir='models')
    assert path2 == str(tmp_path / 'cache' / 'models' / 'x.bin')


def test_keras_home_is_the_default_cache(tmp_path, monkeypatch):
    src, _ = _source(tmp_path)
    monkeypatch.setenv('KERAS_HOME', str(tmp_path / 'home'))
    assert get_file('p.bin', src.as_uri()) == str(tmp_path / 'home' / 'datasets' / 'p.bin')
    monkeypatch.delenv('KERAS_HOME')
    monkeypatch.setenv('HOME', str(tmp_path / 'user'))
    (tmp_path / 'user').mkdir()
    assert get_file('p.bin', src.as_uri()) == str(tmp_path / 'user' / '.keras' / 'datasets' / 'p.bin')


def test_cached_file_is_used_without_network(tmp_path):
    cache = tmp_path / 'cache' / 'datasets'
    cache.mkdir(parents=True)
    (cache / 'have.npz').write_bytes(b'cached')
    path = get_file('have.npz', 'http://127.0.0.1:9/nowhere/have.npz', cache_dir=str(tmp_path / 'cache'))
    assert _read(path) == b'cached'


def test_hashes_md5_sha256_and_auto(tmp_path):
    src, data = _source(tmp_path)
    md5, sha = hashlib.md5(data).hexdigest(), hashlib.sha256(data).hexdigest()
    assert data_utils._hash_file(str(src)) == sha
    assert data_utils._hash_file(str(src), 'md5') == md5
    assert validate_file(str(src), sha) and validate_file(str(src), md5)
    assert validate_file(str(src), md5, algorithm='md5') and not validate_file(str(src), md5, algorithm='sha256')
    assert not validate_file(str(src), 'f' * 64)
    with pytest.raises(ValueError, match='hash_algorithm'):
        validate_file(str(src), md5, algorithm='sha1')
    cache = str(tmp_path / 'c')
    assert get_file('a.bin', src.as_uri(), file_hash=sha, cache_dir=cache)
    assert get_file('b.bin', src.as_uri(), md5_hash=md5, cache_dir=cache)


def test_wrong_hash_after_download_keeps_nothing(tmp_path):
    src, _ = _source(tmp_path)
    cache = tmp_path / 'c'
    with pytest.raises(DownloadError, match='expected md5 hash'):
        get_file('a.bin', src.as_uri(), file_hash='0' * 32, cache_dir=str(cache))
    assert os.listdir(cache / 'datasets') == []


def test_stale_cached_file_is_downloaded_again(tmp_path, capsys):
    src, data = _source(tmp_path)
    cache = tmp_path / 'c' / 'datasets'
    cache.mkdir(parents=True)
    (cache / 'a.bin').write_bytes(b'old and truncated')
    path = get_file('a.bin', src.as_uri(), file_hash=hashlib.sha256(data).hexdigest(), cache_dir=str(tmp_path / 'c'))
    assert _read(path) == data
    assert 'will re-download' in capsys.readouterr().out


def test_offline_error_names_url_and_path(tmp_path):
    url = 'http://127.0.0.1:9/keras-datasets/mnist.npz'
    with pytest.raises(DownloadError) as info:
        get_file('mnist.npz', url, cache_dir=str(tmp_path))
    msg = str(info.value)
    assert url in msg and str(tmp_path / 'datasets' / 'mnist.npz') in msg
    assert isinstance(info.value, OSError)
    missing = (tmp_path / 'nope.bin').as_uri()
    with pytest.raises(DownloadError, match='nope.bin'):
        get_file('nope.bin', missing, cache_dir=str(tmp_path))
    assert _leftovers(tmp_path / 'datasets') == [] and os.listdir(tmp_path / 'datasets') == []


class _BrokenResponse(io.BytesIO):
    headers = {'Content-Length': '1000000'}

    def read(self, n=-1):
        if self.tell() > 100:
            raise ConnectionResetError('connection reset by peer')
        return super().read(min(n, 64))


def test_interrupted_download_leaves_no_half_file(tmp_path, monkeypatch):
    monkeypatch.setattr(data_utils.urllib.request, 'urlopen', lambda url, timeout: _BrokenResponse(b'x' * 10000))
    with pytest.raises(DownloadError, match='URL fetch failure'):
        get_file('big.bin', 'http://example.invalid/big.bin', cache_dir=str(tmp_path))
    assert os.listdir(tmp_path / 'datasets') == []


def test_progress_bar_in_a_log_prints_one_line(tmp_path, capsys):
    src, _ = _source(tmp_path)
    get_file('p.bin', src.as_uri(), cache_dir=str(tmp_path / 'c'))
    out = capsys.readouterr().out
    assert out.startswith('Downloading data from ' + src.as_uri())
    assert '\r' not in out and '11000/11000 [====' in out


def _tar(path, members, mode='w:gz'):
    with tarfile.open(path, mode) as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_extract_tar_and_zip_and_untar(tmp_path):
    server = tmp_path / 'server'
    server.mkdir()
    _tar(server / 'pack.tar.gz', [('pack/a.txt', b'A'), ('pack/sub/b.txt', b'B')])
    with zipfile.ZipFile(server / 'z.zip', 'w') as z:
        z.writestr('zdir/c.txt', b'C')
    cache = str(tmp_path / 'c')
    path = get_file('pack.tar.gz', (server / 'pack.tar.gz').as_uri(), extract=True, cache_dir=cache)
    root = os.path.dirname(path)
    assert _read(os.path.join(root, 'pack', 'sub', 'b.txt')) == b'B'
    get_file('z.zip', (server / 'z.zip').as_uri(), extract=True, cache_dir=cache)
    assert _read(os.path.join(root, 'zdir', 'c.txt')) == b'C'
    untarred = get_file('pack', (server / 'pack.tar.gz').as_uri(), untar=True, cache_dir=str(tmp_path / 'u'))
    assert untarred == str(tmp_path / 'u' / 'datasets' / 'pack') and os.path.isdir(untarred)
    assert not data_utils._extract_archive(str(server / 'z.zip'), str(tmp_path), archive_format='tar')
    assert not data_utils._extract_archive(str(server / 'z.zip'), str(tmp_path), archive_format=None)


@pytest.mark.parametrize('name', ['../evil.txt', '/tmp/kcore-evil.txt', 'ok/../../evil.txt'])
def test_tar_members_outside_the_folder_are_refused(tmp_path, name):
    _tar(tmp_path / 'bad.tar', [('fine.txt', b'ok'), (name, b'evil')], mode='w')
    target = tmp_path / 'out'
    target.mkdir()
    with pytest.raises(DownloadError, match='outside'):
        data_utils._extract_archive(str(tmp_path / 'bad.tar'), str(target))
    assert os.listdir(target) == []  # checked before anything is written
    assert not (tmp_path / 'evil.txt').exists()


def test_tar_links_out_and_devices_are_refused(tmp_path):
    with tarfile.open(tmp_path / 'link.tar', 'w') as tar:
        info = tarfile.TarInfo('pwn')
        info.type, info.linkname = tarfile.SYMTYPE, '../../etc/passwd'
        tar.addfile(info)
    with pytest.raises(DownloadError, match='link pointing outside'):
        data_utils._extract_archive(str(tmp_path / 'link.tar'), str(tmp_path / 'o'))
    with tarfile.open(tmp_path / 'dev.tar', 'w') as tar:
        info = tarfile.TarInfo('dev')
        info.type = tarfile.CHRTYPE
        tar.addfile(info)
    with pytest.raises(DownloadError, match='special file'):
        data_utils._extract_archive(str(tmp_path / 'dev.tar'), str(tmp_path / 'o'))


def test_zip_traversal_and_size_bound(tmp_path, monkeypatch):
    with zipfile.ZipFile(tmp_path / 'bad.zip', 'w') as z:
        z.writestr('../evil.txt', b'evil')
    with pytest.raises(DownloadError, match='outside'):
        data_utils._extract_archive(str(tmp_path / 'bad.zip'), str(tmp_path / 'o'))
    assert not (tmp_path / 'evil.txt').exists()
    with zipfile.ZipFile(tmp_path / 'bomb.zip', 'w', zipfile.ZIP_DEFLATED) as z:
        z.writestr('zeros.bin', b'\0' * 100000)
    _tar(tmp_path / 'bomb.tar.gz', [('zeros.bin', b'\0' * 100000)])
    monkeypatch.setattr(data_utils, 'MAX_EXTRACTED_BYTES', 1000)
    for name in ('bomb.zip', 'bomb.tar.gz'):
        with pytest.raises(DownloadError, match='beyond 1000 bytes'):
            data_utils._extract_archive(str(tmp_path / name), str(tmp_path / 'o2'))
    assert not (tmp_path / 'o2' / 'zeros.bin').exists()


def test_bad_arguments(tmp_path):
    src, _ = _source(tmp_path)
    with pytest.raises(ValueError, match='hash_algorithm'):
        get_file('a', src.as_uri(), file_hash='0' * 32, hash_algorithm='crc', cache_dir=str(tmp_path))
    with pytest.raises(ValueError, match='archive_format'):
        data_utils._extract_archive(str(src), str(tmp_path), archive_format='rar')


def test_offline_a_cached_file_with_another_hash_is_used(tmp_path, capsys):
    cache = tmp_path / 'datasets'
    cache.mkdir()
    (cache / 'placed.npz').write_bytes(b'placed by hand')
    path = get_file('placed.npz', 'http://127.0.0.1:9/placed.npz', file_hash='0' * 32, cache_dir=str(tmp_path))
    assert _read(path) == b'placed by hand'
    assert 'using the local file' in capsys.readouterr().out


class _FakeTTY(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_in_a_terminal_redraws_in_place(tmp_path, monkeypatch):
    src, _ = _source(tmp_path, data=b'x' * 300000)
    out = _FakeTTY()
    monkeypatch.setattr('sys.stdout', out)
    monkeypatch.setattr(data_utils, '_CHUNK', 1000)
    get_file('p.bin', src.as_uri(), cache_dir=str(tmp_path / 'c'))
    text = out.getvalue()
    assert '\r' in text and '\r300000/300000 [' + '=' * 30 + ']' in text
