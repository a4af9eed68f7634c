"""The tape: accumulation, broadcasting, no_grad, intermediates, multi-output kernels,
Python operators and dtypes."""
import threading

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given

from kcore import plugins
from kcore.autodiff import Tensor, Variable, apply, enable_grad, gradients, is_recording, no_grad
from kcore.backend import ops as K
from kcore.errors import UnknownNameError
from kcore.testing import check_gradients


def leaf(values, dtype=np.float64):
    return Tensor(np.asarray(values, dtype=dtype), requires_grad=True)


def test_reused_tensors_accumulate():
    x = leaf([1.0, -2.0, 3.0])
    y = x * x + x          # x reaches y three times
    z = y * y + K.exp(x)   # y twice, x once more
    (gx,) = gradients(z, [x])
    xv = x.data
    yv = xv * xv + xv
    np.testing.assert_allclose(gx, 2 * yv * (2 * xv + 1) + np.exp(xv))


def test_diamond_and_wider_graphs():
    x = leaf(np.linspace(-1, 1, 6).reshape(2, 3))
    a = K.tanh(x)
    b = K.sigmoid(x)
    c = a * b
    d = K.sum(a, axis=1, keepdims=True) * c - b
    check_gradients(lambda t: (lambda a, b: K.sum(a, axis=1, keepdims=True) * (a * b) - b)(K.tanh(t), K.sigmoid(t)),
                    [x.data])
    assert gradients(d, [x])[0].shape == (2, 3)


@given(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=3))
def test_broadcasting_is_undone(shapes):
    sx, sy = shapes.input_shapes
    x, y = leaf(np.ones(sx)), leaf(np.full(sy, 2.0))
    gx, gy = gradients(x * y + x, [x, y])
    assert gx.shape == sx and gy.shape == sy
    n_out = int(np.prod(shapes.result_shape))
    assert gx.sum() == pytest.approx(3.0 * n_out)  # d/dx of sum(x*y + x) = y + 1, summed over copies
    assert gy.sum() == pytest.approx(1.0 * n_out)


def test_no_grad_and_enable_grad():
    x = leaf([1.0, 2.0])
    with no_grad():
        assert not is_recording()
        y = x * 2
        with enable_grad():
            assert is_recording()
            z = x * 3
        assert not is_recording()
    assert is_recording()
    assert y._node is None and not y.requires_grad
    assert z._node is not None and z.requires_grad
    assert gradients(y, [x]) == [None]
    np.testing.assert_allclose(gradients(z, [x])[0], [3.0, 3.0])


def test_no_grad_as_decorator_and_after_errors():
    @no_grad()
    def infer(t):
        return is_recording(), t * 2

    recording, out = infer(leaf([1.0]))
    assert not recording and out._node is None
    with pytest.raises(RuntimeError):
        with no_grad():
            raise RuntimeError
    assert is_recording()


def test_recording_is_per_thread():
    seen = []
    with no_grad():
        worker = threading.Thread(target=lambda: seen.append(is_recording()))
        worker.start()
        worker.join()
    assert seen == [True]


def test_inputs_that_need_no_gradient_record_nothing():
    x = Tensor(np.ones(3))
    y = K.exp(x) * 2 + 1
    assert y._node is None and not y.requires_grad
    v = Variable(np.ones(3), trainable=False)
    assert (v * 2)._node is None


def test_gradients_with_respect_to_intermediates():
    x = leaf([0.5, -1.0])
    h = K.tanh(x)
    y = K.sum(h * h)
    gh, gx, gy = gradients(y, [h, x, y])
    np.testing.assert_allclose(gh, 2 * h.data)
    np.testing.assert_allclose(gx, 2 * h.data * (1 - h.data ** 2))
    np.testing.assert_allclose(gy, 1.0)
    unrelated = leaf([1.0])
    assert gradients(y, [unrelated]) == [None]


def test_output_gradient_gives_vector_jacobian_products():
    x = leaf([1.0, 2.0, 3.0])
    y = x * x
    v = np.array([1.0, 0.0, -1.0])
    np.testing.assert_allclose(gradients(y, [x], output_gradient=v)[0], 2 * x.data * v)
    np.testing.assert_allclose(gradients(y, [x], output_gradient=Tensor(v))[0], 2 * x.data * v)


def test_returned_gradients_are_owned_arrays():
    w = leaf(np.ones((2, 3)))
    b = leaf(np.ones((2, 3)))
    gw, gb = gradients(K.sum(w + b), [w, b])
    assert gw is not gb
    for g in (gw, gb):
        assert g.flags.writeable and g.base is None
        g *= 2  # an optimizer may scale in place
    np.testing.assert_allclose(gw, 2.0)
    np.testing.assert_allclose(gb, 2.0)
    g1, g2 = gradients(K.sum(w * 3), [w, w])  # listed twice: both get it, independently
    np.testing.assert_allclose(g1, 3.0)
    assert g1 is not g2


