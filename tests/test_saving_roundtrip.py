"""Saving and loading kcore models: architecture, weights, training state, custom objects."""
import json
import os

import h5py
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kcore
from helpers.dists import fresh_plugins, layer_plugin, plugin_site  # noqa: F401  (fixtures)
from helpers.saving_attacks import edit_h5
from kcore import plugins
from kcore.errors import SavingError, UnknownNameError
from kcore.layers import Activation, Dense, Dropout, Input
from kcore.models import Model, Sequential, load_model, model_from_json
from kcore.saving import check_savable
from kcore.testing import isolated


def _data(n=16, d=6, k=3, seed=0):
    rng = np.random.RandomState(seed)
    x = rng.normal(size=(n, d)).astype('float32')
    y = np.eye(k, dtype='float32')[rng.randint(0, k, size=n)]
    return x, y


def _mlp():
    return Sequential([Dense(8, activation='relu', input_shape=(6,)), Dropout(0.0), Dense(3),
                       Activation('softmax')])


def _assert_same_weights(a, b):
    wa, wb = a.get_weights(), b.get_weights()
    assert len(wa) == len(wb)
    for x, y in zip(wa, wb):
        np.testing.assert_array_equal(x, y)


# -- whole models ---------------------------------------------------------------------------------
def test_sequential_round_trip_keeps_architecture_weights_and_file_layout(tmp_path):
    x, y = _data()
    model = _mlp()
    model.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    path = tmp_path / 'm.h5'
    model.save(path)
    loaded = load_model(path)
    assert [type(l).__name__ for l in loaded.layers] == ['Dense', 'Dropout', 'Dense', 'Activation']
    assert [l.name for l in loaded.layers] == [l.name for l in model.layers]
    _assert_same_weights(model, loaded)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert loaded.metrics_names == ['loss', 'accuracy']
    with h5py.File(path, 'r') as f:  # Keras's legacy layout, plus kcore's provenance
        assert {'model_config', 'training_config', 'keras_version', 'backend', 'kcore_version'} <= set(f.attrs)
        assert f.attrs['backend'] == 'numpy'
        assert f.attrs['kcore_version'] == kcore.__version__
        layer_names = [n.decode() if isinstance(n, bytes) else n for n in f['model_weights'].attrs['layer_names']]
        assert layer_names == [l.name for l in model.layers]
        dense = model.layers[0].name
        assert list(f['model_weights'][dense].attrs['weight_names']) == ['%s/kernel' % dense, '%s/bias' % dense]
        assert f['model_weights/%s/%s/kernel' % (dense, dense)].shape == (6, 8)
        assert 'optimizer_weights' in f
        config = json.loads(f.attrs['model_config'])
        assert config['class_name'] == 'Sequential'
        assert config['config']['layers'][0]['registered_by'].startswith('kcore ')
        assert json.loads(f.attrs['kcore_registered_by'])['Dense'].startswith('kcore ')
        assert json.loads(f.attrs['training_config'])['optimizer_config']['class_name'] == 'Adam'


def test_functional_with_shared_layer_and_nested_model_round_trips(tmp_path):
    inner = Sequential([Dense(4, activation='tanh', input_shape=(5,), name='inner_dense')], name='inner')
    a, b = Input(shape=(5,), name='a'), Input(shape=(5,), name='b')
    shared = Dense(5, name='shared')
    merged = kcore.layers.Add(name='add')([shared(a), shared(b)])
    out = Dense(2, name='head')(inner(merged))
    model = Model([a, b], out, name='graph')
    rng = np.random.RandomState(1)
    xa, xb = rng.normal(size=(4, 5)).astype('float32'), rng.normal(size=(4, 5)).astype('float32')
    model.save(tmp_path / 'g.h5')
    loaded = load_model(tmp_path / 'g.h5')
    _assert_same_weights(model, loaded)
    np.testing.assert_array_equal(loaded.predict([xa, xb], verbose=0), model.predict([xa, xb], verbose=0))
    assert len(loaded.get_layer('shared')._inbound_nodes) == 2  # still one shared layer
    assert isinstance(loaded.get_layer('inner'), Sequential)


