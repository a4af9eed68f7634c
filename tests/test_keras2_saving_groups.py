"""Keras 2's ``keras.engine.saving`` functions on open HDF5 groups, streams and ``H5Dict``,
read through kcore's checked reader."""
import io
import pickle

import h5py
import numpy as np
import pytest

import kcore
from kcore import layers
from kcore.engine import saving
from kcore.errors import SavingError
from kcore.saving.safety import UnsafeContentError
from kcore.utils import io_utils

from helpers import saving_attacks as attacks


def _model(seed=0):
    kcore.utils.set_random_seed(seed)
    m = kcore.Sequential([layers.Dense(3, input_shape=(2,), name='a'), layers.Dense(1, name='b')])
    m.compile('adam', 'mse')
    return m


X = np.random.default_rng(0).random((4, 2)).astype('float32')


def test_weights_round_trip_through_an_open_group_by_position_and_by_name(tmp_path):
    source, target = _model(0), _model(1)
    with h5py.File(tmp_path / 'w.h5', 'w') as f:
        saving.save_weights_to_hdf5_group(f.create_group('inner'), source.layers)
    with h5py.File(tmp_path / 'w.h5', 'r') as f:
        assert saving.load_weights_from_hdf5_group(f['inner'], target.layers) == 4
    np.testing.assert_array_equal(target.predict(X), source.predict(X))
    renamed = kcore.Sequential([layers.Dense(3, input_shape=(2,), name='x'), layers.Dense(1, name='b')])
    with h5py.File(tmp_path / 'w.h5', 'r') as f:
        assert saving.load_weights_from_hdf5_group_by_name(f['inner'], renamed.layers) == 2
    np.testing.assert_array_equal(renamed.layers[1].get_weights()[0], source.layers[1].get_weights()[0])


def test_group_loading_refuses_mismatches_and_reshapes_on_request(tmp_path):
    source = _model()
    with h5py.File(tmp_path / 'w.h5', 'w') as f:
        saving.save_weights_to_hdf5_group(f, source.layers)
    wide = kcore.Sequential([layers.Dense(3, input_shape=(2,)), layers.Dense(2)])
    with h5py.File(tmp_path / 'w.h5', 'r') as f, pytest.raises(SavingError, match='shape'):
        saving.load_weights_from_hdf5_group(f, wide.layers)
    flat = kcore.Sequential([layers.Dense(3, input_shape=(2,)), layers.Reshape((3, 1)),
                             layers.LocallyConnected1D(1, 3)])
    with h5py.File(tmp_path / 'w.h5', 'r') as f:
        with pytest.raises(SavingError, match='shape'):
            saving.load_weights_from_hdf5_group(f, flat.layers)
        saving.load_weights_from_hdf5_group(f, flat.layers, reshape=True)   # kernel (3, 1) -> (1, 3, 1)
    np.testing.assert_array_equal(flat.layers[2].get_weights()[0].ravel(), source.layers[1].get_weights()[0].ravel())


def test_group_loading_keeps_kcores_safety_rules(tmp_path):
    secret = tmp_path / 'secret.bin'
    secret.write_bytes((np.arange(12, dtype='float32') + 1000).tobytes())
    path = attacks.cve_2026_1669_external_storage(tmp_path / 'm.h5', secret)
    model, _ = attacks.valid_model_file(tmp_path / 'donor.h5')
    with h5py.File(path, 'r') as f, pytest.raises(UnsafeContentError, match='external'):
        saving.load_weights_from_hdf5_group(f['model_weights'], model.layers)
    with pytest.raises(UnsafeContentError):
        saving.H5Dict(str(path), 'r')['model_weights']['dense']['dense']['kernel']


def test_long_attributes_are_split_and_read_back(tmp_path):
    names = ['x' * 30000, 'y' * 30000, 'z' * 30000]
    with h5py.File(tmp_path / 'a.h5', 'w') as f:
        saving.save_attributes_to_hdf5_group(f, 'names', names)
        saving.save_attributes_to_hdf5_group(f, 'short', ['a', 'b'])
        assert 'names0' in f.attrs and 'names' not in f.attrs and 'short' in f.attrs
        with pytest.raises(ValueError, match='larger than'):
            saving.save_attributes_to_hdf5_group(f, 'huge', ['w' * 70000])
    with h5py.File(tmp_path / 'a.h5', 'r') as f:
        assert saving.load_attributes_from_hdf5_group(f, 'names') == names
        assert saving.load_attributes_from_hdf5_group(f, 'short') == ['a', 'b']
        with pytest.raises(SavingError, match='no attribute'):
            saving.load_attributes_from_hdf5_group(f, 'absent')


