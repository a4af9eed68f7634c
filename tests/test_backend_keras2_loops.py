"""Keras 2's K loops and normalization functions (issue 19): ``K.rnn``, ``map_fn``, ``foldl``/``foldr``,
``cumprod``, ``batch_normalization``, ``normalize_batch_in_training`` and the random variables, against
NumPy references, with gradients checked against finite differences."""
import numpy as np
import pytest

from kcore import backend as K
from kcore.testing import check_gradients

RNG = np.random.default_rng(0)


def _simple_rnn_reference(x, w, u, h0, mask=None, go_backwards=False):
    h, outs, prev = h0, [], np.zeros_like(h0)
    steps = range(x.shape[1] - 1, -1, -1) if go_backwards else range(x.shape[1])
    for t in steps:
        new = np.tanh(x[:, t] @ w + h @ u)
        if mask is not None:
            keep = mask[:, t][:, None]
            out, h = np.where(keep, new, prev), np.where(keep, new, h)
        else:
            out, h = new, new
        outs.append(out)
        prev = out
    return outs[-1], np.stack(outs, 1), h


def _step(w, u):
    def step(x_t, states):
        h = K.tanh(K.dot(x_t, w) + K.dot(states[0], u))
        return h, [h]
    return step


@pytest.mark.parametrize('go_backwards', [False, True])
@pytest.mark.parametrize('masked', [False, True])
def test_rnn_matches_a_numpy_loop(go_backwards, masked):
    x, w, u = RNG.normal(size=(3, 4, 2)), RNG.normal(size=(2, 5)), RNG.normal(size=(5, 5)) * 0.5
    h0 = RNG.normal(size=(3, 5))
    mask = np.array([[1, 1, 0, 1], [1, 0, 0, 0], [1, 1, 1, 1]], bool) if masked else None
    last, outputs, states = K.rnn(_step(w, u), x, [h0], go_backwards=go_backwards, mask=mask)
    want_last, want_outputs, want_h = _simple_rnn_reference(x, w, u, h0, mask, go_backwards)
    np.testing.assert_allclose(K.eval(last), want_last, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(K.eval(outputs), want_outputs, rtol=1e-5, atol=1e-6)
    assert len(states) == 1
    np.testing.assert_allclose(K.eval(states[0]), want_h, rtol=1e-5, atol=1e-6)


def test_rnn_passes_constants_and_checks_its_step():
    x = RNG.normal(size=(2, 3, 4))

    def step(x_t, states):
        acc, bias = states
        acc = acc + x_t + bias
        return acc, [acc]
    bias = np.ones((2, 4))
    last, outputs, (acc,) = K.rnn(step, x, [np.zeros((2, 4))], constants=[bias], unroll=True, input_length=3)
    np.testing.assert_allclose(K.eval(outputs), np.cumsum(x + 1, axis=1), rtol=1e-5)
    np.testing.assert_allclose(K.eval(acc), K.eval(last))
    with pytest.raises(ValueError, match='at least 3D'):
        K.rnn(step, x[:, 0], [np.zeros((2, 4))])
    with pytest.raises(ValueError, match='returned 2 states'):
        K.rnn(lambda x_t, s: (x_t, [x_t, x_t]), x, [np.zeros((2, 4))])
    with pytest.raises(TypeError, match=r'\(output, new_states\)'):
        K.rnn(lambda x_t, s: x_t, x, [np.zeros((2, 4))])
    with pytest.raises(ValueError, match='mask must have shape'):
        K.rnn(step, x, [np.zeros((2, 4))], constants=[bias], mask=np.ones((2, 5)))


def test_rnn_gradients_flow_through_every_step():
    mask = np.array([[1, 0, 1], [1, 1, 0]], bool)

    def fn(x, w, u, h0):
        last, outputs, states = K.rnn(_step(w, u), x, [h0], mask=mask)
        return [last, outputs, states[0]]
    check_gradients(fn, [RNG.normal(size=(2, 3, 2)), RNG.normal(size=(2, 4)), RNG.normal(size=(4, 4)) * 0.5,
                         RNG.normal(size=(2, 4))])


def test_map_fn_and_folds():
    x = RNG.normal(size=(4, 3))
    np.testing.assert_allclose(K.eval(K.map_fn(lambda r: K.sum(r * r), x)), (x * x).sum(1), rtol=1e-5)
    assert K.map_fn(lambda r: r, x, dtype='float64').dtype == np.float64
    np.testing.assert_allclose(K.eval(K.foldl(lambda a, r: a + r, x)), x.sum(0), rtol=1e-5)
    # order matters: a - r folds differ from the left and the right
    left = x[0]
    for r in x[1:]:
        left = left * 0.5 - r
    right = x[-1]
    for r in x[-2::-1]:
        right = right * 0.5 - r
    np.testing.assert_allclose(K.eval(K.foldl(lambda a, r: a * 0.5 - r, x)), left, rtol=1e-5)
    np.testing.assert_allclose(K.eval(K.foldr(lambda a, r: a * 0.5 - r, x)), right, rtol=1e-5)
    np.testing.assert_allclose(K.eval(K.foldl(lambda a, r: a + K.sum(r), x, initializer=10.0)), 10 + x.sum(),
                               rtol=1e-5)
    with pytest.raises(ValueError, match='initializer'):
        K.foldl(lambda a, r: a, np.zeros((0, 2)))


@pytest.mark.parametrize('fn', [
    lambda x: K.map_fn(lambda r: K.exp(r) * K.sum(r), x),
    lambda x: K.foldl(lambda a, r: a * r + 1.0, x),
    lambda x: K.foldr(lambda a, r: a * r - 1.0, x, initializer=K.ones_like(x[0])),
    lambda x: K.cumprod(x, axis=0),
    lambda x: K.cumprod(x, axis=1)])
def test_loop_gradients(fn):
    check_gradients(fn, [RNG.uniform(-1.5, 1.5, (3, 4))])


def test_cumprod_matches_numpy_with_zeros_and_negatives():
    x = np.array([[1.0, -2.0, 0.0], [3.0, 0.5, -1.0]])
    for axis in (0, 1, -1):
        np.testing.assert_allclose(K.eval(K.cumprod(x, axis=axis)), np.cumprod(x, axis=axis))
    np.testing.assert_allclose(K.eval(K.cumprod(x)), np.cumprod(x, axis=0))  # Keras 2's default axis is 0


def test_batch_normalization_applies_statistics_along_an_axis():
    x = RNG.normal(size=(2, 3, 4))
    mean, var, beta, gamma = RNG.normal(size=3), RNG.uniform(0.5, 2, 3), RNG.normal(size=3), RNG.normal(size=3)
    b = lambda v: v[None, :, None]  # noqa: E731
    want = (x - b(mean)) / np.sqrt(b(var) + 1e-3) * b(gamma) + b(beta)
    np.testing.assert_allclose(K.eval(K.batch_normalization(x, mean, var, beta, gamma, axis=1)), want, rtol=1e-5)
    m, v = RNG.normal(size=4), RNG.uniform(0.5, 2, 4)
    np.testing.assert_allclose(K.eval(K.batch_normalization(x, m, v, None, None, epsilon=0.1)),
                               (x - m) / np.sqrt(v + 0.1), rtol=1e-5)
    check_gradients(lambda x, m, v, bt, g: K.batch_normalization(x, m, v, bt, g, axis=1),
                    [x, mean, var, beta, gamma])


@pytest.mark.parametrize('axes', [[0], [0, 1], [0, 2]])
def test_normalize_batch_in_training(axes):
    x = RNG.normal(size=(5, 3, 4))
    kept = [i for i in range(3) if i not in axes]
    stat_shape = [x.shape[i] for i in kept]
    gamma, beta = RNG.normal(size=stat_shape), RNG.normal(size=stat_shape)
    normed, mean, var = K.normalize_batch_in_training(x, gamma, beta, axes, epsilon=1e-3)
    want_mean, want_var = x.mean(tuple(axes), keepdims=True), x.var(tuple(axes), keepdims=True)
    shape = [1 if i in axes else x.shape[i] for i in range(3)]
    want = (x - want_mean) / np.sqrt(want_var + 1e-3) * gamma.reshape(shape) + beta.reshape(shape)
    np.testing.assert_allclose(K.eval(normed), want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(K.eval(mean), want_mean.reshape(stat_shape), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(K.eval(var), want_var.reshape(stat_shape), rtol=1e-5)
    check_gradients(lambda x, g, b: list(K.normalize_batch_in_training(x, g, b, axes)), [x, gamma, beta])


def test_random_variables():
    u = K.random_uniform_variable((200, 3), -2.0, 3.0, seed=1)
    assert isinstance(u, K.Variable) and u.shape == (200, 3) and u.dtype == np.float32
    values = K.eval(u)
    assert values.min() >= -2.0 and values.max() < 3.0 and values.std() > 1.0
    np.testing.assert_array_equal(values, K.eval(K.random_uniform_variable((200, 3), -2.0, 3.0, seed=1)))
    n = K.random_normal_variable((4000,), 1.5, 0.5, dtype='float64', name='noise', seed=2)
    assert isinstance(n, K.Variable) and n.dtype == np.float64
    assert abs(K.eval(n).mean() - 1.5) < 0.05 and abs(K.eval(n).std() - 0.5) < 0.05
