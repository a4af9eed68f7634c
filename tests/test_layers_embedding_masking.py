"""Embedding and Masking: values, masks and how masks travel through other layers."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import kcore
from kcore import layers
from kcore.testing import check_gradients


def test_embedding_picks_rows_and_masks_padding():
    emb = layers.Embedding(6, 3, mask_zero=True)
    ids = np.array([[1, 2, 0], [5, 0, 0]])
    out = emb(ids)
    table = emb.get_weights()[0]
    np.testing.assert_array_equal(out.numpy(), table[ids])
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out._keras_mask.numpy(), ids != 0)


def test_embedding_without_mask_zero_makes_no_mask():
    out = layers.Embedding(6, 3)(np.array([[1, 0]]))
    assert out._keras_mask is None


def test_embedding_accepts_float_ids_as_keras2_data():
    emb = layers.Embedding(6, 2)
    np.testing.assert_array_equal(emb(np.array([[1.0, 4.0]])).numpy(), emb(np.array([[1, 4]])).numpy())


def test_embedding_out_of_range_id_names_the_layer():
    emb = layers.Embedding(4, 2, name='emb')
    with pytest.raises(ValueError, match=r"'emb'.*\[0, 4\).*from 0 to 7"):
        emb(np.array([[0, 7]]))


def test_embedding_input_length_declares_the_sequential_input():
    model = kcore.Sequential([layers.Embedding(10, 4, input_length=5)])
    assert model.output_shape == (None, 5, 4)
    assert model.layers[0].compute_output_shape((None, None)) == (None, 5, 4)
    with pytest.raises(ValueError, match='input_length'):
        model.layers[0].compute_output_shape((None, 6))


def test_embedding_legacy_keras1_arguments_warn():
    from kcore._deprecated import KcoreDeprecationWarning
    with pytest.warns(KcoreDeprecationWarning, match='embeddings_initializer'):
        emb = layers.Embedding(5, 2, init='zeros')
    assert emb.get_config()['embeddings_initializer']['class_name'] == 'Zeros'


@given(batch=st.integers(1, 3), length=st.integers(1, 5), seed=st.integers(0, 2 ** 16))
def test_embedding_gradient_is_a_scatter_add(batch, length, seed):
    rng = np.random.default_rng(seed)
    emb = layers.Embedding(4, 3, dtype='float64')
    emb.build((None, length))
    ids = rng.integers(0, 4, size=(batch, length))  # repeats: gradients must add up
    check_gradients(lambda i: emb(i), [ids], wrt=[emb.embeddings])


def test_masking_zeroes_and_masks_padded_steps():
    x = np.random.default_rng(0).random((2, 4, 3)).astype('float32')
    x[0, 1] = -1.0
    x[1, 3] = -1.0
    out = layers.Masking(mask_value=-1.0)(x)
    keep = np.ones((2, 4), bool)
    keep[0, 1] = keep[1, 3] = False
    np.testing.assert_array_equal(out._keras_mask.numpy(), keep)
    np.testing.assert_array_equal(out.numpy(), x * keep[..., None])


def test_masking_gradient_flows_to_kept_steps_only():
    x = np.random.default_rng(1).random((2, 3, 2)) + 0.5
    check_gradients(lambda t: layers.Masking(dtype='float64')(t), [x])
    x[1, 0] = 0.0  # a padded step: finite differences would unmask it, so check the rule itself
    t = kcore.backend.variable(x, dtype='float64')
    (g,) = kcore.backend.gradients(kcore.backend.sum(layers.Masking(dtype='float64')(t)), [t])
    expected = np.ones_like(x)
    expected[1, 0] = 0.0
    np.testing.assert_array_equal(g.numpy(), expected)


def test_mask_passes_through_layers_whose_call_takes_no_mask():
    """Keras hands the mask to compute_mask even when call() has no mask argument."""
    ids = np.array([[3, 1, 0, 0]])
    x = layers.Embedding(5, 4, mask_zero=True)(ids)
    for layer in (layers.Dense(3), layers.Dropout(0.5), layers.Activation('relu')):
        x = layer(x)
        np.testing.assert_array_equal(x._keras_mask.numpy(), ids != 0)
    assert layers.Flatten()(x)._keras_mask is None  # Flatten does not support masking


def test_mask_reaches_a_layer_that_asks_for_it_in_a_functional_model():
    seen = {}

    class Probe(layers.Layer):
        def call(self, inputs, mask=None):
            seen['mask'] = None if mask is None else mask.numpy()
            return inputs

    inp = kcore.Input(shape=(4,))
    out = Probe()(layers.Dense(2)(layers.Embedding(5, 3, mask_zero=True)(inp)))
    model = kcore.Model(inp, out)
    ids = np.array([[1, 2, 0, 0], [4, 0, 0, 0]])
    model.predict(ids)
    np.testing.assert_array_equal(seen['mask'], ids != 0)
