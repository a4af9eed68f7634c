"""``K`` functions about values and state: variables, get/set_value, random ops, gradients,
``K.function``, the learning phase and ``clear_session``."""
import numpy as np
import pytest

import kcore
from kcore import backend as K
from kcore.autodiff import Tensor, Variable


# -- variables and values ---------------------------------------------------------------------------
def test_variable_constant_and_friends_default_to_floatx():
    v = K.variable([[1, 2], [3, 4]], name='v')
    assert isinstance(v, Variable) and v.dtype == np.float32 and v.name == 'v'  # ints too, as Keras 2
    assert K.variable(np.ones(2), dtype='float64').dtype == np.float64
    assert K.variable(3, dtype='int64').dtype == np.int64
    source = np.ones(2, np.float32)
    assert K.variable(source).data is not source  # a copy
    assert not K.variable(1.0, trainable=False).trainable
    c = K.constant(2.0, shape=(2, 3))
    assert isinstance(c, Tensor) and not isinstance(c, Variable) and c.shape == (2, 3) and c.dtype == np.float32
    for fn, value in ((K.zeros, 0.0), (K.ones, 1.0)):
        z = fn((2, 3))
        assert isinstance(z, Variable) and z.dtype == np.float32 and np.all(z.numpy() == value)
    np.testing.assert_array_equal(K.eye(3).numpy(), np.eye(3))
    assert K.eye((2, 3)).shape == (2, 3)
    assert K.zeros_like(c).shape == (2, 3) and K.ones_like(c, dtype='float64').dtype == np.float64
    np.testing.assert_array_equal(K.arange(1, 7, 2).numpy(), [1, 3, 5])


def test_get_set_value():
    v = K.variable(np.zeros((2, 2)))
    alias = v.data
    K.set_value(v, [[1, 2], [3, 4]])
    assert alias[1, 1] == 4 and v.dtype == np.float32  # in place, dtype kept
    np.testing.assert_array_equal(K.get_value(v), [[1, 2], [3, 4]])
    assert isinstance(K.eval(v), np.ndarray)
    np.testing.assert_array_equal(K.eval(v * 2), [[2, 4], [6, 8]])
    with pytest.raises(ValueError, match=r'has shape \(2, 2\); the value has shape \(3,\)'):
        K.set_value(v, [1, 2, 3])
    with pytest.raises(TypeError, match='needs a Variable'):
        K.set_value(Tensor(np.zeros(2)), [1, 2])
    w = K.variable(np.zeros(3))
    K.batch_set_value([(v, np.ones((2, 2))), (w, [7, 8, 9])])
    a, b = K.batch_get_value([v, w])
    np.testing.assert_array_equal(a, np.ones((2, 2)))
    np.testing.assert_array_equal(b, [7, 8, 9])


def test_updates():
    v = K.variable([1.0, 2.0])
    K.update(v, [3.0, 4.0])
    K.update_add(v, [1.0, 1.0])
    K.update_sub(v, Tensor(np.array([0.5, 0.5], np.float32)))
    np.testing.assert_allclose(v.numpy(), [3.5, 4.5])
    K.moving_average_update(v, [0.0, 0.0], 0.9)
    np.testing.assert_allclose(v.numpy(), [3.15, 4.05], rtol=1e-6)


def test_print_tensor(capsys):
    t = Tensor(np.array([1.0, 2.0]))
    assert K.print_tensor(t, message='x =') is t
    assert 'x = [1. 2.]' in capsys.readouterr().out


# -- random ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize('fn, kwargs', [
    (K.random_uniform, {'minval': -2.0, 'maxval': 3.0}),
    (K.random_normal, {'mean': 1.0, 'stddev': 2.0}),
    (K.truncated_normal, {'mean': 0.0, 'stddev': 1.0}),
    (K.random_binomial, {'p': 0.3}),
])
def test_random_ops_are_seeded(fn, kwargs):
    a = fn((200, 50), seed=7, **kwargs)
    b = fn((200, 50), seed=7, **kwargs)
    c = fn((200, 50), seed=8, **kwargs)
    assert a.shape == (200, 50) and a.dtype == np.float32
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert not np.array_equal(a.numpy(), c.numpy())
    assert fn((3,), dtype='float64', seed=1, **kwargs).dtype == np.float64
    assert fn((3,), dtype='float16', seed=1, **kwargs).dtype == np.float16


def test_random_distributions():
    u = K.random_uniform((100000,), minval=-2.0, maxval=3.0, seed=1).numpy()
    assert u.min() >= -2.0 and u.max() < 3.0 and abs(u.mean() - 0.5) < 0.03
    n = K.random_normal((100000,), mean=1.0, stddev=2.0, seed=1).numpy()
    assert abs(n.mean() - 1.0) < 0.03 and abs(n.std() - 2.0) < 0.03
    t = K.truncated_normal((100000,), stddev=1.0, seed=1).numpy()
    assert np.abs(t).max() <= 2.0
    b = K.random_binomial((100000,), p=0.3, seed=1).numpy()
    assert set(np.unique(b)) <= {0.0, 1.0} and abs(b.mean() - 0.3) < 0.01
    assert K.random_bernoulli is K.random_binomial


def test_global_seed_reproduces_unseeded_draws():
    kcore.utils.set_random_seed(123)
    first = K.random_normal((5,)).numpy()
    kcore.utils.set_random_seed(123)
    np.testing.assert_array_equal(K.random_normal((5,)).numpy(), first)


