"""Loads bounded by what a file really stores (issue 15, attacks 2, 3 and the small ones).

Each crafted file is built here.  Bounds on memory are asserted on the peak
RSS of a subprocess that does only the load (``helpers.bounded``).
"""
import json
import struct
import time
import tracemalloc
import zlib

import h5py
import numpy as np
import pytest

import kcore
from helpers.bounded import run_bounded
from helpers.saving_attacks import edit_h5, rewrite_config, valid_model_file
from kcore.errors import SavingError
from kcore.layers import Activation, Dense, Input
from kcore.models import Model, Sequential, clone_model, load_model, model_from_config
from kcore.saving import config_limits, safety

#: the bound the issue sets for files of a few MB
GIB = 1024.0
LOAD = 'kcore.models.load_model(arg)'


def _assert_refused_within(result, pattern, mib=GIB):
    assert result['error'] is not None, result
    assert pattern in result['error'][1], result['error']
    assert result['peak_mib'] < mib, result


def _set_layers(path, layers):
    with edit_h5(path) as f:
        config = json.loads(f.attrs['model_config'])
        config['config']['layers'] = layers
        rewrite_config(f, config)


# -- memory ----------------------------------------------------------------------------------------------
def test_find_code_memory_does_not_grow_with_path_length():
    config = {'class_name': 'Sequential', 'config': {'name': 's', 'k' * 200_000: [{'a': 1}] * 20_000}}
    tracemalloc.start()
    try:
        assert safety.find_code(config) == []
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 32 * 2 ** 20, peak  # was 200 KB of path per node: 4 GB


def test_declared_but_unstored_weights_do_not_count_toward_the_budget(tmp_path):
    path = tmp_path / 'm.h5'
    valid_model_file(path)
    with edit_h5(path) as f:  # 2**15 x 2**15 float32 declared (4 GiB), chunked, no chunk written
        config = json.loads(f.attrs['model_config'])
        config['config']['layers'][0]['config'].update(units=2 ** 15, batch_input_shape=[None, 2 ** 15])
        config['config']['layers'][1]['config']['units'] = 2
        rewrite_config(f, config)
        del f['model_weights/dense/dense/kernel']
        f.create_dataset('model_weights/dense/dense/kernel', shape=(2 ** 15, 2 ** 15), dtype='float32',
                         chunks=(256, 256))
    assert path.stat().st_size < 100_000
    _assert_refused_within(run_bounded(LOAD, path), "for a weight 'kernel' of shape (32768, 32768)")


def test_a_weightless_lambda_on_a_huge_declared_input_is_refused_without_allocating(tmp_path):
    path = tmp_path / 'm.h5'
    Sequential([Activation('linear', input_shape=(3,), name='a')]).save(path)
    _set_layers(path, [{'class_name': 'InputLayer', 'config': {'batch_input_shape': [None, 30000, 30000],
                                                                'dtype': 'float32', 'name': 'in'}},
                       {'class_name': 'Lambda', 'config': {'name': 'a', 'function': 'square', 'module':
                                                           'kcore.backend', 'function_type': 'function',
                                                           'output_shape_type': 'raw', 'arguments': {}}}])
    with edit_h5(path) as f:
        f['model_weights'].attrs['layer_names'] = np.array(['a'], dtype=h5py.string_dtype())
    _assert_refused_within(run_bounded(LOAD, path), 'stand-in inputs of shape (3, 30000, 30000)', mib=512)


def test_a_vlen_string_whose_length_field_says_4_gb_is_refused(tmp_path):
    path = tmp_path / 'keras.h5'
    text = json.dumps({'class_name': 'Sequential', 'config': {'name': 's', 'layers': []}})
    with h5py.File(path, 'w') as f:  # Keras 2 layout: no object header checksums to stop the edit
        f.attrs['model_config'] = text
        f.attrs['keras_version'] = '2.3.1'
        f.create_group('model_weights').attrs['layer_names'] = np.array([], dtype=h5py.string_dtype())
    data = bytearray(path.read_bytes())
    heap = data.find(b'GCOL')
    descriptor = struct.pack('<I', len(text)) + struct.pack('<Q', heap)  # (length, heap address) of the text
    assert data.count(descriptor) == 1
    at = data.find(descriptor)
    data[at:at + 4] = struct.pack('<I', 0xF0000000)
    path.write_bytes(data)
    _assert_refused_within(run_bounded(LOAD, path), "attribute 'model_config' of '/' cannot be read", mib=512)


