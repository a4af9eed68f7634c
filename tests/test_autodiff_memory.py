"""Nodes keep where an input's gradient goes, not the input tensor: an intermediate array
that no vjp needs (BatchNormalization's output, read only by the ReLU after it) is freed
during the forward pass, and a Functional model lets go of a layer's output once no later
layer reads it."""
import weakref

import numpy as np

import kcore
from kcore import layers
from kcore.autodiff import Variable, apply, gradients
from kcore.backend import ops as K


def test_an_intermediate_no_vjp_keeps_is_freed_and_gradients_still_flow():
    w = Variable(np.array([-1.0, 0.5, 2.0]), name='w')
    a = w * 3.0                      # multiplying by a constant keeps only the constant
    data = weakref.ref(a.data)
    b = K.relu(a)                    # relu keeps its output, not its input
    del a
    assert data() is None
    g, = gradients(K.sum(b * b), [w])
    np.testing.assert_allclose(g, 2 * np.maximum(3 * w.numpy(), 0) * 3)


def test_gradients_reach_intermediates_and_one_of_several_outputs():
    x = Variable(np.array([[1.0, -2.0], [3.0, 0.5]]), name='x')
    h = x * 2.0
    y, mean, _ = apply('batch_norm_train', h, None, None, axes=(0,), epsilon=1e-3)
    loss = K.sum(y * y) + K.sum(h)
    gh, gx, gy = gradients(loss, [h, x, y])
    np.testing.assert_allclose(gy, 2 * y.numpy())
    np.testing.assert_allclose(gx, 2 * gh)
    assert gradients(K.sum(mean * 1.0), [y]) == [None]


class _SeesRelease(layers.Layer):
    """Passes its input through, recording whether ``watched`` (a weakref) was already dead."""

    def __init__(self, watched, **kwargs):
        super().__init__(**kwargs)
        self.watched, self.seen = watched, []

    def call(self, x):
        self.seen.append(self.watched[0] is not None and self.watched[0]() is None)
        return x


class _Watch(layers.Layer):
    """Doubles its input and keeps a weakref to the output array in ``watched``."""

    def __init__(self, watched, **kwargs):
        super().__init__(**kwargs)
        self.watched = watched

    def call(self, x):
        y = x * 2.0
        self.watched[0] = weakref.ref(y.data)
        return y


def test_a_functional_model_drops_a_layer_output_after_its_last_reader():
    watched = [None]
    inp = kcore.Input(shape=(3,))
    h = _Watch(watched)(inp)
    h = layers.Activation('relu')(h)
    out = _SeesRelease(watched)(layers.Dense(2)(h))
    model = kcore.Model(inp, out)
    x = np.ones((4, 3), np.float32)
    model(x, training=True)
    assert model.layers[-1].seen[-1] is True
    model.compile('sgd', 'mse')
    before = [w.copy() for w in model.get_weights()]
    model.train_on_batch(x, np.zeros((4, 2), np.float32))
    assert model.layers[-1].seen[-1] is True
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
