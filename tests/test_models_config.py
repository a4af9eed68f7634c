"""Functional model configs in Keras's format, JSON, and clone_model."""
import json

import numpy as np
import pytest

import kcore
from kcore import backend as K
from kcore import layers
from kcore.models import clone_model, model_from_json

RNG = np.random.default_rng(0)


def _same_predictions(a, b, inputs):
    out_a, out_b = a.predict(inputs, verbose=0), b.predict(inputs, verbose=0)
    for x, y in zip(out_a if isinstance(out_a, list) else [out_a], out_b if isinstance(out_b, list) else [out_b]):
        np.testing.assert_allclose(x, y, rtol=1e-6, atol=1e-6)


def _shared_model():
    a = kcore.Input(shape=(4,), name='a')
    b = kcore.Input(shape=(4,), name='b')
    shared = layers.Dense(3, activation='tanh', name='shared')
    merged = layers.concatenate([shared(a), shared(b)], name='merged')
    out1 = layers.Dense(2, name='out1')(merged)
    out2 = layers.Dense(1, activation='sigmoid', name='out2')(shared(a))
    return kcore.Model(inputs=[a, b], outputs=[out1, out2], name='shared_model')


def test_config_is_keras_format():
    cfg = _shared_model().get_config()
    assert cfg['name'] == 'shared_model'
    assert cfg['input_layers'] == [['a', 0, 0], ['b', 0, 0]]
    assert cfg['output_layers'] == [['out1', 0, 0], ['out2', 0, 0]]
    by_name = {entry['name']: entry for entry in cfg['layers']}
    assert by_name['a']['class_name'] == 'InputLayer' and by_name['a']['inbound_nodes'] == []
    assert by_name['shared']['inbound_nodes'] == [[['a', 0, 0, {}]], [['b', 0, 0, {}]], [['a', 0, 0, {}]]]
    assert by_name['merged']['inbound_nodes'] == [[['shared', 0, 0, {}], ['shared', 1, 0, {}]]]
    assert by_name['out2']['inbound_nodes'] == [[['shared', 2, 0, {}]]]
    json.dumps(cfg)


def test_shared_layer_round_trip_keeps_sharing_and_outputs():
    model = _shared_model()
    clone = kcore.Model.from_config(json.loads(json.dumps(model.get_config())))
    assert [l.name for l in clone.layers] == [l.name for l in model.layers]
    assert len(clone.get_weights()) == len(model.get_weights()) == 6  # the shared Dense once
    clone.set_weights(model.get_weights())
    data = [RNG.normal(size=(3, 4)).astype('float32') for _ in range(2)]
    _same_predictions(model, clone, data)
    assert json.loads(json.dumps(clone.get_config())) == json.loads(json.dumps(model.get_config()))


def test_nested_models_round_trip_through_json():
    inner_seq = kcore.Sequential([layers.Dense(4, activation='relu', input_shape=(3,)), layers.Dense(2)], name='seq')
    i = kcore.Input(shape=(2,))
    inner_fn = kcore.Model(i, layers.Dense(2, name='inner_dense')(i), name='fn')
    x = kcore.Input(shape=(3,))
    model = kcore.Model(x, inner_fn(inner_seq(x)), name='outer')
    restored = model_from_json(model.to_json())
    assert [type(l).__name__ for l in restored.layers] == ['InputLayer', 'Sequential', 'Functional']
    restored.set_weights(model.get_weights())
    _same_predictions(model, restored, RNG.normal(size=(5, 3)).astype('float32'))


def test_dict_outputs_and_inputs_round_trip():
    a = kcore.Input(shape=(2,), name='x1')
    b = kcore.Input(shape=(2,), name='x2')
    s = layers.add([a, b])
    model = kcore.Model({'x1': a, 'x2': b}, {'sum': layers.Dense(1, name='sum')(s), 'raw': s})
    cfg = model.get_config()
    assert cfg['output_layers'] == {'sum': ['sum', 0, 0], 'raw': [s.node.layer.name, 0, 0]}
    clone = kcore.Model.from_config(json.loads(json.dumps(cfg)))
    clone.set_weights(model.get_weights())
    data = {'x1': np.ones((2, 2), 'float32'), 'x2': np.full((2, 2), 2.0, 'float32')}
    got, want = clone(data), model(data)
    assert set(got) == {'sum', 'raw'}
    for k in want:
        np.testing.assert_allclose(got[k].numpy(), want[k].numpy())


