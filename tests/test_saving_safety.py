"""Loading never runs code from a file, never reads another file, never allocates what a file
merely declares, and meets damaged files with clear errors (hypothesis fuzz)."""
import json
import os
import sys
import tracemalloc

import h5py
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import saving_attacks as attacks
from helpers.saving_attacks import edit_h5
from kcore.errors import KcoreError, SavingError, UnknownNameError
from kcore.layers.lambda_layer import in_safe_mode
from kcore.layers import Dense
from kcore.models import Sequential, load_model
from kcore.saving.safety import UnsafeContentError


# -- one file per attack class ------------------------------------------------------------------------
@pytest.mark.parametrize('make', [attacks.cve_2024_3660_lambda_bytecode, attacks.cve_2025_9905_h5_ignores_safe_mode])
@pytest.mark.parametrize('name', ['model.h5', 'model.hdf5', 'model.keras', 'weights'])
def test_lambda_bytecode_is_never_run(tmp_path, make, name):
    marker = tmp_path / 'ran'
    path = make(tmp_path / name, marker)
    with pytest.raises(UnsafeContentError, match="Lambda 'lambda'.*bytecode.*load_weights"):
        load_model(path)
    with pytest.raises(SavingError, match='bytecode'):  # kcore's Lambda refuses bytecode even so
        load_model(path, safe_mode=False)
    assert not marker.exists()


def _module_on_path(tmp_path, name):
    (tmp_path / (name + '.py')).write_text('import pathlib\npathlib.Path(%r).write_text("imported")\n'
                                           'def payload(*a, **k):\n    return 0\n' % str(tmp_path / 'imported'))
    sys.path.insert(0, str(tmp_path))


@pytest.mark.parametrize('make', [attacks.cve_2025_1550_module_injection, attacks.cve_2025_1550_function_by_module])
def test_module_names_in_a_file_are_never_imported(tmp_path, make):
    name = 'kcore_test_payload_%s' % make.__name__[-6:]
    _module_on_path(tmp_path, name)
    try:
        path = make(tmp_path / 'm.h5', name)
        with pytest.raises((UnknownNameError, SavingError, ValueError)) as info:
            load_model(path)
        assert 'payload' in str(info.value)
        with pytest.raises((UnknownNameError, SavingError, ValueError)):
            load_model(path, safe_mode=False)  # even then: names go through the registries only
    finally:
        sys.path.remove(str(tmp_path))
    assert name not in sys.modules and not (tmp_path / 'imported').exists()


def test_nothing_in_a_file_switches_safe_mode_off(tmp_path):
    marker = tmp_path / 'ran'
    path = attacks.cve_2025_9906_safe_mode_switch(tmp_path / 'm.h5', marker)
    with pytest.raises(UnsafeContentError, match='bytecode'):
        load_model(path)
    assert in_safe_mode() and not marker.exists()


