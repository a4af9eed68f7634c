"""Functional graphs, Sequential, subclassing and nesting: the model features of issue 3."""
import numpy as np
import pytest

import kcore
from kcore import backend as K
from kcore import layers
from kcore.errors import ShapeError

RNG = np.random.default_rng(0)


def _x(*shape):
    return RNG.normal(size=shape).astype('float32')


# -- symbolic tensor operators and K ops ------------------------------------------------------
def test_operators_on_symbolic_tensors_compute_like_numpy():
    x = kcore.Input(shape=(4,))
    y = kcore.Input(shape=(4,))
    outs = [x + y, x - 1.5, 2 * x, x / (abs(y) + 1), -x, x ** 2, x[:, 1:3], x[:, 0], np.float32(3) * x,
            (x > y), K.mean(x, axis=1), K.concatenate([x, y], axis=-1), K.square(K.relu(x))]
    model = kcore.Model([x, y], outs)
    a, b = _x(3, 4), _x(3, 4)
    expected = [a + b, a - 1.5, 2 * a, a / (np.abs(b) + 1), -a, a ** 2, a[:, 1:3], a[:, 0], 3 * a, a > b,
                a.mean(1), np.concatenate([a, b], -1), np.maximum(a, 0) ** 2]
    for got, want, kt in zip(model([a, b]), expected, outs):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-6, atol=1e-6)
        assert kt.shape[1:] == want.shape[1:]


def test_k_function_over_ops_and_eager_k_stays_eager():
    x = kcore.Input(shape=(3,))
    h = layers.Dense(2)(x)
    f = K.function([x], [K.sum(h * h, axis=1)])
    a = _x(4, 3)
    w, b = h.node.layer.get_weights()
    np.testing.assert_allclose(f([a])[0], ((a @ w + b) ** 2).sum(1), rtol=1e-5)
    assert isinstance(K.sum(np.ones(3)), K.Tensor)


def test_op_layer_with_unsavable_argument_fails_on_get_config():
    x = kcore.Input(shape=(2,))
    model = kcore.Model(x, x * K.variable(np.ones(2)))
    with pytest.raises(ValueError, match='cannot hold'):
        model.get_config()


# -- wiring errors at construction --------------------------------------------------------------
def test_sequential_wiring_error_names_both_shapes():
    with pytest.raises(ShapeError, match=r'12 values.*target_shape=\(5,\).*input_shape=\(None, 12\)'):
        kcore.Sequential([layers.Dense(12, input_shape=(4,)), layers.Reshape((5,))])
    model = kcore.Sequential([layers.Dense(3, input_shape=(4,)), layers.Dense(2)])
    with pytest.raises(ShapeError, match=r'axis -1 of size 3.*\(None, 5\)'):
        model.layers[1](kcore.Input(shape=(5,)))


def test_graph_disconnected_names_the_missing_input():
    a, b = kcore.Input(shape=(2,), name='first'), kcore.Input(shape=(2,), name='second')
    out = layers.add([a, b])
    with pytest.raises(ValueError, match="Graph disconnected.*'second'"):
        kcore.Model(a, out)


def test_layer_without_compute_output_shape_works_symbolically():
    class Halve(layers.Layer):
        def call(self, x):
            return x[:, ::2] * 0.5

    out = Halve()(kcore.Input(shape=(6, 3)))
    assert out.shape == (None, 3, 3)


def test_automatic_names_are_unique_and_reset_by_clear_session():
    K.clear_session()
    names = [layers.Dense(1).name for _ in range(3)]
    assert names == ['dense', 'dense_1', 'dense_2']
    K.clear_session()
    assert layers.Dense(1).name == 'dense'


# -- Sequential -------------------------------------------------------------------------------
def test_sequential_pop_add_and_deferred_build():
    model = kcore.Sequential([layers.Dense(4, input_shape=(3,)), layers.Dense(2), layers.Dense(1)])
    model.pop()
    assert model.output_shape == (None, 2) and len(model.layers) == 2
    model.add(layers.Dense(5))
    assert model.output_shape == (None, 5)
    deferred = kcore.Sequential()
    deferred.add(layers.Dense(3))
    assert not deferred.built
    assert deferred(_x(2, 7)).shape == (2, 3)
    assert deferred.input_shape == (None, 7)
    with pytest.raises(TypeError, match='no layers to pop'):
        kcore.Sequential().pop()


