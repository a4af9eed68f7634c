"""Keras 2's utils modules (issue 19): generic_utils, conv_utils, layer_utils, io_utils
(HDF5Matrix), losses_utils and engine.training_utils, with Keras 2.3's behaviour."""
import h5py
import numpy as np
import pytest

import kcore
from kcore.engine import training_utils as tu
from kcore.utils import conv_utils, generic_utils, layer_utils, losses_utils
from kcore.utils.io_utils import HDF5Matrix


# -- generic_utils ------------------------------------------------------------------------------
class Scaled(kcore.layers.Layer):
    """A custom layer that kcore's registries do not know."""

    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, inputs):
        return inputs * self.factor

    def get_config(self):
        return dict(super().get_config(), factor=self.factor)


def _model():
    a = kcore.Input((3,))
    return kcore.Model(a, Scaled(3.0)(kcore.layers.Dense(2)(a)))


def test_custom_object_scope_rebuilds_an_unregistered_layer(tmp_path):
    model = _model()
    path = str(tmp_path / 'm.h5')
    model.save(path)
    with pytest.raises(Exception, match='Scaled'):
        kcore.models.load_model(path)
    with generic_utils.custom_object_scope({'Scaled': Scaled}):
        loaded = kcore.models.load_model(path)
        assert generic_utils.get_custom_objects()['Scaled'] is Scaled
    assert 'Scaled' not in generic_utils.get_custom_objects()  # restored on exit
    x = np.random.rand(2, 3).astype('float32')
    np.testing.assert_allclose(loaded.predict(x), model.predict(x), rtol=1e-6)
    with kcore.utils.CustomObjectScope({'Scaled': Scaled}):
        clone = kcore.models.model_from_json(model.to_json())
    assert isinstance(clone.layers[-1], Scaled) and clone.layers[-1].factor == 3.0
    with pytest.raises(TypeError, match='dict'):
        generic_utils.CustomObjectScope(['Scaled'])


def test_get_custom_objects_is_the_global_table():
    objects = generic_utils.get_custom_objects()
    objects['Scaled'] = Scaled
    try:
        layer = kcore.layers.deserialize({'class_name': 'Scaled', 'config': {'factor': 5.0}})
        assert isinstance(layer, Scaled) and layer.factor == 5.0
    finally:
        del objects['Scaled']


def test_serialize_and_deserialize_keras_object():
    dense = kcore.layers.Dense(3, name='d')
    config = generic_utils.serialize_keras_object(dense)
    assert config['class_name'] == 'Dense' and config['config']['units'] == 3
    rebuilt = generic_utils.deserialize_keras_object(config, module_objects={'Dense': kcore.layers.Dense})
    assert isinstance(rebuilt, kcore.layers.Dense) and rebuilt.units == 3
    assert generic_utils.serialize_keras_object(np.tanh) == 'tanh'
    assert generic_utils.deserialize_keras_object('f', custom_objects={'f': np.tanh}) is np.tanh
    assert generic_utils.serialize_keras_object(None) is None
    with pytest.raises(ValueError, match='Unknown object: nothing'):
        generic_utils.deserialize_keras_object('nothing', module_objects={})
    with pytest.raises(ValueError, match='Improper config format'):
        generic_utils.deserialize_keras_object({'config': {}})


class HalfMSE:
    """A loss class with state and get_config but no from_config (Keras's losses_test)."""

    def __init__(self, fraction):
        self.fraction = fraction

    def __call__(self, y_true, y_pred, sample_weight=None):
        return self.fraction * kcore.losses.mse(y_true, y_pred)

    def get_config(self):
        return {'fraction': self.fraction}


def test_deserialize_builds_a_class_without_from_config_from_its_config():
    with generic_utils.custom_object_scope({'HalfMSE': HalfMSE}):
        config = kcore.losses.serialize(HalfMSE(0.3))
        restored = kcore.losses.deserialize(config)
    assert config == {'class_name': 'HalfMSE', 'config': {'fraction': 0.3}}
    assert isinstance(restored, HalfMSE) and restored.fraction == 0.3