def test_a_compressed_kernel_of_zeros_is_held_to_the_decompression_budget(tmp_path):
    path = tmp_path / 'm.h5'
    valid_model_file(path)
    n, chunk = 16384, 1024
    block = zlib.compress(np.zeros((chunk, chunk), 'float32').tobytes())
    with edit_h5(path) as f:  # 1 GiB of zeros in about 1 MB: every chunk written precompressed
        config = json.loads(f.attrs['model_config'])
        config['config']['layers'][0]['config'].update(units=n, batch_input_shape=[None, n])
        config['config']['layers'][1]['config']['units'] = 2
        rewrite_config(f, config)
        del f['model_weights/dense/dense/kernel']
        d = f.create_dataset('model_weights/dense/dense/kernel', shape=(n, n), dtype='float32',
                             chunks=(chunk, chunk), compression='gzip')
        for i in range(0, n, chunk):
            for j in range(0, n, chunk):
                d.id.write_direct_chunk((i, j), block)
    assert path.stat().st_size < 2_000_000
    _assert_refused_within(run_bounded(LOAD, path), "for a weight 'kernel' of shape (16384, 16384)", mib=512)


def test_a_compressed_dataset_beyond_its_expansion_is_refused_when_read(tmp_path):
    path = tmp_path / 'm.h5'
    valid_model_file(path)
    from kcore.saving import h5_reader
    with edit_h5(path) as f:
        del f['model_weights/dense/dense/kernel']
        f.create_dataset('model_weights/dense/dense/kernel', data=np.zeros((3, 4), 'float32'), chunks=(3, 4),
                         compression='gzip')
    old = h5_reader.EXPANSION_ALLOWANCE, h5_reader.MAX_EXPANSION
    h5_reader.EXPANSION_ALLOWANCE, h5_reader.MAX_EXPANSION = 0, 1
    try:
        with pytest.raises(SavingError, match='would decode to 48'):
            load_model(path)
    finally:
        h5_reader.EXPANSION_ALLOWANCE, h5_reader.MAX_EXPANSION = old


def test_a_model_config_larger_than_the_attribute_cap_is_refused(tmp_path):
    path = tmp_path / 'm.h5'
    valid_model_file(path)
    with edit_h5(path) as f:  # 70 MB of text in a variable-length string
        config = json.loads(f.attrs['model_config'])
        config['padding'] = 'x' * (70 * 2 ** 20)
        rewrite_config(f, config)
    _assert_refused_within(run_bounded(LOAD, path), "attribute 'model_config' of '/' holds", mib=700)
    off = run_bounded(LOAD, path, env={'KCORE_H5_PREFLIGHT': '0'})  # the in-process limit alone
    _assert_refused_within(off, 'more than the 67108864 allowed', mib=700)


def test_model_from_json_has_a_budget_but_models_built_in_code_do_not():
    text = json.dumps({'class_name': 'Sequential', 'config': {'name': 's', 'layers': [
        {'class_name': 'Dense', 'config': {'name': 'd', 'units': 30000, 'batch_input_shape': [None, 30000]}}]}})
    assert len(text) < 200
    result = run_bounded('kcore.models.model_from_json(arg)', text)
    _assert_refused_within(result, 'at most 536870912 bytes', mib=512)
    code = ('model = kcore.models.Sequential([kcore.layers.Dense(512, input_shape=(1024,))])\n'
            'kcore.models.clone_model(model)\n'
            'kcore.models.model_from_json(model.to_json())')
    result = run_bounded(code, env={'KCORE_MAX_CONFIG_WEIGHT_BYTES': str(2 ** 20)})  # in code: 2 MB is fine
    assert result['error'] is not None and 'model_from_json' in result['error'][1]


