"""Device backends: choosing one, clear errors, and every kernel override checked against
the generic kernel it replaces, on the same inputs."""
import types

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given

from kcore import plugins
from kcore.autodiff import Tensor, apply
from kcore.backend import device
from kcore.backend.device import ACTIVE, Backend, set_backend
from kcore.errors import BackendError
from kcore.plugins import hookimpl

from helpers.dists import fresh_plugins  # noqa: F401  (fixture)
from helpers.kernel_cases import DIFFERENTIABLE, NOT_DIFFERENTIABLE


# -- the override check, generic over the registry -----------------------------------------------------
def overrides():
    """``(op, backend)`` for every kernel registered as an override (``register(fn, name=op, backend=b)``)."""
    return sorted(tuple(e.name.split('@', 1)) for e in plugins.registry('kernels').entries() if '@' in e.name)


def _inputs_for(op, data):
    """Inputs from the primitive's test case, or from the ``example=`` its generic kernel was registered with."""
    if op in DIFFERENTIABLE:
        return data.draw(DIFFERENTIABLE[op][0])
    if op in NOT_DIFFERENTIABLE:
        return data.draw(NOT_DIFFERENTIABLE[op][0])
    example = plugins.registry('kernels').entry(op).meta.get('example')
    assert example is not None, (
        'kernel %r has a backend override but nothing to test it with: register the generic kernel with '
        "example={'inputs': [shape or array, ...], 'params': {...}}" % op)
    rng = np.random.default_rng(0)
    inputs = [rng.standard_normal(a) if isinstance(a, tuple) else np.asarray(a) for a in example['inputs']]
    return inputs, dict(example.get('params', {}))


def check_override(op, backend, data):
    """Run ``op@backend`` and the generic ``op`` under ``backend`` on the same inputs; compare
    outputs and, for float inputs, the vector-Jacobian products of one random cotangent."""
    kernels = plugins.registry('kernels')
    generic, override = kernels.get(op), kernels.get('%s@%s' % (op, backend))
    inputs, params = _inputs_for(op, data)
    previous = ACTIVE.backend.name
    try:
        set_backend(backend)
    except BackendError as e:
        pytest.skip('backend %r is not usable here: %s' % (backend, e))
    try:
        to_numpy = ACTIVE.backend.to_numpy
        xs = [ACTIVE.backend.asarray(a) for a in inputs]
        out_g, vjp_g = generic(*xs, **params)
        out_o, vjp_o = override(*xs, **params)
        outs_g, outs_o = (out_g, out_o) if isinstance(out_g, tuple) else ((out_g,), (out_o,))
        assert len(outs_g) == len(outs_o), '%s@%s returns %d outputs, the generic kernel %d' % (
            op, backend, len(outs_o), len(outs_g))
        for a, b in zip(outs_g, outs_o):
            assert a.shape == b.shape and a.dtype == b.dtype, '%s@%s: output %s %s, generic %s %s' % (
                op, backend, b.shape, b.dtype, a.shape, a.dtype)
            np.testing.assert_allclose(to_numpy(b), to_numpy(a), rtol=1e-6, atol=1e-9,
                                       err_msg='%s@%s forward differs from the generic kernel' % (op, backend))
        needs = tuple(np.asarray(a).dtype.kind == 'f' for a in inputs)
        if not any(needs) or not all(o.dtype.kind == 'f' for o in outs_g):
            return
        rng = np.random.default_rng(1)
        cot = tuple(ACTIVE.backend.asarray(rng.standard_normal(o.shape).astype(o.dtype)) for o in outs_g)
        cot = cot if isinstance(out_g, tuple) else cot[0]
        for i, (a, b) in enumerate(zip(vjp_g(cot, needs), vjp_o(cot, needs))):
            if not needs[i]:
                continue
            assert (a is None) == (b is None), '%s@%s: gradient %d is %s, generic %s' % (op, backend, i, b, a)
            if a is not None:
                np.testing.assert_allclose(to_numpy(b), to_numpy(a), rtol=1e-6, atol=1e-9,
                                           err_msg='%s@%s gradient %d differs from the generic kernel' % (
                                               op, backend, i))
    finally:
        set_backend(previous)


def _usable(backend):
    try:
        plugins.get('backends', backend).check_available()
        return True
    except BackendError:
        return False


@given(data=st.data())
def test_every_registered_override_matches_the_generic_kernel(data):
    # overrides of a backend this machine cannot run (cuda without a GPU) are checked where it
    # can: kcore-gpu's `pytest -m gpu` suite
    for op, backend in overrides():
        if _usable(backend):
            check_override(op, backend, data)


# -- a throwaway backend with overrides, to show that the check above finds and checks them ---------------
class ThrowawayBackend(Backend):
    """NumPy under another name: a backend that costs nothing to activate."""
    name = 'throwaway'


def _softplus(x):
    """softplus as max(x, 0) + log1p(exp(-|x|)): another formula than the generic kernel's."""
    y = np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))
    _softplus.calls += 1
    return y, lambda g, needs: (g / (1 + np.exp(-x)),)


