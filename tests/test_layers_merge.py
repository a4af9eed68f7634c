"""Merge layers and their functional forms: values, broadcasting, masks and errors."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import kcore
from kcore import layers
from kcore.errors import ShapeError
from kcore.testing import check_gradients
from kcore.testing import strategies as kst

ELEMENTWISE = [
    (layers.Add, lambda xs: sum(xs)),
    (layers.Multiply, lambda xs: np.prod(xs, axis=0)),
    (layers.Average, lambda xs: np.mean(xs, axis=0)),
    (layers.Maximum, lambda xs: np.max(xs, axis=0)),
    (layers.Minimum, lambda xs: np.min(xs, axis=0)),
]


@pytest.mark.parametrize('cls,reference', ELEMENTWISE)
@given(n=st.integers(2, 4), shape=kst.shapes(min_rank=1, max_rank=3, max_side=4), batch=kst.batch_sizes(),
       seed=kst.SEEDS)
def test_elementwise_merges_match_numpy(cls, reference, n, shape, batch, seed):
    xs = [kst.random_array((batch,) + shape, seed=seed + i) for i in range(n)]
    out = cls()(xs)
    np.testing.assert_allclose(out.numpy(), reference(np.stack(xs)), rtol=1e-6, atol=1e-6)
    assert cls().compute_output_shape([(None,) + shape] * n) == (None,) + shape


def test_subtract_takes_exactly_two():
    a, b = np.ones((2, 3)), np.full((2, 3), 3.0)
    np.testing.assert_array_equal(layers.Subtract()([a, b]).numpy(), -2 * np.ones((2, 3)))
    with pytest.raises(ValueError, match='expects 2 inputs. Received: 3'):
        layers.Subtract()([kcore.Input(shape=(3,))] * 3)


def test_elementwise_merge_broadcasts_lower_rank_after_the_batch_axis():
    a = np.arange(24, dtype='float32').reshape(2, 3, 4)
    b = np.arange(8, dtype='float32').reshape(2, 4)
    out = layers.Add()([a, b]).numpy()
    np.testing.assert_array_equal(out, a + b[:, None, :])
    assert layers.Add().compute_output_shape([(None, 3, 4), (None, 4)]) == (None, 3, 4)
    assert layers.Add().compute_output_shape([(None, 3, 1), (None, 1, 4)]) == (None, 3, 4)


def test_incompatible_shapes_fail_at_construction_naming_both():
    a, b = kcore.Input(shape=(3,)), kcore.Input(shape=(4,))
    with pytest.raises(ShapeError, match=r'\(None, 3\), \(None, 4\)'):
        layers.add([a, b])
    with pytest.raises(ValueError, match='list of input tensors'):
        layers.Add()(a)
    with pytest.raises(ValueError, match='at least 2'):
        layers.Add()([a])


def test_concatenate_values_shapes_and_errors():
    a, b = np.ones((2, 3, 4)), np.zeros((2, 3, 2))
    out = layers.concatenate([a, b])
    assert out.shape == (2, 3, 6)
    np.testing.assert_array_equal(out.numpy(), np.concatenate([a, b], -1))
    sym = layers.Concatenate(axis=1)([kcore.Input(shape=(3, 4)), kcore.Input(shape=(None, 4))])
    assert sym.shape == (None, None, 4)
    with pytest.raises(ShapeError, match=r'\(None, 3, 4\), \(None, 2, 5\)'):
        layers.concatenate([kcore.Input(shape=(3, 4)), kcore.Input(shape=(2, 5))])
    with pytest.raises(ShapeError, match='same rank'):
        layers.concatenate([kcore.Input(shape=(3, 4)), kcore.Input(shape=(3,))])


@given(batch=kst.batch_sizes(), n=st.integers(1, 4), m=st.integers(1, 4), seed=kst.SEEDS)
def test_dot_matches_numpy(batch, n, m, seed):
    x = kst.random_array((batch, n, m), seed=seed)
    y = kst.random_array((batch, n, 3), seed=seed + 1)
    out = layers.Dot(axes=1)([x, y]).numpy()
    np.testing.assert_allclose(out, np.einsum('bnm,bnk->bmk', x, y), rtol=1e-5, atol=1e-6)
    v, w = x[:, :, 0], y[:, :, 0]
    cos = layers.dot([v, w], axes=-1, normalize=True).numpy()
    ref = (v * w).sum(-1) / (np.linalg.norm(v, axis=-1) * np.linalg.norm(w, axis=-1))
    np.testing.assert_allclose(cos, ref[:, None], rtol=1e-4, atol=1e-5)


def test_dot_shape_errors_and_output_shape():
    with pytest.raises(ShapeError, match=r'axes \(1, 1\).*\(None, 3\), \(None, 4\)'):
        layers.dot([kcore.Input(shape=(3,)), kcore.Input(shape=(4,))], axes=1)
    assert layers.Dot(axes=(2, 1)).compute_output_shape([(None, 3, 4), (None, 4, 5)]) == (None, 3, 5)
    assert layers.Dot(axes=1).compute_output_shape([(None, 3), (None, 3)]) == (None, 1)


@pytest.mark.parametrize('make', [lambda: layers.Maximum(), lambda: layers.Multiply(), lambda: layers.Dot(axes=2),
                                  lambda: layers.Concatenate(axis=1), lambda: layers.Average()])
def test_merge_gradients_with_respect_to_every_input(make):
    rng = np.random.default_rng(1)
    xs = [rng.normal(size=(2, 3, 3)) for _ in range(2)]
    layer = make()
    layer._dtype = np.dtype('float64')
    check_gradients(lambda a, b: layer([a, b]), xs, noncontiguous=True)


def test_elementwise_merge_keeps_steps_every_mask_keeps():
    emb = layers.Embedding(5, 2, mask_zero=True)
    a = emb(np.array([[1, 2, 0, 0]]))
    b = emb(np.array([[3, 0, 4, 0]]))
    np.testing.assert_array_equal(layers.Add()([a, b])._keras_mask.numpy(), [[True, False, False, False]])
    c = layers.Dense(2)(np.ones((1, 4, 2), 'float32'))  # no mask: does not veto
    np.testing.assert_array_equal(layers.Add()([a, c])._keras_mask.numpy(), [[True, True, False, False]])


def test_concatenate_combines_masks():
    emb = layers.Embedding(5, 2, mask_zero=True)
    a = emb(np.array([[1, 2, 0]]))
    b = layers.Dense(2)(np.ones((1, 3, 2), 'float32'))
    assert layers.concatenate([a, b])._keras_mask.numpy().tolist() == [[True, True, False]]
    both = layers.concatenate([a, emb(np.array([[0, 1, 1]]))], axis=1)
    assert both._keras_mask.numpy().tolist() == [[True, True, False, False, True, True]]


def test_functional_forms_build_graph_layers():
    a, b = kcore.Input(shape=(3,)), kcore.Input(shape=(3,))
    outs = [layers.add([a, b]), layers.subtract([a, b]), layers.multiply([a, b]), layers.average([a, b]),
            layers.maximum([a, b]), layers.minimum([a, b]), layers.concatenate([a, b]), layers.dot([a, b], axes=1)]
    model = kcore.Model([a, b], outs)
    x, y = np.full((2, 3), 2.0, 'float32'), np.full((2, 3), 3.0, 'float32')
    got = model.predict([x, y], verbose=0)
    expected = [x + y, x - y, x * y, (x + y) / 2, np.maximum(x, y), np.minimum(x, y),
                np.concatenate([x, y], -1), (x * y).sum(-1, keepdims=True)]
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e)


def test_an_input_list_appended_to_after_the_call_keeps_the_call_s_inputs():
    """Keras's merge tests build ``concatenate(x_list)`` and then append to ``x_list``; the node
    keeps the inputs of the call (the model once failed with a KeyError)."""
    x_i = kcore.layers.Input(shape=(None, None))
    x_list, x = [x_i], x_i
    for _ in range(4):
        x_list.append(x)
        x = kcore.layers.concatenate(x_list, axis=1)
    model = kcore.Model(x_i, x)
    data = np.random.default_rng(0).random((1, 1, 1))
    assert np.allclose(model.predict(data), np.repeat(data, 16, axis=1))


def test_merge_masks_may_be_float_zeros_and_ones():
    a, b = kcore.layers.Input((4, 5)), kcore.layers.Input((4, 5))
    add = kcore.layers.Add()
    add([a, b])
    ones, half = np.ones((2, 4), 'float32'), np.array([[1, 0, 1, 0], [0, 0, 1, 1]], 'float32')
    out = kcore.backend.eval(add.compute_mask([a, b], [kcore.backend.variable(ones), kcore.backend.variable(half)]))
    assert out.dtype == bool and out.tolist() == (half > 0).tolist()