def test_small_helpers():
    def f(x, y=1, *, z=2, **kwargs):
        return x
    assert generic_utils.has_arg(f, 'y') and generic_utils.has_arg(f, 'z')
    assert not generic_utils.has_arg(f, 'w') and generic_utils.has_arg(f, 'w', accept_all=True)
    assert not generic_utils.has_arg(lambda x: x, 'w', accept_all=True)
    assert generic_utils.to_list(1) == [1] and generic_utils.to_list([1]) == [1]
    assert generic_utils.to_list((1, 2)) == [(1, 2)] and generic_utils.to_list((1, 2), allow_tuple=True) == [1, 2]
    assert generic_utils.unpack_singleton([5]) == 5 and generic_utils.unpack_singleton([5, 6]) == [5, 6]
    assert generic_utils.is_all_none([None, None]) and not generic_utils.is_all_none([None, 1])
    a, b = np.arange(10), np.arange(10, 20)
    np.testing.assert_array_equal(generic_utils.slice_arrays([a, b], 2, 4)[1], [12, 13])
    np.testing.assert_array_equal(generic_utils.slice_arrays(a, [1, 3]), [1, 3])
    assert generic_utils.slice_arrays([a, None], 0, 2)[1] is None
    assert generic_utils.transpose_shape((5, 6, 3), 'channels_first', spatial_axes=(0, 1)) == (3, 5, 6)
    assert generic_utils.transpose_shape([2, 5, 6, 3], 'channels_first', (1, 2)) == [2, 3, 5, 6]
    assert generic_utils.transpose_shape((5, 6, 3), 'channels_last', (0, 1)) == (5, 6, 3)
    with pytest.raises(ValueError, match='channels_first'):
        generic_utils.transpose_shape((1,), 'nchw', (0,))
    with pytest.raises(ValueError, match='Only expected the following keys'):
        generic_utils.check_for_unexpected_keys('loss', {'a': 1, 'c': 2}, ['a', 'b'])


# -- conv_utils ---------------------------------------------------------------------------------
def test_normalize_tuple_and_padding():
    assert conv_utils.normalize_tuple(2, 3, 'strides') == (2, 2, 2)
    assert conv_utils.normalize_tuple([1, 2], 2, 'kernel_size') == (1, 2)
    for bad in ((1, 2, 3), (1.5, 2), 'ab', None):
        with pytest.raises(ValueError, match='`kernel_size` argument must be a tuple of 2 integers'):
            conv_utils.normalize_tuple(bad, 2, 'kernel_size')
    assert conv_utils.normalize_padding('SAME') == 'same'
    with pytest.raises(ValueError, match='padding'):
        conv_utils.normalize_padding('full')


@pytest.mark.parametrize('length, size, padding, stride, dilation, want', [
    (10, 3, 'valid', 1, 1, 8), (10, 3, 'same', 1, 1, 10), (10, 3, 'full', 1, 1, 12), (10, 3, 'causal', 1, 1, 10),
    (10, 3, 'valid', 2, 1, 4), (11, 3, 'same', 2, 1, 6), (10, 3, 'valid', 1, 2, 6), (None, 3, 'valid', 1, 1, None)])
def test_conv_output_length(length, size, padding, stride, dilation, want):
    assert conv_utils.conv_output_length(length, size, padding, stride, dilation) == want


def test_conv_output_length_matches_the_conv_layer():
    layer = kcore.layers.Conv1D(2, 3, strides=2, padding='same')
    out = layer(np.zeros((1, 11, 1), 'float32'))
    assert out.shape[1] == conv_utils.conv_output_length(11, 3, 'same', 2)
    assert conv_utils.conv_input_length(4, 3, 'valid', 2) == 9
    assert conv_utils.deconv_length(4, 2, 3, 'valid', None) == 9
    assert conv_utils.deconv_length(4, 2, 3, 'same', None) == 8
    transposed = kcore.layers.Conv2DTranspose(1, 3, strides=2, padding='valid')(np.zeros((1, 4, 4, 1), 'float32'))
    assert transposed.shape[1] == conv_utils.deconv_length(4, 2, 3, 'valid', None)
    with pytest.raises(ValueError, match='padding'):
        conv_utils.conv_output_length(5, 3, 'reflect', 1)


