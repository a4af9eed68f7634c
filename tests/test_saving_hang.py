"""One changed byte in an HDF5 global heap made libhdf5 loop forever inside load_model (issue 15, attack 1).

Every load here runs in a subprocess with a timeout, so a regression fails the
test instead of hanging CI.
"""
import os
import subprocess
import sys
import textwrap
import time

import h5py
import pytest
import numpy as np

from helpers.saving_attacks import restamp, valid_model_file
from kcore.errors import SavingError
from kcore.models import load_model
from kcore.saving import integrity

LOAD = textwrap.dedent('''
    import sys, kcore
    from kcore.errors import SavingError
    try:
        kcore.models.load_model(sys.argv[1])
    except SavingError as e:
        print(e)
        sys.exit(3)
''')


def _load_in_subprocess(path, timeout_s='2'):
    env = dict(os.environ, KCORE_H5_PREFLIGHT_TIMEOUT=timeout_s)
    start = time.monotonic()
    done = subprocess.run([sys.executable, '-c', LOAD, str(path)], capture_output=True,
                          text=True, timeout=120, env=env)
    return done.returncode, done.stdout + done.stderr, time.monotonic() - start


def _break_global_heap(path, offset=9, value=0x7F):
    """Change one byte of the first global heap collection (by default its size, to 0x7f00 bytes):
    libhdf5 then spins forever reading the text attributes."""
    with open(path, 'rb') as f:
        data = bytearray(f.read())
    at = data.find(b'GCOL')
    assert at > 0
    data[at + offset] = value
    with open(path, 'wb') as f:
        f.write(data)


def test_kcore_files_end_with_a_checksum_that_h5py_and_keras_ignore(tmp_path):
    valid_model_file(tmp_path / 'm.h5')
    assert integrity.stored_digest(tmp_path / 'm.h5') is not None
    assert integrity.verify(tmp_path / 'm.h5') is True
    data = (tmp_path / 'm.h5').read_bytes()
    assert data.startswith(b'\x89HDF\r\n\x1a\n')  # still an HDF5 file from byte 0
    assert data[-integrity.TRAILER:].startswith(integrity.MAGIC)
    with h5py.File(tmp_path / 'm.h5', 'r') as f:  # any HDF5 reader ignores the trailer
        assert 'model_config' in f.attrs


def test_one_flipped_heap_byte_in_a_kcore_file_is_refused_by_its_checksum(tmp_path):
    valid_model_file(tmp_path / 'm.h5')
    _break_global_heap(tmp_path / 'm.h5')
    rc, out, elapsed = _load_in_subprocess(tmp_path / 'm.h5')
    assert rc == 3, out
    assert 'checksum' in out
    assert elapsed < 60


def test_a_crafted_file_with_a_recomputed_checksum_is_stopped_by_the_timed_walk(tmp_path):
    valid_model_file(tmp_path / 'm.h5')
    _break_global_heap(tmp_path / 'm.h5')
    restamp(tmp_path / 'm.h5')  # the attacker recomputes kcore's checksum
    rc, out, elapsed = _load_in_subprocess(tmp_path / 'm.h5')
    assert rc == 3, out
    assert 'did not finish within 2 s' in out
    assert elapsed < 60


def test_a_keras_file_with_a_broken_heap_gets_a_clear_error_within_seconds(tmp_path):
    path = tmp_path / 'keras.h5'
    with h5py.File(path, 'w') as f:  # a Keras 2 file: no user block, no checksum
        f.attrs['model_config'] = '{"class_name": "Sequential", "config": {"name": "s", "layers": []}}'
        f.attrs['keras_version'] = '2.3.1'
        f.attrs['backend'] = 'tensorflow'
        g = f.create_group('model_weights')
        g.attrs['layer_names'] = np.array([], dtype=h5py.string_dtype())
    _break_global_heap(path, 24, 0xFF)  # the size of the heap's first object
    rc, out, elapsed = _load_in_subprocess(path)
    assert rc == 3, out
    assert 'did not finish within 2 s' in out
    assert elapsed < 60


def test_load_weights_is_protected_the_same_way(tmp_path):
    script = textwrap.dedent('''
        import sys, kcore
        from kcore.errors import SavingError
        m = kcore.models.Sequential([kcore.layers.Dense(4, input_shape=(3,), name='dense'),
                                     kcore.layers.Dense(2, name='out')])
        try:
            m.load_weights(sys.argv[1])
        except SavingError as e:
            print(e)
            sys.exit(3)
    ''')
    valid_model_file(tmp_path / 'm.h5')
    _break_global_heap(tmp_path / 'm.h5')
    restamp(tmp_path / 'm.h5')
    env = dict(os.environ, KCORE_H5_PREFLIGHT_TIMEOUT='2')
    done = subprocess.run([sys.executable, '-c', script, str(tmp_path / 'm.h5')], capture_output=True, text=True,
                          timeout=120, env=env)
    assert done.returncode == 3, done.stdout + done.stderr
    assert 'did not finish within 2 s' in done.stdout


@pytest.mark.parametrize('cut', [1, 30, 75])
def test_a_file_cut_inside_its_checksum_trailer_is_called_truncated(tmp_path, cut):
    valid_model_file(tmp_path / 'm.h5')
    data = (tmp_path / 'm.h5').read_bytes()
    (tmp_path / 'm.h5').write_bytes(data[:-cut])
    with pytest.raises(SavingError, match='truncated'):
        load_model(tmp_path / 'm.h5')


def test_a_kcore_file_edited_with_h5py_loads_unverified_but_walked(tmp_path):
    model, x = valid_model_file(tmp_path / 'm.h5')
    with h5py.File(tmp_path / 'm.h5', 'a') as f:  # h5py ends the file at its HDF5 end: the trailer goes
        f.attrs['note'] = 'edited by hand ' * 100
    assert integrity.stored_digest(tmp_path / 'm.h5') is None
    np.testing.assert_allclose(load_model(tmp_path / 'm.h5').predict(x), model.predict(x))
