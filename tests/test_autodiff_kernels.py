"""Every kernel of ``kcore/autodiff/primitives.py``: forward against NumPy, gradient against
central finite differences (float64, random directions), driven by hypothesis over shapes
(broadcasting included), values and memory layouts (C order, transposed, strided views).

``DIFFERENTIABLE`` and ``NOT_DIFFERENTIABLE`` together must name every kernel, so a new
kernel fails ``test_every_kernel_is_covered`` until it gets a case here.
"""
import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import assume, given

from kcore.autodiff import KERNELS, Tensor, apply, gradients
from kcore.testing import check_gradients

from helpers.kernel_cases import DIFFERENTIABLE, NOT_DIFFERENTIABLE


def test_every_kernel_is_covered():
    assert set(KERNELS) == set(DIFFERENTIABLE) | set(NOT_DIFFERENTIABLE)


def _layout(a, layout):
    """The same values in another memory layout: 'F' is a transposed view's layout."""
    if layout == 'F' and a.dtype.kind == 'f' and a.ndim > 1:
        return np.asfortranarray(a)
    return a


@pytest.mark.parametrize('name', sorted(DIFFERENTIABLE))
@given(data=st.data())
def test_kernel_forward_and_gradient(name, data):
    strategy, reference, tolerances = DIFFERENTIABLE[name]
    inputs, params = data.draw(strategy)
    layout = data.draw(st.sampled_from(['C', 'F', 'strided']))
    inputs = [_layout(a, layout) for a in inputs]
    out = apply(name, *[Tensor(a) for a in inputs], **params)
    expected = reference(*inputs, **params)
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6, atol=1e-6 if name == 'erf' else 1e-12)
    if name == 'clip':  # finite differences need distance from the clipping bounds
        x = inputs[0]
        assume(np.all(np.abs(x - params['low']) > 1e-3) and np.all(np.abs(x - params['high']) > 1e-3))
    check_gradients(lambda *ts: apply(name, *ts, **params), inputs, noncontiguous=layout == 'strided',
                    **tolerances)


@pytest.mark.parametrize('name', sorted(NOT_DIFFERENTIABLE))
@given(data=st.data())
def test_kernel_without_gradient(name, data):
    strategy, reference = NOT_DIFFERENTIABLE[name]
    inputs, params = data.draw(strategy)
    tensors = [Tensor(a, requires_grad=a.dtype.kind == 'f') for a in inputs]
    out = apply(name, *tensors, **params)
    expected = reference(*inputs, **params)
    assert out.shape == np.shape(expected) and out.dtype == np.asarray(expected).dtype
    np.testing.assert_array_equal(out.numpy(), expected)
    assert gradients(out, tensors) == [None] * len(tensors)


@pytest.mark.parametrize('name', sorted(DIFFERENTIABLE))
@given(data=st.data())
def test_float32_in_float32_out(name, data):
    """No kernel up-casts float32 data or its gradient to float64."""
    strategy, _, _ = DIFFERENTIABLE[name]
    inputs, params = data.draw(strategy)
    if name == 'cast':
        params = dict(params, dtype='float32')
    tensors = [Tensor(a.astype(np.float32), requires_grad=True) if a.dtype.kind == 'f' else Tensor(a)
               for a in inputs]
    out = apply(name, *tensors, **params)
    assert out.dtype == np.float32
    grads = gradients(out, [t for t in tensors if t.requires_grad])
    assert all(g is None or g.dtype == np.float32 for g in grads), [g.dtype for g in grads if g is not None]
