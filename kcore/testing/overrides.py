"""``check_override``: a backend's kernel against the generic kernel it replaces.

    from kcore.testing import check_override, registered_overrides
    for op, backend in registered_overrides('cuda'):
        check_override(op, backend)

A backend plugin registers faster kernels by op name (``register(fn, name='adam_update',
backend='cuda')``).  This check runs the override and the generic kernel under that
backend on the same inputs and compares what they compute: the outputs and, for
float inputs, the vector-Jacobian products of one random cotangent; for an in-place
kernel (an optimizer update, which returns None) every array argument afterwards.
An override that declines the inputs (its ``supports=`` predicate says no, or it
returns ``NotImplemented``) passes: the generic kernel runs for it, and the check
returns False so that a test can insist on coverage.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from kcore import plugins
from kcore.runtime.device import device, find_backend


def registered_overrides(backend: str | None = None) -> list[tuple[str, str]]:
    """``(op, backend)`` for every kernel override registered (``register(fn, name=op, backend=b)``),
    sorted; only ``backend``'s when given.

    Args:
        backend: a backend name, or None for all.

    Returns:
        A list of ``(op, backend)`` pairs.
    """
    pairs = sorted(tuple(e.name.split('@', 1)) for e in plugins.registry('kernels').entries() if '@' in e.name)
    return [p for p in pairs if backend is None or p[1] == backend]


def example_inputs(op: str, seed: int = 0) -> tuple[list[Any], dict[str, Any]]:
    """Inputs for kernel ``op`` from the ``example=`` its generic kernel was registered with:
    ``{'inputs': [shape or array or None, ...], 'params': {...}}``; shapes become random
    float64 arrays.

    Returns:
        ``(inputs, params)``.

    Raises:
        AssertionError: the generic kernel carries no example (the message says how to add one).
    """
    example = plugins.registry('kernels').entry(op).meta.get('example')
    assert example is not None, (
        'kernel %r has a backend override but nothing to test it with: register the generic kernel with '
        "example={'inputs': [shape or array, ...], 'params': {...}}, or pass inputs= to check_override" % op)
    rng = np.random.default_rng(seed)
    inputs = [rng.standard_normal(a) if isinstance(a, tuple) else None if a is None else np.array(a)
              for a in example['inputs']]
    return inputs, dict(example.get('params', {}))


def check_override(op: str, backend: str, inputs: Sequence[Any] | None = None, params: dict[str, Any] | None = None,
                   seed: int = 0, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    """Check kernel override ``op@backend`` against the generic kernel ``op``, under ``backend``.

    Args:
        op: the kernel's name ('conv2d', 'adam_update').
        backend: the backend the override is registered for ('cuda').
        inputs: the kernel's array arguments (NumPy arrays, or None where the kernel
            takes None); default: the generic kernel's ``example=``.
        params: its keyword parameters (default: the example's).
        seed: seeds the cotangent of the gradient comparison.
        rtol: relative tolerance of every comparison.
        atol: absolute tolerance of every comparison.

    Returns:
        True when the override computed the result; False when it declined these
        inputs (``supports=`` or ``NotImplemented``) and the generic kernel ran.

    Raises:
        AssertionError: the results differ; the message names the kernel, the backend and
            which output or gradient.
        BackendError: ``backend`` is not usable here (pytest users: skip on it).
    """
    kernels = plugins.registry('kernels')
    generic, entry = kernels.get(op), kernels.entry('%s@%s' % (op, backend))
    if inputs is None:
        inputs, example_params = example_inputs(op, seed)
        params = example_params if params is None else params
    params = dict(params or {})
    target = find_backend(backend)
    with device(backend):
        to_numpy = target.to_numpy

        def fresh():
            return [None if a is None else target.asarray(np.array(a, copy=True)) for a in inputs]
        supports = entry.meta.get('supports')
        xs_o = fresh()
        if supports is not None and not supports(*xs_o, **params):
            return False
        result_o = entry.obj(*xs_o, **params)
        if result_o is NotImplemented:
            return False
        xs_g = fresh()
        result_g = generic(*xs_g, **params)
        what = '%s@%s' % (op, backend)
        if result_g is None:  # an in-place kernel: compare what it wrote
            assert result_o is None, '%s returns %r, the generic kernel None (it updates in place)' % (
                what, type(result_o).__name__)
            for i, (a, b) in enumerate(zip(xs_g, xs_o)):
                if a is not None:
                    np.testing.assert_allclose(to_numpy(b), to_numpy(a), rtol=rtol, atol=atol,
                                               err_msg='%s leaves argument %d different from the generic kernel'
                                               % (what, i))
            return True
        _compare(what, result_g, result_o, inputs, to_numpy, target, seed, rtol, atol)
    return True


def _compare(what, result_g, result_o, inputs, to_numpy, target, seed, rtol, atol):
    (out_g, vjp_g), (out_o, vjp_o) = result_g, result_o
    outs_g, outs_o = (out_g, out_o) if isinstance(out_g, tuple) else ((out_g,), (out_o,))
    assert len(outs_g) == len(outs_o), '%s returns %d outputs, the generic kernel %d' % (
        what, len(outs_o), len(outs_g))
    for a, b in zip(outs_g, outs_o):
        assert a.shape == b.shape and a.dtype == b.dtype, '%s: output %s %s, generic %s %s' % (
            what, b.shape, b.dtype, a.shape, a.dtype)
        np.testing.assert_allclose(to_numpy(b), to_numpy(a), rtol=rtol, atol=atol,
                                   err_msg='%s forward differs from the generic kernel' % what)
    needs = tuple(a is not None and np.asarray(a).dtype.kind == 'f' for a in inputs)
    if not any(needs) or not all(o.dtype.kind == 'f' for o in outs_g):
        return
    rng = np.random.default_rng(seed + 1)
    cot = tuple(target.asarray(rng.standard_normal(o.shape).astype(o.dtype)) for o in outs_g)
    cot = cot if isinstance(out_g, tuple) else cot[0]
    for i, (a, b) in enumerate(zip(vjp_g(cot, needs), vjp_o(cot, needs))):
        if i >= len(needs) or not needs[i]:  # a kernel may return a gradient for an omitted optional input
            continue
        assert (a is None) == (b is None), '%s: gradient %d is %s, generic %s' % (what, i, b, a)
        if a is not None:
            np.testing.assert_allclose(to_numpy(b), to_numpy(a), rtol=rtol, atol=atol,
                                       err_msg='%s gradient %d differs from the generic kernel' % (what, i))


__all__ = ['check_override', 'example_inputs', 'registered_overrides']