def test_huge_declared_dataset_is_refused_before_allocation(tmp_path):
    path = attacks.cve_2026_0897_huge_dataset(tmp_path / 'm.h5')
    tracemalloc.start()
    try:
        with pytest.raises(SavingError, match=r'\(2097152, 2097152\)'):
            load_model(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2 ** 20, peak


def test_huge_optimizer_dataset_is_refused(tmp_path):
    path = attacks.cve_2026_0897_huge_dataset(tmp_path / 'm.h5', where='optimizer_weights/dense/kernel_momentum')
    with pytest.raises(SavingError, match='optimizer'):
        load_model(path)
    load_model(path, compile=False)  # the weights themselves are fine


def test_declared_but_unstored_dataset_is_not_a_silent_partial_load(tmp_path):
    path = attacks.cve_2026_0897_declared_not_stored(tmp_path / 'm.h5')
    with pytest.raises(SavingError, match='stores 0'):
        load_model(path)


def test_external_storage_is_refused_and_the_secret_is_not_read(tmp_path):
    secret = tmp_path / 'secret.bin'
    values = np.arange(12, dtype='float32') + 1000
    secret.write_bytes(values.tobytes())
    path = attacks.cve_2026_1669_external_storage(tmp_path / 'm.h5', secret)
    with pytest.raises(UnsafeContentError, match='external file.*CVE-2026-1669') as info:
        load_model(path)
    assert '1000' not in str(info.value)
    model, _ = attacks.valid_model_file(tmp_path / 'donor.h5')
    with pytest.raises(UnsafeContentError):
        model.load_weights(path)
    assert not np.isin(values, model.get_weights()[0]).any()


def test_external_links_are_refused(tmp_path):
    path = attacks.cve_2026_1669_external_link(tmp_path / 'm.h5', tmp_path / 'other.h5')
    with pytest.raises(UnsafeContentError, match='external link'):
        load_model(path)


def test_virtual_datasets_are_refused(tmp_path):
    path = attacks.cve_2026_1669_virtual_dataset(tmp_path / 'm.h5', tmp_path / 'other.h5')
    with pytest.raises(UnsafeContentError, match='virtual dataset'):
        load_model(path)


def test_soft_links_out_of_their_group_are_refused(tmp_path):
    path = attacks.soft_link_escape(tmp_path / 'm.h5')
    with pytest.raises(UnsafeContentError, match='soft link'):
        load_model(path)


def test_object_references_are_refused(tmp_path):
    path = attacks.object_references(tmp_path / 'm.h5')
    with pytest.raises(UnsafeContentError, match='object references'):
        load_model(path)


def test_names_from_the_file_cannot_leave_their_group(tmp_path):
    attacks.valid_model_file(tmp_path / 'm.h5')
    with edit_h5(tmp_path / 'm.h5') as f:
        f['model_weights/dense'].attrs['weight_names'] = np.array(
            ['/optimizer_weights/dense/kernel_momentum', 'dense/bias'], dtype=h5py.string_dtype())
    with pytest.raises(UnsafeContentError, match='plain relative path'):
        load_model(tmp_path / 'm.h5')


# -- damaged and foreign files ----------------------------------------------------------------------------
def test_empty_non_hdf5_zip_and_foreign_hdf5_files(tmp_path):
    (tmp_path / 'empty.h5').write_bytes(b'')
    with pytest.raises(SavingError, match='empty'):
        load_model(tmp_path / 'empty.h5')
    (tmp_path / 'model.keras').write_bytes(b'PK\x03\x04' + b'\0' * 60)
    with pytest.raises(SavingError, match='zip archive.*Keras 3'):
        load_model(tmp_path / 'model.keras')
    (tmp_path / 'x.pkl').write_bytes(b'\x80\x04\x95' + b'\0' * 20)
    with pytest.raises(SavingError, match='pickle'):
        load_model(tmp_path / 'x.pkl')
    with h5py.File(tmp_path / 'data.h5', 'w') as f:
        f['images'] = np.zeros((2, 2))
    with pytest.raises(SavingError, match='holds no model'):
        load_model(tmp_path / 'data.h5')
    with pytest.raises(SavingError, match='holds no weights'):
        attacks.valid_model_file(tmp_path / 'm.h5')[0].load_weights(tmp_path / 'data.h5')
    with h5py.File(tmp_path / 'new.weights.h5', 'w') as f:  # Keras 3's save_weights layout
        f.create_group('layers/dense/vars')['0'] = np.zeros((3, 4), 'float32')
        f.create_group('vars')
    for load in (load_model, attacks.valid_model_file(tmp_path / 'm.h5')[0].load_weights):
        with pytest.raises(SavingError, match='Keras 3 weights file.*model.save'):
            load(tmp_path / 'new.weights.h5')
    with pytest.raises(SavingError, match='no such file'):
        load_model(tmp_path / 'missing.h5')
    with pytest.raises(SavingError, match='folder'):
        load_model(tmp_path)


def test_hdf5_with_a_user_block_is_recognised(tmp_path):
    model, x = attacks.valid_model_file(tmp_path / 'plain.h5')
    with h5py.File(tmp_path / 'ub.h5', 'w', userblock_size=512) as f:
        with h5py.File(tmp_path / 'plain.h5', 'r') as src:
            for key, value in src.attrs.items():
                f.attrs[key] = value
            for key in src:
                src.copy(key, f)
    np.testing.assert_array_equal(load_model(tmp_path / 'ub.h5').predict(x, verbose=0), model.predict(x, verbose=0))


def test_a_damaged_config_is_caught_by_its_checksum(tmp_path):
    attacks.valid_model_file(tmp_path / 'm.h5')
    with edit_h5(tmp_path / 'm.h5') as f:
        f.attrs['model_config'] = f.attrs['model_config'].replace('"linear"', '"relu"')
    with pytest.raises(SavingError, match='checksum'):
        load_model(tmp_path / 'm.h5')


# -- fuzzing ------------------------------------------------------------------------------------------------
@pytest.fixture(scope='module')
def pristine(tmp_path_factory):
    folder = tmp_path_factory.mktemp('fuzz')
    model, x = attacks.valid_model_file(folder / 'm.h5')
    return (folder / 'm.h5').read_bytes(), model.predict(x, verbose=0), x


def _load_or_clear_error(path, expected, x):
    """Either the exact model comes back, or a clear kcore error: never a crash or a silent change."""
    try:
        model = load_model(path)
    except (KcoreError, ValueError, TypeError, KeyError) as e:
        assert str(e).strip()
        return False
    np.testing.assert_array_equal(model.predict(x, verbose=0), expected)
    return True


FUZZ = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
                max_examples=int(os.environ.get('KCORE_SAVING_FUZZ', '25')))