def test_long_chains_need_no_recursion():
    x = leaf([0.5])
    y = x
    for _ in range(5000):
        y = y * 1.0001
    np.testing.assert_allclose(gradients(y, [x])[0], [1.0001 ** 5000])


def _split_halves(x):
    """A two-output kernel: the first and second half of the last axis."""
    n = x.shape[-1] // 2
    a, b = x[..., :n], x[..., n:]

    def vjp(grads, needs):
        ga, gb = grads
        xp = np
        out = xp.zeros(x.shape, dtype=x.dtype)
        if ga is not None:
            out[..., :n] = ga
        if gb is not None:
            out[..., n:] = gb
        return (out,)
    return (a, b), vjp


def test_multi_output_kernels():
    with plugins.registered(_split_halves, kind='kernels', name='test_split_halves'):
        x = leaf(np.arange(6.0).reshape(1, 6))
        a, b = apply('test_split_halves', x)
        assert a._node is b._node and (a._index, b._index) == (0, 1) and a._node.n_out == 2
        np.testing.assert_allclose(gradients(K.sum(a * 2), [x])[0], [[2, 2, 2, 0, 0, 0]])
        np.testing.assert_allclose(gradients(K.sum(a * 2) + K.sum(b * b), [x])[0], [[2, 2, 2, 6, 8, 10]])
        check_gradients(lambda t: apply('test_split_halves', t), [np.random.default_rng(0).normal(size=(2, 4))])
        with no_grad():
            plain = apply('test_split_halves', x)
        assert isinstance(plain, tuple) and plain[0]._node is None
    with pytest.raises(UnknownNameError):
        apply('test_split_halves', x)


def test_unknown_kernel_names_fail_clearly():
    with pytest.raises(UnknownNameError, match="Unknown kernel: 'sigmiod'. Did you mean: 'sigmoid'"):
        apply('sigmiod', Tensor(np.ones(2)))


# -- Python operators -------------------------------------------------------------------------------
OPERATORS = {
    'add': lambda a, b: a + b, 'sub': lambda a, b: a - b, 'mul': lambda a, b: a * b,
    'truediv': lambda a, b: a / b, 'pow': lambda a, b: a ** b,
}


@pytest.mark.parametrize('op', sorted(OPERATORS))
def test_operators_and_their_reflections(op):
    fn = OPERATORS[op]
    rng = np.random.default_rng(1)
    x = rng.uniform(0.5, 2.0, size=(2, 3))
    y = rng.uniform(0.5, 2.0, size=(3,))
    check_gradients(lambda a, b: fn(a, b), [x, y])
    check_gradients(lambda a: fn(a, 1.5), [x])
    check_gradients(lambda a: fn(1.5, a), [x])
    expected = fn(x, y)
    np.testing.assert_allclose(fn(Tensor(x), y).numpy(), expected)  # NumPy array on the right
    np.testing.assert_allclose(fn(x, Tensor(y)).numpy(), expected)  # and on the left: NumPy defers


def test_matmul_unary_and_indexing_operators():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(2, 3)), rng.normal(size=(3, 4))
    check_gradients(lambda a, b: a @ b, [x, y])
    np.testing.assert_allclose((x @ Tensor(y)).numpy(), x @ y)
    check_gradients(lambda a: -a + abs(a) + (+a), [x + 0.1])
    check_gradients(lambda a: a[1, ::-1] * a.T[0, 1], [x])
    check_gradients(lambda a: a[np.array([0, 0, 1])], [x])
    check_gradients(lambda a: a[Tensor(np.array([1, 0]))], [x])
    rows = [r for r in Tensor(x)]  # iteration goes through indexing
    assert len(rows) == 2 and rows[1].shape == (3,)


def test_comparisons_are_element_wise_and_equality_is_identity():
    a = Tensor(np.array([1.0, 2.0, 3.0]))
    b = Tensor(np.array([3.0, 2.0, 1.0]))
    for result, expected in [(a < b, [True, False, False]), (a <= b, [True, True, False]),
                             (a > b, [False, False, True]), (a >= b, [False, True, True]),
                             (a > 1.5, [False, True, True])]:
        assert result.dtype == np.bool_
        np.testing.assert_array_equal(result.numpy(), expected)
    assert (a == a) is True and (a == b) is False and (a != b) is True
    assert len({a, b, a}) == 2
    np.testing.assert_array_equal(K.equal(a, b).numpy(), [False, True, False])


