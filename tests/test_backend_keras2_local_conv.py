"""K.local_conv1d / K.local_conv2d (Keras 2's unshared convolutions, LocallyConnected's op) and
K.get_variable_shape."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from kcore import backend as K
from kcore.testing import check_gradients


def _reference(x, kernel, kernel_size, strides, out, channels_first):
    """Every output position's window, flattened as Keras flattens it, times its own filters."""
    if channels_first:
        x = np.moveaxis(x, 1, -1)
    rows = []
    for position in np.ndindex(*out):
        window = x[(slice(None),) + tuple(slice(p * s, p * s + k) for p, s, k in zip(position, strides, kernel_size))]
        if channels_first:
            window = np.moveaxis(window, -1, 1)
        rows.append(window.reshape(len(x), -1))
    y = np.einsum('pbw,pwf->bpf', np.stack(rows), kernel).reshape((len(x),) + tuple(out) + (kernel.shape[-1],))
    return np.moveaxis(y, -1, 1) if channels_first else y


@given(length=st.integers(3, 7), k=st.integers(1, 3), s=st.integers(1, 2), seed=st.integers(0, 20))
def test_local_conv1d_matches_the_definition_and_its_gradients(length, k, s, seed):
    rng = np.random.default_rng(seed)
    out = (length - k) // s + 1
    x, w = rng.standard_normal((2, length, 3)), rng.standard_normal((out, k * 3, 2))
    np.testing.assert_allclose(K.eval(K.local_conv1d(x, w, k, s)), _reference(x, w, (k,), (s,), (out,), False),
                               rtol=1e-5, atol=1e-6)
    check_gradients(lambda a, b: K.local_conv1d(a, b, (k,), (s,)), [x, w])


@pytest.mark.parametrize('data_format', ['channels_last', 'channels_first'])
def test_local_conv2d_matches_the_definition_the_layer_and_its_gradients(data_format):
    from kcore import layers
    rng = np.random.default_rng(1)
    shape = (2, 5, 4, 3) if data_format == 'channels_last' else (2, 3, 5, 4)
    x, w = rng.standard_normal(shape), rng.standard_normal((2 * 3, 2 * 2 * 3, 4))
    y = K.eval(K.local_conv2d(x, w, (2, 2), (2, 1), (2, 3), data_format))
    np.testing.assert_allclose(y, _reference(x, w, (2, 2), (2, 1), (2, 3), data_format == 'channels_first'),
                               rtol=1e-5, atol=1e-6)
    check_gradients(lambda a, b: K.local_conv2d(a, b, (2, 2), (2, 1), (2, 3), data_format), [x, w])
    layer = layers.LocallyConnected2D(4, (2, 2), strides=(2, 1), data_format=data_format, use_bias=False)
    layer.build(shape)
    layer.set_weights([w.astype('float32')])
    np.testing.assert_allclose(K.eval(layer(x.astype('float32'))), y, rtol=1e-4, atol=1e-5)


def test_local_conv_refuses_a_kernel_that_does_not_fit():
    x = np.zeros((1, 5, 3))
    with pytest.raises(ValueError, match='do not fit'):
        K.local_conv1d(x, np.zeros((3, 6, 2)), 2, 2)
    with pytest.raises(ValueError, match='window values'):
        K.local_conv1d(x, np.zeros((2, 5, 2)), 2, 2)


def test_get_variable_shape_is_int_shape():
    assert K.get_variable_shape(K.variable(np.zeros((2, 3)))) == (2, 3)