def test_convert_kernel_flips_the_spatial_axes():
    k = np.random.rand(3, 2, 4, 5)
    flipped = conv_utils.convert_kernel(k)
    np.testing.assert_array_equal(flipped, k[::-1, ::-1])
    np.testing.assert_array_equal(conv_utils.convert_kernel(flipped), k)
    with pytest.raises(ValueError, match='kernel'):
        conv_utils.convert_kernel(np.zeros((3, 3)))


# -- layer_utils --------------------------------------------------------------------------------
def test_count_params_summary_and_kernel_conversion():
    model = kcore.Sequential([kcore.layers.Conv2D(2, 3, input_shape=(5, 5, 1)), kcore.layers.Flatten(),
                              kcore.layers.Dense(2)])
    assert layer_utils.count_params(model.trainable_weights) == model.count_params() == 2 * 9 + 2 + 18 * 2 + 2
    lines = []
    layer_utils.print_summary(model, print_fn=lines.append)
    assert any('Total params: 58' in line for line in lines)
    kernel = model.layers[0].get_weights()[0].copy()
    dense_kernel = model.layers[2].get_weights()[0].copy()
    layer_utils.convert_all_kernels_in_model(model)
    np.testing.assert_array_equal(model.layers[0].get_weights()[0], kernel[::-1, ::-1])
    np.testing.assert_array_equal(model.layers[2].get_weights()[0], dense_kernel)


def test_convert_dense_weights_data_format():
    dense = kcore.layers.Dense(2)
    dense.build((None, 2 * 3 * 4))
    kernel = np.random.rand(24, 2).astype('float32')
    dense.set_weights([kernel, np.zeros(2, 'float32')])
    layer_utils.convert_dense_weights_data_format(dense, (2, 3, 4), 'channels_first')
    got = dense.get_weights()[0]
    for i in range(2):
        np.testing.assert_array_equal(got[:, i], kernel[:, i].reshape(2, 3, 4).transpose(2, 0, 1).reshape(-1))
    layer_utils.convert_dense_weights_data_format(dense, (4, 2, 3), 'channels_last')
    np.testing.assert_array_equal(dense.get_weights()[0], kernel)


# -- io_utils: HDF5Matrix --------------------------------------------------------------------------
@pytest.fixture
def h5_data(tmp_path):
    path = str(tmp_path / 'data.h5')
    x = np.arange(40, dtype='float32').reshape(10, 4)
    y = (np.arange(10) % 2).astype('float32').reshape(10, 1)
    with h5py.File(path, 'w') as f:
        f['x'] = x
        f['group/y'] = y
        f['text'] = np.array([b'a', b'b'])
        f['scalar'] = 3.0
    return path, x, y


def test_hdf5_matrix_reads_rows_lazily(h5_data):
    path, x, y = h5_data
    m = HDF5Matrix(path, 'x', start=2, end=8)
    assert len(m) == 6 and m.shape == (6, 4) and m.ndim == 2 and m.size == 24 and m.dtype == np.float32
    np.testing.assert_array_equal(m[0], x[2])
    np.testing.assert_array_equal(m[-1], x[7])
    np.testing.assert_array_equal(m[1:3], x[3:5])
    np.testing.assert_array_equal(m[[4, 0, 4]], x[[6, 2, 6]])
    np.testing.assert_array_equal(np.asarray(m), x[2:8])
    scaled = HDF5Matrix(path, 'x', normalizer=lambda a: a / 10.0)
    np.testing.assert_allclose(scaled[:2], x[:2] / 10.0)
    with pytest.raises(IndexError, match='out of range'):
        m[6]
    with pytest.raises(IndexError, match='out of range'):
        m[[0, 9]]
    m.close()


def test_hdf5_matrix_trains_a_model(h5_data):
    path, x, y = h5_data
    model = kcore.Sequential([kcore.layers.Dense(1, activation='sigmoid', input_shape=(4,))])
    model.compile('sgd', 'binary_crossentropy')
    history = model.fit(HDF5Matrix(path, 'x'), HDF5Matrix(path, 'group/y'), batch_size=5, epochs=1,
                        shuffle=False, verbose=0)
    assert np.isfinite(history.history['loss'][0])