@FUZZ
@given(data=st.data())
def test_fuzz_byte_flips(tmp_path, pristine, data):
    raw, expected, x = pristine
    blob = bytearray(raw)
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(blob) - 1))
        blob[i] ^= data.draw(st.integers(1, 255))
    path = tmp_path / 'flipped.h5'
    path.write_bytes(bytes(blob))
    _load_or_clear_error(path, expected, x)


@FUZZ
@given(cut=st.floats(0.0, 0.999))
def test_fuzz_truncations(tmp_path, pristine, cut):
    raw, expected, x = pristine
    path = tmp_path / 'cut.h5'
    path.write_bytes(raw[:int(len(raw) * cut)])
    with pytest.raises(SavingError):
        load_model(path)


def _members(path):
    """(group or dataset paths, (owner, attribute) pairs, paths of datasets) in a file."""
    names, attrs, datasets = [], [], set()
    with h5py.File(path, 'r') as f:
        attrs += [('/', a) for a in f.attrs]

        def visit(name, obj):
            names.append(name)
            attrs.extend((name, a) for a in obj.attrs)
            if isinstance(obj, h5py.Dataset):
                datasets.add(name)
        f.visititems(visit)
    return names, attrs, datasets


#: what a kcore file can lose and still load the same model (provenance, informational stamps)
HARMLESS_ATTRS = {'backend', 'keras_version', 'kcore_registered_by', 'kcore_version'}


def _essential(member, datasets):
    if isinstance(member, tuple):
        owner, attr = member
        if attr in HARMLESS_ATTRS:
            return False
        if attr == 'weight_names':  # a weightless layer loses nothing with it
            return any(d.startswith(owner + '/') for d in datasets)
        return True
    return member != 'model_weights/top_level_model_weights'


@FUZZ
@given(data=st.data())
def test_fuzz_removed_groups_and_attributes(tmp_path, pristine, data):
    """Removing anything the model needs is an error; removing a stamp changes nothing."""
    raw, expected, x = pristine
    path = tmp_path / 'pruned.h5'
    path.write_bytes(raw)
    names, attrs, datasets = _members(path)
    member = data.draw(st.sampled_from(names + attrs))
    with edit_h5(path) as f:
        if isinstance(member, tuple):
            del f[member[0]].attrs[member[1]]
        else:
            del f[member]
    loaded = _load_or_clear_error(path, expected, x)
    assert loaded != _essential(member, datasets), member