def test_dropout():
    x = np.ones((200, 100), np.float32)
    y = K.dropout(x, 0.25, seed=3).numpy()
    kept = y != 0
    assert abs(kept.mean() - 0.75) < 0.02
    np.testing.assert_allclose(y[kept], 1 / 0.75, rtol=1e-6)
    np.testing.assert_array_equal(K.dropout(x, 0.25, seed=3).numpy(), y)
    rows = K.dropout(x, 0.5, noise_shape=(200, 1), seed=3).numpy()
    assert all(len(np.unique(r)) == 1 for r in rows)  # whole rows kept or dropped


# -- gradients and functions ----------------------------------------------------------------------------
def test_eager_gradients():
    w = K.variable([1.0, 2.0])
    b = K.variable([0.5])
    loss = K.sum(K.square(w)) + K.sum(b)
    gw, gb = K.gradients(loss, [w, b])
    assert isinstance(gw, Tensor)
    np.testing.assert_allclose(gw.numpy(), [2.0, 4.0])
    np.testing.assert_allclose(gb.numpy(), [1.0])
    (single,) = K.gradients(loss, w)
    np.testing.assert_allclose(single.numpy(), [2.0, 4.0])
    assert K.gradients(loss, [K.variable([0.0])]) == [None]
    stopped = K.sum(K.stop_gradient(w) * w)
    np.testing.assert_allclose(K.gradients(stopped, w)[0].numpy(), [1.0, 2.0])
    a, c = K.stop_gradient([w, b])
    assert a._node is not None and K.gradients(K.sum(a), w) == [None]


def _model():
    inputs = kcore.Input(shape=(3,))
    hidden = kcore.layers.Dense(4, activation='tanh', name='hidden')(inputs)
    outputs = kcore.layers.Dense(2, name='out')(hidden)
    return kcore.Model(inputs, outputs), inputs, hidden, outputs


def test_function_runs_part_of_a_graph():
    model, inputs, hidden, _ = _model()
    f = K.function([model.input], [model.get_layer('hidden').output])
    x = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    (h,) = f([x])
    w, b = model.get_layer('hidden').get_weights()
    np.testing.assert_allclose(h, np.tanh(x @ w + b), rtol=1e-5)
    single = K.function(inputs, hidden)
    np.testing.assert_allclose(single(x), h, rtol=1e-6)


def test_symbolic_gradients_through_function():
    model, inputs, hidden, outputs = _model()
    grads = K.gradients(outputs, [inputs])
    f = K.function([inputs], grads)
    x = np.random.default_rng(1).normal(size=(4, 3)).astype(np.float32)
    (g,) = f([x])
    w1, b1 = model.get_layer('hidden').get_weights()
    w2, _ = model.get_layer('out').get_weights()
    h = np.tanh(x @ w1 + b1)
    expected = ((np.ones((4, 2)) @ w2.T) * (1 - h ** 2)) @ w1.T
    np.testing.assert_allclose(g, expected, rtol=1e-4, atol=1e-6)


def test_function_with_learning_phase():
    inputs = kcore.Input(shape=(1000,))
    outputs = kcore.layers.Dropout(0.5)(inputs)
    f = K.function([inputs, K.learning_phase()], [outputs])
    x = np.ones((2, 1000), np.float32)
    np.testing.assert_array_equal(f([x, 0])[0], x)
    trained = f([x, 1])[0]
    assert 0.4 < (trained == 0).mean() < 0.6


def test_learning_phase():
    assert int(K.learning_phase()) == 0
    K.set_learning_phase(1)
    try:
        assert int(K.learning_phase()) == 1 and bool(K.learning_phase())
        assert K.in_train_phase(lambda: 'train', 'test') == 'train'
    finally:
        K.set_learning_phase(None)
    assert K.in_train_phase('train', lambda: 'test') == 'test'
    assert K.in_test_phase('test', 'train') == 'test'
    assert K.in_train_phase('train', 'test', training=True) == 'train'
    with K.phase.learning_phase_scope(1):
        assert int(K.learning_phase()) == 1
    assert int(K.learning_phase()) == 0
    with pytest.raises(ValueError, match='0 or 1'):
        K.set_learning_phase(2)


def test_placeholder():
    p = K.placeholder(shape=(None, 3))
    assert K.is_keras_tensor(p) and K.is_placeholder(p)
    assert K.int_shape(p) == (None, 3) and K.ndim(p) == 2
    assert K.int_shape(K.placeholder(ndim=2)) == (None, None)
    with pytest.raises(ValueError, match='shape='):
        K.placeholder()
    assert not K.is_keras_tensor(Tensor(np.zeros(2)))


def test_clear_session_resets_names():
    K.clear_session()
    first = kcore.layers.Dense(1)
    second = kcore.layers.Dense(1)
    assert (first.name, second.name) == ('dense', 'dense_1')
    K.clear_session()
    assert kcore.layers.Dense(1).name == 'dense'


@pytest.mark.parametrize('cls, expected', [('Dense', 'dense'), ('Conv2D', 'conv2d'), ('MaxPooling2D', 'max_pooling2d'),
                                           ('BatchNormalization', 'batch_normalization'), ('LSTM', 'lstm'),
                                           ('Conv2DTranspose', 'conv2d_transpose'), ('ConvLSTM2D', 'conv_lst_m2d'),
                                           ('GlobalAveragePooling1D', 'global_average_pooling1d')])
def test_default_names_follow_keras_2(cls, expected):
    from kcore.utils import naming
    assert naming.snake_case(cls) == expected
    K.clear_session()
    assert [naming.unique_name(expected) for _ in range(3)] == [expected, expected + '_1', expected + '_2']


def test_backend_facts():
    assert K.backend() == 'numpy'
    assert K.device_count() == 1
    assert K.cast_to_floatx([1, 2]).dtype == np.float32