def test_model_from_config_and_clone_model_share_the_budget(monkeypatch):
    monkeypatch.setenv('KCORE_MAX_CONFIG_WEIGHT_BYTES', str(2 ** 16))
    model = Sequential([Dense(64, input_shape=(512,))])  # 128 KB, built in code: allowed
    with pytest.raises(SavingError, match='model_from_config'):
        model_from_config({'class_name': 'Sequential', 'config': model.get_config()})
    clone = clone_model(model)
    assert clone.count_params() == model.count_params()


# -- configs -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize('text, message', [
    ('{"units": NaN}', 'NaN is not a number'),
    ('[' * 5000 + ']' * 5000, 'nested more than'),
    ('[' + '1,' * 1_000_001 + '1]', 'about 1000003 values'),
    (b'{"name": "\xff"}', 'not UTF-8'),
    ('{"a": "' + 'x' * (2 ** 20 + 1) + '"}', 'a string is 1048577 characters long'),
])
def test_configs_are_parsed_within_limits(text, message):
    with pytest.raises(SavingError, match=message):
        config_limits.parse(text, 'under test')


@pytest.mark.parametrize('units', [1e308, float('nan'), float('inf'), 'a', 2.5, -1, True, 2 ** 70])
def test_bad_units_give_a_clear_error(units):
    with pytest.raises(ValueError, match=r"Layer 'd' \(Dense\): units must be a positive integer"):
        Dense(units, name='d')
    config = {'class_name': 'Sequential', 'config': {'name': 's', 'layers': [
        {'class_name': 'Dense', 'config': {'name': 'd', 'units': units, 'batch_input_shape': [None, 3]}}]}}
    with pytest.raises(ValueError, match=r"units must be a positive integer|finite numbers only"):
        model_from_config(config)


# -- time -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize('names', [['dense'] * 10 ** 6, ['l%d' % i for i in range(2 * 10 ** 5)]],
                         ids=['repeated', 'distinct'])
def test_a_million_layer_names_are_refused_in_linear_time(tmp_path, names):
    path = tmp_path / 'm.h5'
    valid_model_file(path)
    with edit_h5(path) as f:
        f['model_weights'].attrs['layer_names'] = np.array(names, dtype=h5py.string_dtype())
    start = time.monotonic()
    with pytest.raises(SavingError, match='more than once|holds only'):
        load_model(path)
    assert time.monotonic() - start < 20  # was 230 s of CPU


def test_a_functional_chain_listed_backwards_rebuilds_in_linear_time():
    x = inp = Input((2,))
    for _ in range(1500):
        x = Activation('linear')(x)
    config = Model(inp, x).get_config()
    start = time.monotonic()
    Model.from_config(config)
    in_order = time.monotonic() - start
    config['layers'] = config['layers'][::-1]
    start = time.monotonic()
    rebuilt = Model.from_config(config)
    backwards = time.monotonic() - start
    assert len(rebuilt.layers) == 1501
    assert backwards < 3 * in_order + 1.0, (in_order, backwards)


# -- weights the file does not fully hold -----------------------------------------------------------------
def test_a_partially_stored_chunked_dataset_is_refused_not_loaded_as_fill_values(tmp_path):
    path = tmp_path / 'm.h5'
    model, x = valid_model_file(path)
    with edit_h5(path) as f:
        del f['model_weights/dense/dense/kernel']
        d = f.create_dataset('model_weights/dense/dense/kernel', shape=(3, 4), dtype='float32', chunks=(1, 4),
                             fillvalue=np.nan)
        d[0] = 1.0  # one chunk of three
    with pytest.raises(SavingError, match='stores 1 of its 3 chunks'):
        load_model(path)
    with pytest.raises(SavingError, match='stores 1 of its 3 chunks'):
        model.load_weights(path)
    np.testing.assert_array_equal(model.predict(x), load_model_intact(tmp_path, model).predict(x))


def load_model_intact(tmp_path, model):
    model.save(tmp_path / 'again.h5')
    return load_model(tmp_path / 'again.h5')


def test_kcore_round_trip_still_loads_every_weight(tmp_path):
    model, x = valid_model_file(tmp_path / 'm.h5')
    loaded = load_model(tmp_path / 'm.h5')
    np.testing.assert_array_equal(model.predict(x), loaded.predict(x))
    assert kcore.saving.hdf5_format.WEIGHT_BUDGET_SLACK == 1 << 20