def test_hdf5_matrix_refuses_bad_input(h5_data, tmp_path, monkeypatch):
    path, _, _ = h5_data
    with pytest.raises(KeyError, match="no dataset 'missing'"):
        HDF5Matrix(path, 'missing')
    with pytest.raises(Exception, match='dtype'):
        HDF5Matrix(path, 'text')
    with pytest.raises(ValueError, match='scalar'):
        HDF5Matrix(path, 'scalar')
    with pytest.raises(ValueError, match='outside dataset'):
        HDF5Matrix(path, 'x', start=5, end=20)
    with pytest.raises(Exception, match='not a plain relative path'):
        HDF5Matrix(path, '/x/../x')
    linked = str(tmp_path / 'linked.h5')
    with h5py.File(linked, 'w') as f:
        f['x'] = h5py.ExternalLink(path, 'x')
    with pytest.raises(Exception, match='external link'):
        HDF5Matrix(linked, 'x')
    not_h5 = tmp_path / 'not.h5'
    not_h5.write_bytes(b'PK\x03\x04 not hdf5')
    with pytest.raises(Exception, match='not an HDF5 file'):
        HDF5Matrix(str(not_h5), 'x')
    from kcore.utils import io_utils
    monkeypatch.setattr(io_utils, 'MAX_READ_BYTES', 32)
    with pytest.raises(MemoryError, match='smaller slices'):
        HDF5Matrix(path, 'x')[0:3]


# -- losses_utils -------------------------------------------------------------------------------
def test_losses_utils_reductions():
    losses = np.array([1.0, 2.0, 3.0, 4.0], 'float32')
    weights = np.array([1.0, 0.0, 2.0, 1.0], 'float32')
    R = losses_utils.Reduction
    assert float(losses_utils.compute_weighted_loss(losses, weights)) == pytest.approx((1 + 6 + 4) / 4)
    assert float(losses_utils.compute_weighted_loss(losses, weights, R.SUM)) == pytest.approx(11)
    np.testing.assert_allclose(np.asarray(losses_utils.compute_weighted_loss(losses, weights, R.NONE)),
                               [1, 0, 6, 4])
    with pytest.raises(ValueError, match='Invalid Reduction'):
        losses_utils.compute_weighted_loss(losses, weights, 'mean')
    y_pred, y_true = losses_utils.squeeze_or_expand_dimensions(np.zeros((3, 1)), np.zeros((3,)))
    assert y_pred.shape == (3,) and y_true.shape == (3,)


# -- engine.training_utils -------------------------------------------------------------------------
def test_batches_and_validation_frequency():
    assert tu.make_batches(7, 3) == [(0, 3), (3, 6), (6, 7)]
    np.random.seed(0)
    shuffled = tu.batch_shuffle(np.arange(7), 3)
    assert sorted(shuffled.tolist()) == list(range(7)) and shuffled[-1] == 6
    blocks = [tuple(shuffled[i:i + 3]) for i in (0, 3)]
    assert set(blocks) == {(0, 1, 2), (3, 4, 5)}
    assert [tu.should_run_validation(2, e) for e in range(4)] == [False, True, False, True]
    assert [tu.should_run_validation([1, 3], e) for e in range(4)] == [True, False, True, False]
    with pytest.raises(ValueError, match='less than 1'):
        tu.should_run_validation(0, 0)
    with pytest.raises(ValueError, match='Integer or `collections.Container`'):
        tu.should_run_validation('2', 0)
    assert tu.check_num_samples([np.zeros((5, 2))], batch_size=2) == 5
    with pytest.raises(ValueError, match='batch_size` must be None'):
        tu.check_num_samples([np.zeros((5, 2))], batch_size=2, steps=3)