def test_models_travel_through_streams_h5py_groups_h5dict_and_pickle(tmp_path):
    model = _model()
    buf = io.BytesIO()
    saving.save_model(model, buf)
    buf.seek(0)
    np.testing.assert_array_equal(saving.load_model(buf).predict(X), model.predict(X))
    buf = io.BytesIO()
    saving.save_to_binary_h5py(lambda f: saving.save_model(model, f), buf)
    buf.seek(0)
    loaded = saving.load_from_binary_h5py(lambda f: saving.load_model(f), buf)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    model.save(str(tmp_path / 'm.h5'))
    with saving.H5Dict(str(tmp_path / 'm.h5'), 'r') as h5:
        np.testing.assert_array_equal(saving.load_model(h5).predict(X), model.predict(X))
    state = pickle.loads(pickle.dumps(saving.pickle_model(model)))
    np.testing.assert_array_equal(saving.unpickle_model(state).predict(X), model.predict(X))
    with pytest.raises(ValueError, match='pickle_model'):
        saving.unpickle_model({'model_config': '{}'})


def test_h5dict_reads_and_writes_like_a_nested_dict(tmp_path):
    path = str(tmp_path / 'd.h5')
    with io_utils.H5Dict(path, 'w') as h5:
        h5['array'] = np.arange(3)
        h5['text'] = 'hello'
        h5['names'] = ['x', 'y']
        h5['group']['inner'] = np.ones(2)
        h5.update({'more': 1})
        with pytest.raises(KeyError, match='Group'):
            h5['group'] = 'value'
    with io_utils.h5dict(path, 'r') as h5:
        np.testing.assert_array_equal(h5['array'], [0, 1, 2])
        assert h5['text'] == 'hello' and h5['names'] == ['x', 'y'] and h5['more'] == 1
        np.testing.assert_array_equal(h5['group']['inner'], [1, 1])
        assert sorted(h5) == ['array', 'group', 'more', 'names', 'text'] and h5.get('absent') is None
        with pytest.raises(ValueError, match='read-only'):
            h5['new']
        with pytest.raises(ValueError, match='read-only'):
            h5['text'] = 'x'
    memory = io_utils.H5Dict({})
    memory['array'] = np.zeros(2)
    memory['sub']['value'] = 3
    assert memory.data == {'array': memory['array'], 'sub': {'value': 3}}
    assert io_utils.H5Dict.is_supported_type({}) and not io_utils.H5Dict.is_supported_type(3)


def test_preprocess_weights_for_loading():
    layer = layers.Dense(3)
    layer.build((None, 2))
    kernel = np.arange(6.0)
    out = saving.preprocess_weights_for_loading(layer, [kernel, np.zeros(3)], reshape=True)
    assert out[0].shape == (2, 3)
    conv = kcore.layers.Conv2D(1, 2)
    conv.build((None, 3, 3, 1))
    k = np.arange(4.0).reshape(2, 2, 1, 1)
    flipped = saving.preprocess_weights_for_loading(conv, [k, np.zeros(1)], original_backend='theano')[0]
    np.testing.assert_array_equal(flipped[..., 0, 0], k[::-1, ::-1, 0, 0])
    with pytest.raises(ValueError, match='Keras 1'):
        saving.preprocess_weights_for_loading(layer, [kernel], original_keras_version='1.2.2')


def test_gcs_paths_get_a_clear_error_and_local_paths_pass(tmp_path):
    load = saving.allow_read_from_gcs(saving.load_model)
    save = saving.allow_write_to_gcs(saving.save_model)
    with pytest.raises(ValueError, match='Google Cloud Storage'):
        load('gs://bucket/m.h5')
    with pytest.raises(ValueError, match='Google Cloud Storage'):
        save(_model(), 'gs://bucket/m.h5')
    save(_model(), str(tmp_path / 'm.h5'))
    assert load(str(tmp_path / 'm.h5')).count_params() == _model().count_params()


def test_model_load_weights_reshapes_on_request_and_flips_theano_kernels(tmp_path):
    source = kcore.Sequential([layers.Reshape((3, 1), input_shape=(3,)), layers.Conv1D(2, 2, name='c')])
    source.save_weights(str(tmp_path / 'w.h5'))
    target = kcore.Sequential([layers.Reshape((3, 1), input_shape=(3,)), layers.Conv1D(2, 2, name='c')])
    with h5py.File(tmp_path / 'w.h5', 'a') as f:
        f.attrs['backend'] = 'theano'
    target.load_weights(str(tmp_path / 'w.h5'))
    np.testing.assert_array_equal(target.layers[1].get_weights()[0], source.layers[1].get_weights()[0][::-1])
    dense = kcore.Sequential([layers.Dense(1, input_shape=(4,))])
    dense.save_weights(str(tmp_path / 'd.h5'))
    local = kcore.Sequential([layers.Reshape((4, 1), input_shape=(4,)), layers.LocallyConnected1D(1, 4)])
    with pytest.raises(SavingError, match='shape'):
        local.load_weights(str(tmp_path / 'd.h5'))
    local.load_weights(str(tmp_path / 'd.h5'), reshape=True)
    np.testing.assert_array_equal(local.layers[1].get_weights()[0].ravel(), dense.get_weights()[0].ravel())
