"""A failed save never replaces the previous file, and leaves no temporary file behind."""
import errno
import os
import stat
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from kcore.errors import SavingError
from kcore.layers import Dense
from kcore.models import Sequential, load_model
from kcore.saving import atomic, hdf5_weights


def _model(seed):
    model = Sequential([Dense(16, input_shape=(8,), name='a'), Dense(4, name='b')])
    rng = np.random.RandomState(seed)
    model.set_weights([rng.normal(size=w.shape).astype('float32') for w in model.get_weights()])
    model.compile(optimizer='adam', loss='mse')
    return model


def _leftovers(folder):
    return [p for p in os.listdir(folder) if p.startswith(atomic.TEMP_PREFIX)]


@pytest.fixture
def saved(tmp_path):
    """A good file on disk, its bytes, and a different model that will try to replace it."""
    old = _model(0)
    path = tmp_path / 'model.h5'
    old.save(path)
    return path, path.read_bytes(), old, _model(1)


def _assert_old_file_intact(path, raw, old):
    assert path.read_bytes() == raw
    loaded = load_model(path)
    for a, b in zip(loaded.get_weights(), old.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert _leftovers(path.parent) == []


def test_exception_in_the_middle_of_writing_weights(saved, monkeypatch):
    path, raw, old, new = saved
    real = hdf5_weights.create_dataset
    calls = []

    def flaky(group, name, array):
        calls.append(name)
        if len(calls) == 3:
            raise RuntimeError('injected failure while writing %s' % name)
        return real(group, name, array)
    monkeypatch.setattr(hdf5_weights, 'create_dataset', flaky)
    with pytest.raises(RuntimeError, match='injected'):
        new.save(path)
    assert len(calls) == 3  # it failed part-way, after real datasets were written
    _assert_old_file_intact(path, raw, old)


def test_disk_full_while_writing(saved, monkeypatch):
    path, raw, old, new = saved
    real = hdf5_weights.create_dataset

    def full(group, name, array):
        if name.endswith('kernel_velocity'):
            raise OSError(errno.ENOSPC, 'No space left on device')
        return real(group, name, array)
    monkeypatch.setattr(hdf5_weights, 'create_dataset', full)
    new.train_on_batch(np.zeros((2, 8), 'float32'), np.zeros((2, 4), 'float32'))
    with pytest.raises(OSError, match='No space left'):
        new.save(path)
    _assert_old_file_intact(path, raw, old)


def test_disk_full_half_way_through_the_file(saved, monkeypatch):
    """The file on disk gets half its bytes, then the disk is full."""
    path, raw, old, new = saved
    written = []

    class HalfFull:
        def __init__(self, name, mode):
            self.f = open(name, mode)

        def write(self, data):
            half = bytes(data)[:len(data) // 2]
            self.f.write(half)
            written.append(len(half))
            raise OSError(errno.ENOSPC, 'No space left on device')

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()
    monkeypatch.setattr(atomic, 'open', HalfFull, raising=False)
    with pytest.raises(OSError, match='No space left'):
        new.save(path)
    assert written and written[0] > 1000
    _assert_old_file_intact(path, raw, old)


def test_fsync_failure(saved, monkeypatch):
    path, raw, old, new = saved

    def eio(fd):
        raise OSError(errno.EIO, 'Input/output error')
    monkeypatch.setattr(os, 'fsync', eio)
    with pytest.raises(OSError, match='Input/output'):
        new.save(path)
    monkeypatch.undo()
    _assert_old_file_intact(path, raw, old)


@pytest.mark.skipif(not hasattr(os, 'fork'), reason='RLIMIT_FSIZE and SIGXFSZ are POSIX')
def test_file_size_limit_hit_while_writing(saved):
    """A real write failure from the OS: the process may write at most 8 KiB per file (EFBIG)."""
    path, raw, old, _ = saved
    script = textwrap.dedent('''
        import resource, signal, sys
        import numpy as np
        from kcore.layers import Dense
        from kcore.models import Sequential
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        model = Sequential([Dense(512, input_shape=(64,)), Dense(4)])
        resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192))
        try:
            model.save(sys.argv[1])
        except Exception as e:
            print('FAILED', type(e).__name__, e)
        else:
            print('SAVED')
    ''')
    out = subprocess.run([sys.executable, '-c', script, str(path)], capture_output=True, text=True,
                         timeout=120, cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert out.stdout.startswith('FAILED'), out.stdout + out.stderr
    _assert_old_file_intact(path, raw, old)


def test_failure_at_the_rename(saved, monkeypatch):
    path, raw, old, new = saved

    def broken_replace(src, dst):
        raise OSError(errno.EXDEV, 'Invalid cross-device link')
    monkeypatch.setattr(os, 'replace', broken_replace)
    with pytest.raises(OSError, match='cross-device'):
        new.save(path)
    monkeypatch.undo()
    _assert_old_file_intact(path, raw, old)


def test_interrupt_during_save_weights(saved, monkeypatch):
    path, raw, old, new = saved

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(hdf5_weights, 'create_dataset', interrupted)
    with pytest.raises(KeyboardInterrupt):
        new.save_weights(path)
    _assert_old_file_intact(path, raw, old)


def test_success_replaces_fsyncs_and_keeps_the_usual_file_mode(saved, monkeypatch):
    path, raw, old, new = saved
    os.chmod(path, 0o640)
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, 'fsync', lambda fd: (synced.append(fd), real_fsync(fd)))
    new.save(path)
    assert len(synced) >= 2  # the file, then its folder
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640  # the replaced file's mode is kept
    for a, b in zip(load_model(path).get_weights(), new.get_weights()):
        np.testing.assert_array_equal(a, b)
    fresh = path.parent / 'fresh.h5'
    new.save(fresh)
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(os.stat(fresh).st_mode) == 0o666 & ~umask  # not mkstemp's 0600
    assert _leftovers(path.parent) == []


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(SavingError, match='does not exist.*makedirs'):
        _model(0).save(tmp_path / 'nope' / 'm.h5')


# -- issue 15: killed saves, links, modes, messages ------------------------------------------------------
KILLED_SAVE = textwrap.dedent('''
    import sys, time
    import kcore
    from kcore.saving import atomic
    real = atomic.write_bytes

    def slow_write(filepath, data, overwrite=True):
        with atomic.atomic_path(filepath, overwrite) as tmp:
            with open(tmp, 'wb') as out:
                out.write(bytes(data[0] if isinstance(data, (list, tuple)) else data)[:1000])
                out.flush()
            print('writing', flush=True)
            time.sleep(60)
    atomic.write_bytes = slow_write
    m = kcore.models.Sequential([kcore.layers.Dense(2, input_shape=(3,))])
    m.save(sys.argv[1])
''')


def test_a_save_killed_with_sigkill_leaves_a_temp_file_that_the_next_save_removes(saved):
    path, _, _, new = saved
    proc = subprocess.Popen([sys.executable, '-c', KILLED_SAVE, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == 'writing'
        proc.kill()
    finally:
        proc.wait(timeout=60)
        proc.stdout.close()
    assert len(_leftovers(path.parent)) == 1  # kill -9 runs no cleanup
    new.save(path)
    assert _leftovers(path.parent) == []
    load_model(path)


def test_temp_files_of_live_processes_are_kept_and_very_old_ones_removed(tmp_path):
    live = tmp_path / ('%s%s-%d-1-1.part' % (atomic.TEMP_PREFIX, atomic._host(), os.getppid()))
    foreign = tmp_path / ('%sotherhost-1-1-1.part' % atomic.TEMP_PREFIX)
    ancient = tmp_path / ('%sotherhost-2-1-1.part' % atomic.TEMP_PREFIX)
    for p in (live, foreign, ancient):
        p.write_bytes(b'x')
    os.utime(ancient, (1, 1))
    _model(0).save(tmp_path / 'm.h5')
    assert sorted(_leftovers(tmp_path)) == sorted([live.name, foreign.name])


def test_saving_through_a_symlink_updates_its_target(tmp_path, saved):
    path, _, _, new = saved
    link = tmp_path / 'link.h5'
    link.symlink_to(path)
    new.save(link)
    assert link.is_symlink() and os.readlink(link) == str(path)
    for a, b in zip(load_model(path).get_weights(), new.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_no_umask_change_while_saving(tmp_path, monkeypatch):
    umask = os.umask(0o022)
    os.umask(umask)

    def no_umask(_):
        raise AssertionError('os.umask was called: other threads would create files with the wrong mode')
    monkeypatch.setattr(os, 'umask', no_umask)
    _model(0).save(tmp_path / 'fresh.h5')
    assert stat.S_IMODE(os.stat(tmp_path / 'fresh.h5').st_mode) == 0o666 & ~umask


def test_a_failed_save_names_the_target_not_the_temp_file(saved, monkeypatch):
    path, raw, old, new = saved
    real_open = os.open

    def refusing_open(name, flags, *a, **k):
        if os.path.basename(str(name)).startswith(atomic.TEMP_PREFIX):
            raise PermissionError(errno.EACCES, 'Permission denied', str(name))
        return real_open(name, flags, *a, **k)
    monkeypatch.setattr(os, 'open', refusing_open)
    with pytest.raises(SavingError) as info:
        new.save(path)
    assert repr(str(path)) in str(info.value) and atomic.TEMP_PREFIX not in str(info.value)
    monkeypatch.undo()
    _assert_old_file_intact(path, raw, old)


def test_a_read_only_file_is_not_replaced(saved):
    path, raw, old, new = saved
    os.chmod(path, 0o444)
    try:
        if os.access(path, os.W_OK):
            pytest.skip('running as a user who may write any file (root)')
        with pytest.raises(SavingError, match='read-only'):
            new.save(path)
    finally:
        os.chmod(path, 0o644)
    _assert_old_file_intact(path, raw, old)