def test_standardize_input_data_like_keras_2():
    arrays = tu.standardize_input_data([[1, 2], [3, 4], [5, 6]], ['input_1'], [(None, 2)])
    assert len(arrays) == 1 and arrays[0].shape == (3, 2)  # a list of lists is one array
    col = tu.standardize_input_data(np.arange(3), ['in'])[0]
    assert col.shape == (3, 1)
    two = tu.standardize_input_data({'b': np.zeros((2, 1)), 'a': np.ones((2, 3))}, ['a', 'b'])
    assert two[0].shape == (2, 3) and two[1].shape == (2, 1)
    with pytest.raises(ValueError, match='No data provided for "b"'):
        tu.standardize_input_data({'a': np.ones((2, 3))}, ['a', 'b'])
    with pytest.raises(ValueError, match='expected in to have shape'):
        tu.standardize_input_data(np.zeros((2, 4)), ['in'], [(None, 3)], exception_prefix='input')
    with pytest.raises(ValueError, match='expected in to have 3 dimensions'):
        tu.standardize_input_data(np.zeros((2, 4)), ['in'], [(None, 3, 1)])
    with pytest.raises(ValueError, match='Expected to see 2 array'):
        tu.standardize_input_data([np.zeros((2, 4))], ['a', 'b'])


def test_weights_and_lengths():
    assert tu.standardize_sample_weights(None, ['a', 'b']) == [None, None]
    assert tu.standardize_class_weights({'b': {0: 1.0}}, ['a', 'b']) == [None, {0: 1.0}]
    with pytest.raises(ValueError, match='one `sample_weight` array per model output'):
        tu.standardize_sample_weights([1], ['a', 'b'])
    y = np.array([[0.], [1.], [1.]])
    np.testing.assert_allclose(tu.standardize_weights(y, class_weight={0: 1.0, 1: 3.0}), [1, 3, 3])
    np.testing.assert_allclose(tu.standardize_weights(y), [1, 1, 1])
    np.testing.assert_allclose(tu.standardize_weights(y, sample_weight=[1, 2, 3]), [1, 2, 3])
    with pytest.raises(ValueError, match='Timestep-wise'):
        tu.standardize_weights(y, sample_weight_mode='temporal')
    tu.check_array_length_consistency([np.zeros((3, 1))], [np.zeros((3, 1))], [np.ones(3)])
    tu.check_array_length_consistency(None, None, None)
    tu.check_array_length_consistency([None], [None], [None])
    with pytest.raises(ValueError, match='Found 3 input samples and 2 target samples'):
        tu.check_array_length_consistency([np.zeros((3, 1))], [np.zeros((2, 1))])
    with pytest.raises(ValueError, match='Sample_weight arrays'):   # Keras 2.3: no weights count as 0 samples
        tu.check_array_length_consistency([np.zeros((3, 1))], [np.zeros((3, 1))])
    with pytest.raises(ValueError, match='All input arrays'):
        tu.check_array_length_consistency([np.zeros((3, 1)), None], None)
    with pytest.raises(ValueError, match='`y` argument is not supported'):
        tu.check_generator_arguments(y=np.zeros(2))
    assert tu.prepare_loss_weights(['a', 'b'], {'b': 2.0}) == [1.0, 2.0]


def test_sequences_and_static_shapes():
    class Seq(kcore.utils.Sequence):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return i
    assert tu.is_sequence(Seq()) and not tu.is_sequence([1, 2])
    it = tu.iter_sequence_infinite(Seq())
    assert [next(it) for _ in range(5)] == [0, 1, 0, 1, 0]
    model = kcore.Sequential([kcore.layers.Dense(1, batch_input_shape=(4, 3))])
    assert tu.get_static_batch_size(model) == 4
    shape, _ = tu.get_input_shape_and_dtype(model)
    assert shape == (4, 3)


def test_multi_gpu_model_on_the_cpu_refuses_like_keras():
    model = kcore.Sequential([kcore.layers.Dense(1, input_shape=(2,))])
    for gpus in (1, 0, [0]):
        with pytest.raises(ValueError, match='gpus >= 2'):
            kcore.utils.multi_gpu_model(model, gpus=gpus)
    with pytest.raises(ValueError, match='at least 2'):
        kcore.utils.multi_gpu_model(model, gpus=2)