def test_compiled_model_continues_training_exactly_as_the_unsaved_one(tmp_path):
    """Same loss and same weights on the next train_on_batch, Adam state included."""
    x, y = _data(seed=3)
    model = _mlp()
    model.compile(optimizer=kcore.optimizers.Adam(learning_rate=0.01), loss='categorical_crossentropy')
    for _ in range(3):
        model.train_on_batch(x, y)
    model.save(tmp_path / 'm.h5')
    loaded = load_model(tmp_path / 'm.h5')
    assert loaded.optimizer.iterations == model.optimizer.iterations == 3
    for _ in range(2):
        assert loaded.train_on_batch(x, y) == model.train_on_batch(x, y)
    _assert_same_weights(model, loaded)


def test_fresh_optimizer_would_diverge_so_the_state_test_can_fail(tmp_path):
    """Control for the test above: without the saved Adam state the next step differs."""
    x, y = _data(seed=3)
    model = _mlp()
    model.compile(optimizer=kcore.optimizers.Adam(learning_rate=0.01), loss='categorical_crossentropy')
    for _ in range(3):
        model.train_on_batch(x, y)
    model.save(tmp_path / 'm.h5', include_optimizer=False)
    fresh = load_model(tmp_path / 'm.h5', compile=False)
    fresh.compile(optimizer=kcore.optimizers.Adam(learning_rate=0.01), loss='categorical_crossentropy')
    fresh.train_on_batch(x, y)
    model.train_on_batch(x, y)
    assert any(not np.array_equal(a, b) for a, b in zip(fresh.get_weights(), model.get_weights()))


def test_load_with_compile_false_and_include_optimizer_false(tmp_path):
    model = _mlp()
    model.compile(optimizer='sgd', loss='mse')
    model.save(tmp_path / 'a.h5', include_optimizer=False)
    with h5py.File(tmp_path / 'a.h5', 'r') as f:
        assert 'optimizer_weights' not in f and 'training_config' not in f.attrs
    assert not load_model(tmp_path / 'a.h5')._is_compiled
    model.save(tmp_path / 'b.h5')
    assert not load_model(tmp_path / 'b.h5', compile=False)._is_compiled
    assert load_model(tmp_path / 'b.h5')._is_compiled


def test_format_is_detected_by_content_not_extension(tmp_path):
    model = _mlp()
    model.save(tmp_path / 'model.bin')
    _assert_same_weights(model, load_model(tmp_path / 'model.bin'))
    (tmp_path / 'fake.h5').write_text('{"class_name": "Sequential"}')
    with pytest.raises(SavingError, match='not an HDF5 file.*model_from_json'):
        load_model(tmp_path / 'fake.h5')


# -- weights only ------------------------------------------------------------------------------------
def test_save_weights_load_weights_by_position(tmp_path):
    a, b = _mlp(), _mlp()
    a.save_weights(tmp_path / 'w.h5')
    with h5py.File(tmp_path / 'w.h5', 'r') as f:
        assert 'layer_names' in f.attrs and 'model_config' not in f.attrs
    b.load_weights(tmp_path / 'w.h5')
    _assert_same_weights(a, b)
    with pytest.raises(SavingError, match='holds only weights.*load_weights'):
        load_model(tmp_path / 'w.h5')


def test_load_weights_reads_a_whole_model_file_too(tmp_path):
    a, b = _mlp(), _mlp()
    a.save(tmp_path / 'm.h5')
    b.load_weights(tmp_path / 'm.h5')
    _assert_same_weights(a, b)


