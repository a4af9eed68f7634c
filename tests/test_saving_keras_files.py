"""Files written by real Keras (2.15 and 3.15; see tests/fixtures/keras/README.md) load in kcore
and predict what Keras predicted, within 1e-5."""
import os
import warnings

import numpy as np
import pytest

from kcore.models import load_model
from kcore.plugins import registry

HERE = os.path.join(os.path.dirname(__file__), 'fixtures', 'keras')
MODELS = ['mlp', 'functional', 'batchnorm', 'embedding', 'cnn', 'lstm', 'nested']
#: layers each fixture needs beyond Dense/Activation/Dropout/Flatten (for a clear skip before they exist)
NEEDS = {'cnn': ['Conv2D', 'MaxPooling2D'], 'lstm': ['LSTM'], 'batchnorm': ['BatchNormalization'],
         'embedding': ['Embedding'], 'functional': ['Add']}
CASES = [('k3', m) for m in MODELS] + [('k2', m) for m in MODELS]


def _fixture(version, name):
    for layer in NEEDS.get(name, []):
        if layer not in registry('layers'):
            pytest.skip('kcore has no %s layer yet (its plugin does not register it)' % layer)
    data = np.load(os.path.join(HERE, '%s_%s.npz' % (version, name)), allow_pickle=False)
    xs = [data[k] for k in sorted(data.files) if k.startswith('x')]
    return os.path.join(HERE, '%s_%s.h5' % (version, name)), (xs if len(xs) > 1 else xs[0]), data['y']


@pytest.mark.parametrize('version,name', CASES)
def test_keras_model_file_predicts_what_keras_predicted(version, name):
    path, x, expected = _fixture(version, name)
    model = load_model(path)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-5)
    assert model._is_compiled and model.optimizer.iterations == 4  # 2 epochs of 2 batches in Keras


@pytest.mark.parametrize('name', MODELS)
def test_keras2_weights_file_loads_into_the_same_architecture(name):
    path, x, expected = _fixture('k2', name)
    model = load_model(path, compile=False)
    rng = np.random.RandomState(0)
    for w in model.weights:  # scramble, then restore from the weights-only file
        w.assign(rng.normal(size=w.shape).astype(w.dtype))
    model.load_weights(path.replace('.h5', '_weights.h5'))
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize('version,name', [c for c in CASES if c[1] != 'mlp'])  # mlp has Dropout
def test_loaded_keras_model_takes_the_training_step_keras_took(version, name):
    """One more train_on_batch in kcore gives Keras's loss and Keras's updated predictions:
    weights, moving statistics, Adam slots and iteration count all came across."""
    path, x, _ = _fixture(version, name)
    data = np.load(path.replace('.h5', '.npz'), allow_pickle=False)
    model = load_model(path)
    loss = model.train_on_batch(x, data['y_train'])
    np.testing.assert_allclose(loss, data['next_loss'], rtol=1e-5)
    np.testing.assert_allclose(model.predict(x, verbose=0), data['next_y'], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize('version', ['k2', 'k3'])
def test_keras_model_continues_training_with_its_adam_state(version):
    """The restored Adam state is Keras's own: a step differs from one with a fresh optimizer."""
    path, x, _ = _fixture(version, 'mlp')
    y = np.eye(4, dtype='float32')[np.arange(len(x)) % 4]
    with_state = load_model(path)
    assert with_state.optimizer.get_slot(with_state.trainable_weights[0], 'velocity').any()
    fresh = load_model(path)
    fresh.compile(optimizer=type(fresh.optimizer)(learning_rate=0.01), loss='categorical_crossentropy')
    with_state.train_on_batch(x, y)
    fresh.train_on_batch(x, y)
    assert not np.allclose(with_state.get_weights()[0], fresh.get_weights()[0])


def test_keras_training_config_is_restored():
    path, x, _ = _fixture('k3', 'mlp')
    model = load_model(path)
    assert model.metrics_names == ['loss', 'accuracy']
    assert abs(model.optimizer.learning_rate - 0.01) < 1e-7


@pytest.mark.parametrize('version', ['k2', 'k3'])
def test_keras_file_without_compile(version):
    path, x, expected = _fixture(version, 'mlp')
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        model = load_model(path, compile=False)
    assert not model._is_compiled
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-5)