def test_sequential_starting_with_input_and_get_layer():
    model = kcore.Sequential([kcore.Input(shape=(3,)), layers.Dense(2, name='d')])
    assert model.get_layer('d') is model.layers[0] is model.get_layer(index=0)
    with pytest.raises(ValueError, match="No layer named 'x'.*'d'"):
        model.get_layer('x')
    with pytest.raises(ValueError, match='has 1 layers'):
        model.get_layer(index=3)


# -- nesting and sharing -----------------------------------------------------------------------
def test_model_called_as_a_layer_reuses_its_weights():
    inner_in = kcore.Input(shape=(3,))
    inner = kcore.Model(inner_in, layers.Dense(2)(inner_in))
    x = kcore.Input(shape=(3,))
    outer = kcore.Model(x, layers.Dense(1)(inner(x)))
    assert all(any(w is v for v in outer.weights) for w in inner.weights)
    a = _x(4, 3)
    w, b, w2, b2 = outer.get_weights()
    np.testing.assert_allclose(outer.predict(a, verbose=0), (a @ w + b) @ w2 + b2, rtol=1e-5)
    eager = inner(a)  # called on data directly
    np.testing.assert_allclose(eager.numpy(), a @ w + b, rtol=1e-5)
    inner.set_weights([np.zeros_like(w), np.ones_like(b)])
    np.testing.assert_allclose(outer.predict(a, verbose=0), np.full((4, 1), (w2.sum() + b2[0])), rtol=1e-5)


def test_intermediate_output_model_shares_weights():
    model = kcore.Sequential([layers.Dense(3, input_shape=(2,), name='h'), layers.Dense(1)])
    probe = kcore.Model(model.input, model.get_layer('h').output)
    a = _x(2, 2)
    w, b = model.layers[0].get_weights()
    np.testing.assert_allclose(probe.predict(a, verbose=0), a @ w + b, rtol=1e-5)


# -- subclassed models ----------------------------------------------------------------------------
class Tower(kcore.Model):
    def __init__(self):
        super().__init__(name='tower')
        self.blocks = [layers.Dense(4, activation='relu'), layers.Dense(4)]
        self.heads = {'a': layers.Dense(1), 'b': layers.Dense(2)}
        self.drop = layers.Dropout(0.5)
        self.seen_training = []

    def call(self, x, training=None):
        self.seen_training.append(training)
        for block in self.blocks:
            x = block(x)
        x = self.drop(x, training=training)
        return [self.heads['a'](x), self.heads['b'](x)]


def test_subclassed_model_tracks_layers_in_lists_and_dicts():
    model = Tower()
    outs = model(_x(2, 3))
    assert [o.shape for o in outs] == [(2, 1), (2, 2)]
    assert len(model.layers) == 5
    assert len(model.trainable_weights) == 8
    assert model.count_params() == (3 * 4 + 4) + (4 * 4 + 4) + (4 + 1) + (4 * 2 + 2)


def test_training_flag_reaches_call():
    model = Tower()
    model(_x(2, 3), training=True)
    model(_x(2, 3))
    assert model.seen_training[-2:] == [True, None]


def test_nested_subclassed_models_share_variables_when_reused():
    class Block(kcore.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(3)

        def call(self, x):
            return self.dense(x)

    class Siamese(kcore.Model):
        def __init__(self):
            super().__init__()
            self.block = Block()

        def call(self, inputs):
            a, b = inputs
            return self.block(a) - self.block(b)

    model = Siamese()
    a = _x(2, 3)
    np.testing.assert_allclose(model([a, a]).numpy(), 0, atol=1e-6)
    assert len(model.weights) == 2


def test_subclassed_get_config_error_says_what_to_do():
    with pytest.raises(NotImplementedError, match='get_config'):
        Tower().get_config()


def test_subclassed_model_inside_a_functional_graph():
    class Residual(kcore.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(3)

        def call(self, x):
            return x + self.dense(x)

    block = Residual()
    x = kcore.Input(shape=(3,))
    y = block(x)
    assert y.shape == (None, 3)
    model = kcore.Model(x, K.sum(y, axis=-1))
    a = _x(2, 3)
    w, b = block.get_weights()
    np.testing.assert_allclose(model.predict(a, verbose=0), (a + a @ w + b).sum(-1), rtol=1e-5)