@FUZZ
@given(data=st.data())
def test_fuzz_wrong_shapes_and_dtypes(tmp_path, pristine, data):
    raw, expected, x = pristine
    path = tmp_path / 'reshaped.h5'
    path.write_bytes(raw)
    with h5py.File(path, 'r') as f:
        datasets = []
        f.visititems(lambda n, o: datasets.append((n, o.shape)) if isinstance(o, h5py.Dataset) else None)
    name, shape = data.draw(st.sampled_from(datasets))
    new_shape = tuple(data.draw(st.lists(st.integers(0, 5), min_size=0, max_size=3)))
    dtype = data.draw(st.sampled_from(['float32', 'float64', 'int8', 'S4', [('a', 'f4'), ('b', 'i4')]]))
    with edit_h5(path) as f:
        del f[name]
        f.create_dataset(name, data=np.zeros(new_shape, dtype=dtype))
    numeric = np.dtype(dtype).kind in 'fi'
    if new_shape != tuple(shape) or not numeric:
        with pytest.raises(SavingError):
            load_model(path)
    else:
        load_model(path)  # a well-formed replacement is just other numbers


@FUZZ
@given(data=st.data())
def test_fuzz_byte_flips_in_keras_files(tmp_path, data):
    """Keras files carry no kcore checksums: a flip may load other numbers, but never crashes."""
    with open(os.path.join(os.path.dirname(__file__), 'fixtures', 'keras', 'k3_mlp.h5'), 'rb') as f:
        blob = bytearray(f.read())
    for _ in range(data.draw(st.integers(1, 3))):
        i = data.draw(st.integers(0, len(blob) - 1))
        blob[i] ^= data.draw(st.integers(1, 255))
    path = tmp_path / 'k.h5'
    path.write_bytes(bytes(blob))
    try:
        load_model(path)
    except (KcoreError, ValueError, TypeError, KeyError) as e:
        assert str(e).strip()


# -- Lambda layers: names only, code only on request --------------------------------------------------------
def tripled(x):
    return x * 3


def _lambda_model(fn):
    from kcore.layers import Lambda
    return Sequential([Dense(2, input_shape=(3,), name='d'), Lambda(fn, name='lam')])


def test_lambda_with_a_named_function_needs_safe_mode_false_or_custom_objects(tmp_path):
    model = _lambda_model(tripled)
    model.save(tmp_path / 'm.h5')
    x = np.ones((2, 3), 'float32')
    with pytest.raises(SavingError, match="(?s)Lambda layer 'lam'.*safe_mode=False.*custom_objects"):
        load_model(tmp_path / 'm.h5')
    assert in_safe_mode()
    unsafe = load_model(tmp_path / 'm.h5', safe_mode=False)  # the caller trusts the file
    assert in_safe_mode()  # only for that call
    np.testing.assert_array_equal(unsafe.predict(x, verbose=0), model.predict(x, verbose=0))
    named = load_model(tmp_path / 'm.h5', custom_objects={'tripled': tripled})
    np.testing.assert_array_equal(named.predict(x, verbose=0), model.predict(x, verbose=0))


def test_lambda_with_a_python_lambda_is_never_restored_from_the_file(tmp_path):
    model = _lambda_model(lambda x: x * 3)
    model.save(tmp_path / 'm.h5')
    for safe_mode in (True, False):
        with pytest.raises(SavingError, match="Lambda layer 'lam'"):
            load_model(tmp_path / 'm.h5', safe_mode=safe_mode)
    with h5py.File(tmp_path / 'm.h5', 'r') as f:  # the file holds a name, never code
        layers = json.loads(f.attrs['model_config'])['config']['layers']
    lam = [l['config'] for l in layers if l['class_name'] == 'Lambda'][0]
    assert isinstance(lam['function'], str) and '<lambda>' in lam['function']


def test_an_architecture_larger_than_its_weights_is_refused_before_allocation(tmp_path):
    path = attacks.huge_architecture(tmp_path / 'm.h5')
    tracemalloc.start()
    try:
        with pytest.raises(SavingError, match="asks Layer 'dense' \\(Dense\\) for a weight 'kernel'"):
            load_model(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2 ** 20, peak