_softplus.calls = 0


def _reshape(x, shape):
    return x.reshape(shape), lambda g, needs: (g.reshape(x.shape),)


def _bad_tanh(x):
    y = np.tanh(x)
    return y, lambda g, needs: (g * (1 - y),)  # wrong: 1 - y instead of 1 - y**2


def _throwaway_plugin(*kernels):
    def register_backends(register):
        register(ThrowawayBackend())

    def register_kernels(register):
        for name, fn in kernels:
            register(fn, name=name, backend='throwaway')

    module = types.ModuleType('throwaway_backend_plugin')
    module.register_backends = hookimpl(register_backends)
    module.register_kernels = hookimpl(register_kernels)
    return module


def test_the_override_check_covers_a_new_backend(fresh_plugins):
    @given(data=st.data())
    def check_all(data):
        for op, backend in overrides():
            if _usable(backend):
                check_override(op, backend, data)

    with plugins.registered(_throwaway_plugin(('softplus', _softplus), ('reshape', _reshape))):
        assert ('softplus', 'throwaway') in overrides() and ('reshape', 'throwaway') in overrides()
        before = _softplus.calls
        check_all()
        assert _softplus.calls > before  # the override really ran
    assert ACTIVE.backend.name == 'numpy'


def test_the_override_check_catches_a_wrong_gradient(fresh_plugins):
    @given(data=st.data())
    def check(data):
        check_override('tanh', 'throwaway', data)

    with plugins.registered(_throwaway_plugin(('tanh', _bad_tanh))):
        with pytest.raises(AssertionError, match='tanh@throwaway gradient 0 differs'):
            check()
    assert ACTIVE.backend.name == 'numpy'


def test_an_override_with_nothing_to_test_it_with_fails_by_name(fresh_plugins):
    def plugin_kernel(x):
        return x, lambda g, needs: (g,)

    @given(data=st.data())
    def check(data):
        check_override('only_in_a_plugin', 'throwaway', data)

    with plugins.registered(plugin_kernel, kind='kernels', name='only_in_a_plugin'):
        with plugins.registered(_throwaway_plugin(('only_in_a_plugin', plugin_kernel))):
            with pytest.raises(AssertionError, match="'only_in_a_plugin' has a backend override but nothing"):
                check()


def test_an_override_registered_with_an_example_is_checked(fresh_plugins):
    def scale(x, factor=2.0):
        return x * factor, lambda g, needs: (g * factor,)

    def scale_fast(x, factor=2.0):
        return x + x * (factor - 1), lambda g, needs: (g * factor,)

    @given(data=st.data())
    def check(data):
        check_override('scale', 'throwaway', data)

    with plugins.registered(scale, kind='kernels', name='scale', example={'inputs': [(3, 2)], 'params': {'factor': 3.0}}):
        with plugins.registered(_throwaway_plugin(('scale', scale_fast))):
            check()


def test_switching_backends_switches_kernels(fresh_plugins):
    with plugins.registered(_throwaway_plugin(('softplus', _softplus))):
        x = Tensor(np.array([-1.0, 2.0]))
        before = _softplus.calls
        apply('softplus', x)
        assert _softplus.calls == before  # numpy: the generic kernel
        set_backend('throwaway')
        try:
            assert ACTIVE.backend.name == 'throwaway' and device.backend_name() == 'throwaway'
            out = apply('softplus', x)
            assert _softplus.calls == before + 1
            np.testing.assert_allclose(out.numpy(), np.logaddexp(x.data, 0))
            assert apply('exp', x).dtype == np.float64  # no override: the generic kernel
        finally:
            set_backend('numpy')
        apply('softplus', x)
        assert _softplus.calls == before + 1


# -- errors ----------------------------------------------------------------------------------------------------
def test_unknown_backend_is_one_error_listing_the_usable_ones():
    with pytest.raises(BackendError) as info:
        set_backend('tpu')
    message = str(info.value)
    assert message.startswith("Unknown backend 'tpu'. Available backends: numpy")
    assert isinstance(info.value, RuntimeError)
    assert ACTIVE.backend.name == 'numpy'


def test_unavailable_backend_says_why_and_lists_the_usable_ones(fresh_plugins):
    class Missing(Backend):
        name = 'missing'

        def check_available(self):
            raise BackendError('The missing backend needs libmissing. Install it with: pip install libmissing.')

    with plugins.registered(Missing()):
        with pytest.raises(BackendError) as info:
            set_backend('missing')
    assert str(info.value).startswith('The missing backend needs libmissing. Install it with: pip install '
                                      'libmissing. Available backends: numpy')
    assert ACTIVE.backend.name == 'numpy'


def test_backend_base_class():
    b = device.NumpyBackend()
    assert b.xp is np and repr(b) == '<Backend numpy>' and b.device_count() == 1
    assert b.asarray([1, 2], dtype='float32').dtype == np.float32
    assert isinstance(b.to_numpy(np.ones(2)), np.ndarray)
    assert b.synchronize() is None
    g1, g2 = b.random_generator(3), b.random_generator(3)
    assert g1.random() == g2.random()
