"""Keras 2's graph-style training API, run eagerly: ``model.total_loss``/``targets``/``sample_weights``,
``optimizer.get_gradients``/``get_updates``, ``K.function(updates=...)``, ``Layer.updates``/``add_update``
and ``_keras_shape``."""
import numpy as np
import pytest

import kcore
from kcore import backend as K
from kcore import layers
from kcore.optimizers import SGD

RNG = np.random.default_rng(0)
X = RNG.random((6, 3)).astype('float32')
Y = RNG.random((6, 2)).astype('float32')
W = np.ones(6, 'float32')


def _model(optimizer=None):
    kcore.utils.set_random_seed(0)
    inp = kcore.Input((3,))
    model = kcore.Model(inp, layers.Dense(2)(layers.Dense(4, activation='tanh')(inp)))
    model.compile(optimizer or SGD(0.1), 'mse')
    return model


def test_total_loss_is_the_compiled_loss_fed_inputs_weights_and_targets():
    model = _model()
    assert model.total_loss.shape == () and len(model.targets) == 1 and len(model.sample_weights) == 1
    f = K.function(model.inputs + model.sample_weights + model.targets, [model.total_loss])
    np.testing.assert_allclose(f([X, W, Y])[0], model.evaluate(X, Y, verbose=0), rtol=1e-5)
    half = np.where(np.arange(6) < 3, 2.0, 0.0).astype('float32')
    np.testing.assert_allclose(f([X, half, Y])[0], model.evaluate(X, Y, sample_weight=half, verbose=0), rtol=1e-5)
    with pytest.raises(AttributeError, match='compile'):
        kcore.Sequential([layers.Dense(1, input_shape=(2,))]).total_loss


def test_get_gradients_clips_the_global_norm_as_keras_2_3():
    model = _model(SGD(0.1, clipnorm=0.01))
    symbolic = model.optimizer.get_gradients(model.total_loss, model.trainable_weights)
    grads = K.function(model.inputs + model.sample_weights + model.targets, symbolic)([X, W, Y])
    np.testing.assert_allclose(np.sqrt(sum((g ** 2).sum() for g in grads)), 0.01, rtol=1e-4)
    unclipped = _model().optimizer.get_gradients(model.total_loss, model.trainable_weights)
    raw = K.function(model.inputs + model.sample_weights + model.targets, unclipped)([X, W, Y])
    norm = np.sqrt(sum((g ** 2).sum() for g in raw))
    for g, r in zip(grads, raw):
        np.testing.assert_allclose(g, r * 0.01 / norm, rtol=1e-4, atol=1e-8)
    eager_loss = K.mean(K.square(model(K.variable(X)) - Y))
    eager = model.optimizer.get_gradients(eager_loss, model.trainable_weights)
    np.testing.assert_allclose(np.sqrt(sum(float(K.sum(K.square(g))) for g in eager)), 0.01, rtol=1e-4)
    unused = K.variable(np.zeros(2))
    with pytest.raises(ValueError, match='None` for gradient'):
        model.optimizer.get_gradients(eager_loss, [unused])


def test_get_updates_with_k_function_is_a_training_step():
    model, twin = _model(), _model()
    updates = model.optimizer.get_updates(model.total_loss, model.trainable_weights)
    train = K.function(model.inputs + model.sample_weights + model.targets, [model.total_loss], updates=updates)
    losses = [float(train([X, W, Y])[0]) for _ in range(3)]
    history = twin.fit(X, Y, batch_size=6, epochs=3, shuffle=False, verbose=0).history['loss']
    np.testing.assert_allclose(losses, history, rtol=1e-4)
    for a, b in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_k_function_pair_updates_layer_updates_and_keras_shape():
    inp = kcore.Input((3,))
    out = layers.Dense(2)(inp)
    counter = K.variable(np.zeros(2))
    f = K.function([inp], [out], updates=[(counter, out[0])])
    result = f([X])[0]
    np.testing.assert_allclose(K.eval(counter), result[0], rtol=1e-6)
    with pytest.raises(TypeError, match='updates'):
        K.function([inp], [out], updates=['nonsense'])
    layer = layers.Dense(2)
    assert layer.updates == [] and layer.get_updates_for(None) == []
    v = K.variable(np.zeros(3))
    layer.add_update([(v, np.ones(3))])
    np.testing.assert_array_equal(K.eval(v), np.ones(3))
    layer.add_update([K.update_add(v, np.ones(3)), None])   # applied when made, as kcore's K.update* are
    np.testing.assert_array_equal(K.eval(v), 2 * np.ones(3))
    with pytest.raises(TypeError, match='add_update'):
        layer.add_update(3)
    assert inp._keras_shape == (None, 3) and out._keras_shape == (None, 2)
    assert _model().updates == []


def test_add_update_in_call_applies_per_call_but_not_while_shapes_are_inferred():
    class Counter(layers.Layer):
        def build(self, input_shape):
            self.count = self.add_weight('count', (), initializer='zeros', trainable=False)

        def call(self, inputs):
            self.add_update([(self.count, self.count + 1.0)], inputs)
            return inputs * 2

    layer = Counter()
    model = kcore.Model(*(lambda i: (i, layer(i)))(kcore.Input((2,))))  # no compute_output_shape: inferred
    assert float(K.eval(layer.count)) == 0.0
    model.predict(np.ones((3, 2), 'float32'))
    assert float(K.eval(layer.count)) == 1.0