def test_op_layers_round_trip():
    x = kcore.Input(shape=(4,))
    h = layers.Dense(4)(x)
    y = K.mean(h * 2.0 - x, axis=1, keepdims=True) + h[:, 1:2] ** 2
    model = kcore.Model(x, y)
    clone = model_from_json(model.to_json())
    clone.set_weights(model.get_weights())
    _same_predictions(model, clone, RNG.normal(size=(3, 4)).astype('float32'))


def test_reads_keras3_node_format():
    cfg = {
        'name': 'k3', 'trainable': True,
        'layers': [
            {'name': 'inp', 'class_name': 'InputLayer',
             'config': {'batch_shape': [None, 3], 'dtype': 'float32', 'name': 'inp'}, 'inbound_nodes': []},
            {'name': 'd', 'class_name': 'Dense', 'config': {'name': 'd', 'units': 2},
             'inbound_nodes': [{'args': [{'class_name': '__keras_tensor__',
                                          'config': {'shape': [None, 3], 'dtype': 'float32',
                                                     'keras_history': ['inp', 0, 0]}}],
                                'kwargs': {}}]},
        ],
        'input_layers': ['inp', 0, 0], 'output_layers': ['d', 0, 0],
    }
    model = kcore.Model.from_config(cfg)
    assert model.output_shape == (None, 2)
    assert model.predict(np.ones((1, 3), 'float32'), verbose=0).shape == (1, 2)


def test_bad_configs_give_clear_errors():
    cfg = _shared_model().get_config()
    cfg['layers'] = [entry for entry in cfg['layers'] if entry['name'] != 'b']
    with pytest.raises(ValueError, match="never created"):
        kcore.Model.from_config(cfg)
    with pytest.raises(ValueError, match='"layers" list'):
        kcore.models.Functional.from_config({'name': 'x'})
    unknown = {'name': 'm', 'layers': [{'name': 'z', 'class_name': 'NoSuchLayer', 'config': {}, 'inbound_nodes': []}],
               'input_layers': [], 'output_layers': []}
    with pytest.raises(KeyError, match='NoSuchLayer'):
        kcore.Model.from_config(unknown)


def test_sequential_config_round_trip_and_legacy_list():
    model = kcore.Sequential([layers.Dense(3, input_shape=(2,)), layers.Dropout(0.1), layers.Dense(1)])
    cfg = json.loads(json.dumps(model.get_config()))
    clone = kcore.Sequential.from_config(cfg)
    assert clone.output_shape == (None, 1)
    legacy = kcore.Sequential.from_config(cfg['layers'])  # Keras 2.0-2.2 stored the list alone
    assert legacy.count_params() == model.count_params()


# -- clone_model ----------------------------------------------------------------------------
def test_clone_functional_has_new_weights_same_structure():
    model = _shared_model()
    clone = clone_model(model)
    assert [type(l) for l in clone.layers] == [type(l) for l in model.layers]
    assert all(a is not b for a, b in zip(clone.weights, model.weights))
    assert len(clone.weights) == len(model.weights)  # the shared layer is cloned once
    clone.set_weights(model.get_weights())
    data = [RNG.normal(size=(2, 4)).astype('float32') for _ in range(2)]
    _same_predictions(model, clone, data)


def test_clone_sequential_and_deferred_sequential():
    model = kcore.Sequential([layers.Dense(3, input_shape=(2,)), layers.Dense(1)])
    clone = clone_model(model)
    assert clone.output_shape == (None, 1) and clone.layers[0] is not model.layers[0]
    deferred = clone_model(kcore.Sequential([layers.Dense(3), layers.Dense(1)]))
    assert deferred.predict(np.ones((2, 5), 'float32'), verbose=0).shape == (2, 1)


def test_clone_function_and_input_tensors():
    model = _shared_model()
    shared_all = clone_model(model, clone_function=lambda layer: layer)
    assert all(a is b for a, b in zip(shared_all.weights, model.weights))
    new_inputs = [kcore.Input(shape=(4,)), kcore.Input(shape=(4,))]
    fed = clone_model(model, input_tensors=new_inputs)
    assert fed.inputs == new_inputs
    with pytest.raises(ValueError, match='2 input'):
        clone_model(model, input_tensors=[kcore.Input(shape=(4,))])


def test_clone_of_subclassed_model_is_refused():
    class M(kcore.Model):
        def call(self, x):
            return x
    with pytest.raises(ValueError, match='subclassed'):
        clone_model(M())