def test_load_weights_by_name_and_skip_mismatch(tmp_path):
    src = Sequential([Dense(4, input_shape=(3,), name='first'), Dense(2, name='second')])
    src.save_weights(tmp_path / 'w.h5')
    dst = Sequential([Dense(4, input_shape=(3,), name='first'), Dense(4, name='other'),
                      Dense(2, name='second')])
    with pytest.raises(SavingError, match='2 layer.*3 layer'):
        dst.load_weights(tmp_path / 'w.h5')
    other_before = dst.get_layer('other').get_weights()
    dst.load_weights(tmp_path / 'w.h5', by_name=True)
    for name in ('first', 'second'):
        _assert_same_weights(src.get_layer(name), dst.get_layer(name))
    # a 'first' of 5 units is a mismatch: refused, or skipped with a warning
    with pytest.raises(SavingError, match=r"shape \(3, 5\).*\(3, 4\)"):
        Sequential([Dense(5, input_shape=(3,), name='first'), Dense(2, name='second')]).load_weights(
            tmp_path / 'w.h5', by_name=True)
    wrong = Sequential([Dense(4, input_shape=(2,), name='first'), Dense(2, name='second')])
    kept = wrong.get_layer('first').get_weights()
    from kcore.saving.hdf5_weights import SkippedWeightsWarning
    with pytest.warns(SkippedWeightsWarning, match='first'):
        wrong.load_weights(tmp_path / 'w.h5', by_name=True, skip_mismatch=True)
    for k, w in zip(kept, wrong.get_layer('first').get_weights()):
        np.testing.assert_array_equal(k, w)
    np.testing.assert_array_equal(wrong.get_layer('second').get_weights()[0],
                                  src.get_layer('second').get_weights()[0])
    for k, w in zip(other_before, dst.get_layer('other').get_weights()):
        np.testing.assert_array_equal(k, w)