OTHERS = ['python float', 'python int', 'numpy float64', 'numpy float64 array', 'list', 'numpy int array']
MATRICES = ['numpy float64 array', 'list', 'numpy int array']


@pytest.mark.parametrize('op, other', [(op, other) for op in sorted(OPERATORS) + ['radd', 'rsub', 'rmul', 'rtruediv',
                                                                              'rpow'] for other in OTHERS]
                         + [('matmul', other) for other in MATRICES])
def test_operators_keep_float32(op, other):
    x = Tensor(np.full((2, 2), 1.5, dtype=np.float32), requires_grad=True)
    value = {'python float': 2.0, 'python int': 2, 'numpy float64': np.float64(2.0),
             'numpy float64 array': np.full((2, 2), 2.0), 'list': [[2.0, 2.0], [2.0, 2.0]],
             'numpy int array': np.full((2, 2), 2)}[other]
    if op == 'matmul':
        out = x @ value
    elif op.startswith('r'):
        out = OPERATORS[op[1:]](value, x) if not isinstance(value, list) else OPERATORS[op[1:]](np.asarray(value), x)
    else:
        out = OPERATORS[op](x, value)
    assert out.dtype == np.float32, (op, other, out.dtype)
    assert gradients(K.sum(out), [x])[0].dtype == np.float32


def test_operators_reject_foreign_objects():
    with pytest.raises(TypeError):
        Tensor(np.ones(2)) + object()
    with pytest.raises(TypeError):
        'text' * Tensor(np.ones(2))


# -- tensors and variables ---------------------------------------------------------------------------
def test_tensor_facts_and_conversions():
    t = Tensor(np.arange(6, dtype=np.float32).reshape(2, 3))
    assert t.shape == (2, 3) and t.dtype == np.float32 and t.ndim == 2 and t.size == 6 and len(t) == 2
    assert repr(t) == 'Tensor(shape=(2, 3), dtype=float32)'
    assert repr(leaf([1.0])) == 'Tensor(shape=(1,), dtype=float64, requires_grad=True)'
    np.testing.assert_array_equal(np.asarray(t), t.data)
    assert np.asarray(t, dtype=np.int64).dtype == np.int64
    s = Tensor(np.array(2.5))
    assert float(s) == 2.5 and int(s) == 2 and bool(s)
    d = leaf([1.0]) * 2
    assert d.detach()._node is None and not d.detach().requires_grad
    with pytest.raises(TypeError):
        float(t)


def test_variables_update_in_place():
    v = Variable(np.zeros(3, dtype=np.float32), name='w')
    alias = v.data
    v.assign([1.0, 2.0, 3.0])
    v.assign_add(Tensor(np.ones(3, dtype=np.float32)))
    v.assign_sub(0.5)
    np.testing.assert_allclose(alias, [1.5, 2.5, 3.5])
    assert v.value is alias and v.dtype == np.float32
    assert v.trainable and v.requires_grad
    assert repr(v) == "<Variable 'w' shape=(3,) dtype=float32>"
    frozen = Variable(np.zeros(2), trainable=False)
    assert not frozen.requires_grad and 'non-trainable' in repr(frozen)


def _lines_outside_docstrings(text):
    import ast
    documented = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                documented.update(range(first.lineno, first.end_lineno + 1))
    return sum(1 for number, _ in enumerate(text.splitlines(), 1) if number not in documented)


def test_the_autodiff_core_stays_small():
    """A line budget (tinygrad's habit): the tape and tensor type in one screenful-sized module,
    the kernels with their rules in another.  Raise it deliberately, not by drift.  Docstrings
    do not count: documenting the code (the API reference needs it) must not eat the budget."""
    from pathlib import Path

    import kcore.autodiff
    folder = Path(kcore.autodiff.__file__).parent
    # 400 and 720 lines before the docstrings were excluded; tensor.py 345 -> 353 deliberately: apply and the
    # backward pass translate a failed kernel into DeviceMismatchError/DeviceMemoryError (kcore.runtime.device)
    budget = {'tensor.py': 353, 'primitives.py': 696}
    for name, limit in budget.items():
        lines = _lines_outside_docstrings((folder / name).read_text())
        assert lines <= limit, '%s has %d lines outside docstrings, over its budget of %d' % (name, lines, limit)


def test_the_line_budget_does_not_count_docstrings():
    text = 'def f():\n    """One.\n\n    Two.\n    """\n    return 1\n'
    assert _lines_outside_docstrings(text) == 2