def test_a_failed_load_weights_changes_nothing(tmp_path):
    src = Sequential([Dense(4, input_shape=(3,)), Dense(2)])
    src.save_weights(tmp_path / 'w.h5')
    with edit_h5(tmp_path / 'w.h5') as f:  # damage the second layer only
        name = src.layers[1].name
        del f['%s/%s/kernel' % (name, name)]
        f.create_dataset('%s/%s/kernel' % (name, name), data=np.zeros((4, 3), 'float32'))
    dst = Sequential([Dense(4, input_shape=(3,)), Dense(2)])
    before = dst.get_weights()
    with pytest.raises(SavingError):
        dst.load_weights(tmp_path / 'w.h5')
    for a, b in zip(before, dst.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_unbuilt_model_cannot_load_or_save_weights(tmp_path):
    _mlp().save_weights(tmp_path / 'w.h5')
    unbuilt = Sequential([Dense(8), Dense(3)])
    with pytest.raises(SavingError, match='not been built'):
        unbuilt.load_weights(tmp_path / 'w.h5')
    with pytest.raises(SavingError, match='not been built'):
        unbuilt.save_weights(tmp_path / 'x.h5')


# -- JSON ------------------------------------------------------------------------------------------------
def test_to_json_model_from_json():
    model = _mlp()
    again = model_from_json(model.to_json())
    assert [type(l).__name__ for l in again.layers] == [type(l).__name__ for l in model.layers]
    assert again.count_params() == model.count_params()
    assert json.loads(again.to_json())['config']['layers'][0]['config']['units'] == 8


# -- subclassed models ---------------------------------------------------------------------------------
class TwoLayer(Model):
    def __init__(self, hidden=4, **kwargs):
        super().__init__(**kwargs)
        self.hidden = hidden
        self.a = Dense(hidden, activation='relu')
        self.b = Dense(2)

    def call(self, inputs, training=None):
        return self.b(self.a(inputs))

    def get_config(self):
        return {'hidden': self.hidden, 'name': self.name}


def _called(model):
    x = np.random.RandomState(0).normal(size=(3, 5)).astype('float32')
    model.predict(x, verbose=0)
    return x


def test_subclassed_model_weights_always_save(tmp_path):
    a, b = TwoLayer(), TwoLayer()
    x = _called(a)
    _called(b)
    a.save_weights(tmp_path / 'w.h5')
    b.load_weights(tmp_path / 'w.h5')
    np.testing.assert_array_equal(a.predict(x, verbose=0), b.predict(x, verbose=0))


def test_unregistered_subclassed_model_architecture_is_refused_with_the_fix(tmp_path):
    model = TwoLayer()
    _called(model)
    with pytest.raises(SavingError, match=r'TwoLayer.*not registered.*kcore\.plugins\.register.*save_weights'):
        model.save(tmp_path / 'm.h5')
    assert not os.path.exists(tmp_path / 'm.h5')
    with pytest.raises(SavingError, match='TwoLayer'):
        check_savable(model)
    check_savable(model, weights_only=True)


def test_registered_subclassed_model_saves_its_architecture(tmp_path):
    model = TwoLayer(hidden=3)
    x = _called(model)
    with plugins.registered(TwoLayer):
        model.save(tmp_path / 'm.h5')
        loaded = load_model(tmp_path / 'm.h5')
    assert isinstance(loaded, TwoLayer) and loaded.hidden == 3
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_subclassed_model_build_shape_from_the_file_is_bounded(tmp_path):
    model = TwoLayer(hidden=3)
    _called(model)
    with plugins.registered(TwoLayer):
        model.save(tmp_path / 'm.h5')
        with edit_h5(tmp_path / 'm.h5') as f:
            config = json.loads(f.attrs['model_config'])
            assert config['build_input_shape'][-1] == 5
            config['build_input_shape'] = [3, 2 ** 40]
            _rewrite_config(f, config)
        with pytest.raises(SavingError, match='up to 67108864 values'):
            load_model(tmp_path / 'm.h5')


def test_subclassed_model_without_get_config_says_what_to_do(tmp_path):
    class NoConfig(Model):
        def __init__(self):
            super().__init__()
            self.d = Dense(2)

        def call(self, inputs):
            return self.d(inputs)
    model = NoConfig()
    _called(model)
    with plugins.registered(NoConfig):
        with pytest.raises(SavingError, match='get_config.*save_weights'):
            model.save(tmp_path / 'm.h5')


# -- custom objects --------------------------------------------------------------------------------------
class Scale(kcore.layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight('w', (input_shape[-1],), initializer='ones')
        self.built = True

    def call(self, inputs):
        return inputs * self.w * self.factor

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        cfg = super().get_config()
        cfg['factor'] = self.factor
        return cfg


def _scaled_model():
    return Sequential([Dense(3, input_shape=(4,)), Scale(3.0, name='scale')])


def test_registered_custom_layer_loads_without_custom_objects(tmp_path):
    model = _scaled_model()
    with plugins.registered(Scale):
        model.save(tmp_path / 'm.h5')
        loaded = load_model(tmp_path / 'm.h5')
    assert isinstance(loaded.get_layer('scale'), Scale) and loaded.get_layer('scale').factor == 3.0
    _assert_same_weights(model, loaded)


def test_plugin_layer_loads_by_name_and_the_file_names_its_distribution(tmp_path, plugin_site):
    plugin_site.add('kcore-passthrough', {'kt_save_pass': layer_plugin('PassLayer')}, version='3.1.4')
    model = Sequential([Dense(3, input_shape=(4,)), kcore.layers.PassLayer(name='pass')])
    model.save(tmp_path / 'm.h5')
    with h5py.File(tmp_path / 'm.h5', 'r') as f:
        assert json.loads(f.attrs['kcore_registered_by'])['PassLayer'] == 'kcore-passthrough 3.1.4'
    loaded = load_model(tmp_path / 'm.h5')
    assert type(loaded.get_layer('pass')) is plugins.get('layers', 'PassLayer')
    _assert_same_weights(model, loaded)


def test_registered_custom_metric_and_optimizer_load_without_custom_objects(tmp_path):
    from kcore.training.optimizers import SGD

    class SlowSGD(SGD):
        """SGD whose learning rate is halved, with its own name in files."""
        def update_step(self, grad, var, lr, slots):
            super().update_step(grad, var, lr / 2, slots)

    def mean_pred(y_true, y_pred):
        return kcore.backend.mean(y_pred, axis=-1)

    x, y = _data()
    model = _mlp()
    model.compile(optimizer=SlowSGD(learning_rate=0.1, momentum=0.5), loss='mse', metrics=[mean_pred])
    model.train_on_batch(x, y)
    with plugins.registered(SlowSGD), plugins.registered(mean_pred, kind='metrics'):
        model.save(tmp_path / 'm.h5')
        loaded = load_model(tmp_path / 'm.h5')
    assert type(loaded.optimizer) is SlowSGD and loaded.metrics_names == ['loss', 'mean_pred']
    assert loaded.train_on_batch(x, y) == model.train_on_batch(x, y)
    _assert_same_weights(model, loaded)


def test_unregistered_custom_layer_names_the_class_and_both_fixes(tmp_path):
    model = _scaled_model()
    model.save(tmp_path / 'm.h5')
    with pytest.raises(UnknownNameError) as info:
        load_model(tmp_path / 'm.h5')
    text = str(info.value)
    assert 'Scale' in text and 'kcore.plugins.register' in text and 'custom_objects' in text
    loaded = load_model(tmp_path / 'm.h5', custom_objects={'Scale': Scale})
    _assert_same_weights(model, loaded)


def test_custom_loss_function_registered_or_in_custom_objects(tmp_path):
    def halved_mse(y_true, y_pred):
        return kcore.backend.mean(kcore.backend.square(y_pred - y_true), axis=-1) / 2

    x, y = _data()
    model = _mlp()
    model.compile(optimizer='sgd', loss=halved_mse)
    model.train_on_batch(x, y)
    model.save(tmp_path / 'm.h5')
    with pytest.raises(UnknownNameError, match='(?s)halved_mse.*register.*custom_objects.*compile=False'):
        load_model(tmp_path / 'm.h5')
    loaded = load_model(tmp_path / 'm.h5', custom_objects={'halved_mse': halved_mse})
    assert loaded.train_on_batch(x, y) == model.train_on_batch(x, y)
    with plugins.registered(halved_mse, kind='losses'):
        assert load_model(tmp_path / 'm.h5')._is_compiled


def test_first_party_plugin_name_gives_the_pip_install_line(tmp_path, fresh_plugins, monkeypatch):
    """A file made with kcore-conv, loaded where kcore-conv is not available."""
    model = Sequential([Input(shape=(6, 6, 1)), kcore.layers.Conv2D(2, 3), kcore.layers.Flatten()])
    model.save(tmp_path / 'm.h5')
    with h5py.File(tmp_path / 'm.h5', 'r') as f:
        assert json.loads(f.attrs['kcore_registered_by'])['Conv2D'].startswith('kcore-conv ')
    with isolated(fresh_plugins):
        monkeypatch.setenv('KCORE_DISABLE_PLUGINS', 'conv')
        with pytest.raises(UnknownNameError, match="Conv2D.*pip install kcore-conv"):
            load_model(tmp_path / 'm.h5')


def test_third_party_name_gives_the_distribution_the_file_names(tmp_path):
    model = _scaled_model()
    with plugins.registered(Scale):
        model.save(tmp_path / 'm.h5')
    with edit_h5(tmp_path / 'm.h5') as f:
        config = json.loads(f.attrs['model_config'])
        config['config']['layers'][1]['registered_by'] = 'kcore-scale-layers 1.2.0'
        _rewrite_config(f, config)
    with pytest.raises(UnknownNameError) as info:
        load_model(tmp_path / 'm.h5')
    assert 'pip install kcore-scale-layers' in str(info.value) + ''.join(getattr(info.value, '__notes__', []))


def _rewrite_config(f, config):
    """Edit a kcore file's model config and keep its checksum valid (a test helper, not an attack)."""
    from kcore.saving.hdf5_format import config_digest, providers
    text = json.dumps(config)
    f.attrs['model_config'] = text
    training = f.attrs.get('training_config')
    f.attrs['kcore_config_sha256'] = config_digest(text, training)
    f.attrs['kcore_registered_by'] = json.dumps(providers(config))


# -- check_savable ------------------------------------------------------------------------------------------
def test_check_savable_passes_for_a_savable_model_and_touches_no_file(tmp_path):
    model = _mlp()
    model.compile(optimizer='adam', loss='mse')
    plan = check_savable(model)
    assert json.loads(plan.model_config)['class_name'] == 'Sequential'
    assert json.loads(plan.training_config)['loss'] == 'mse'
    assert list(tmp_path.iterdir()) == []


def test_check_savable_refuses_what_cannot_be_stored():
    with pytest.raises(SavingError, match='not been built'):
        check_savable(Sequential([Dense(2)]))
    with pytest.raises(SavingError, match='layer, not a model'):
        check_savable(Dense(2))

    class Odd(Scale):
        def get_config(self):
            cfg = super().get_config()
            cfg['callback'] = object()
            return cfg
    model = Sequential([Dense(3, input_shape=(4,)), Odd()])
    with pytest.raises(SavingError, match='JSON cannot store'):
        check_savable(model)
    check_savable(model, weights_only=True)


def test_overwrite_false_refuses_an_existing_file(tmp_path):
    model = _mlp()
    model.save(tmp_path / 'm.h5')
    with pytest.raises(SavingError, match='overwrite=False'):
        kcore.models.save_model(model, tmp_path / 'm.h5', overwrite=False)
    with pytest.raises(SavingError, match='save_format'):
        model.save(tmp_path / 'x', save_format='tf')


# -- property: any small model, any optimizer, resumes exactly ----------------------------------------------
OPTIMIZERS = [{'class_name': 'SGD', 'config': {'learning_rate': 0.05, 'momentum': 0.9, 'nesterov': True}},
              {'class_name': 'RMSprop', 'config': {'momentum': 0.5, 'centered': True}},
              {'class_name': 'Adam', 'config': {'amsgrad': True}},
              {'class_name': 'AdamW', 'config': {}}, {'class_name': 'Adamax', 'config': {}},
              {'class_name': 'Nadam', 'config': {}}, {'class_name': 'Adagrad', 'config': {}},
              {'class_name': 'Adadelta', 'config': {'learning_rate': 1.0}}]


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(widths=st.lists(st.integers(1, 6), min_size=1, max_size=3),
       activation=st.sampled_from(['relu', 'tanh', 'sigmoid', None]),
       use_bias=st.booleans(), batchnorm=st.booleans(),
       optimizer=st.sampled_from(OPTIMIZERS), steps=st.integers(0, 3), seed=st.integers(0, 2 ** 16))
def test_property_any_model_resumes_exactly(tmp_path, widths, activation, use_bias, batchnorm, optimizer,
                                            steps, seed):
    from kcore.saving.serialization import deserialize
    rng = np.random.RandomState(seed)
    layers = [Input(shape=(4,))]
    for w in widths:
        layers.append(Dense(w, activation=activation, use_bias=use_bias))
        if batchnorm:
            layers.append(kcore.layers.BatchNormalization(momentum=0.8))
    layers.append(Dense(2))
    model = Sequential(layers)
    model.compile(optimizer=deserialize(optimizer, 'optimizers'), loss='mse', metrics=['mae'])
    x, y = rng.normal(size=(8, 4)).astype('float32'), rng.normal(size=(8, 2)).astype('float32')
    for _ in range(steps):
        model.train_on_batch(x, y)
    model.save(tmp_path / 'p.h5')
    loaded = load_model(tmp_path / 'p.h5')
    _assert_same_weights(model, loaded)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert type(loaded.optimizer) is type(model.optimizer)
    assert loaded.optimizer.iterations == model.optimizer.iterations == steps
    assert loaded.train_on_batch(x, y) == model.train_on_batch(x, y)
    _assert_same_weights(model, loaded)
