"""Device backends: choosing one, clear errors, and every kernel override checked against
the generic kernel it replaces, on the same inputs."""
import types

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from kcore import device as kcore_device
from kcore import plugins
from kcore.autodiff import Tensor, apply
from kcore.autodiff import gradients as kcore_gradients
from kcore.backend import sum as kcore_sum
from kcore.backend import device
from kcore.backend.device import ACTIVE, Backend, set_backend
from kcore.errors import BackendError
from kcore.plugins import hookimpl

from kcore.testing import check_override as public_check_override
from kcore.testing import registered_overrides
from kcore.testing.overrides import example_inputs

from helpers.dists import fresh_plugins  # noqa: F401  (fixture)
from helpers.kernel_cases import DIFFERENTIABLE, NOT_DIFFERENTIABLE


# -- the override check, generic over the registry -----------------------------------------------------
def overrides():
    """``(op, backend)`` for every kernel registered as an override (``register(fn, name=op, backend=b)``)."""
    return registered_overrides()


def _inputs_for(op, data):
    """Inputs from the primitive's test case, or from the ``example=`` its generic kernel was registered with."""
    if op in DIFFERENTIABLE:
        return data.draw(DIFFERENTIABLE[op][0])
    if op in NOT_DIFFERENTIABLE:
        return data.draw(NOT_DIFFERENTIABLE[op][0])
    return example_inputs(op)


def check_override(op, backend, data):
    """``kcore.testing.check_override`` on drawn inputs; skips a backend that is not usable here."""
    inputs, params = _inputs_for(op, data)
    try:
        return public_check_override(op, backend, inputs, params)
    except BackendError as e:
        pytest.skip('backend %r is not usable here: %s' % (backend, e))


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # the device stays active throughout
@given(data=st.data())
def test_every_registered_override_matches_the_generic_kernel(kcore_backend, data):
    for op, backend in registered_overrides(kcore_backend.name):
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


# -- an override may decline: supports= and NotImplemented ---------------------------------------------------
def _declining_plugin(**registrations):
    """The throwaway backend with overrides registered as ``name=(fn, extra register kwargs)``."""
    def register_backends(register):
        register(ThrowawayBackend())

    def register_kernels(register):
        for name, (fn, extra) in registrations.items():
            register(fn, name=name, backend='throwaway', **extra)

    module = types.ModuleType('declining_backend_plugin')
    module.register_backends = hookimpl(register_backends)
    module.register_kernels = hookimpl(register_kernels)
    return module


def test_an_override_declines_through_supports_and_the_generic_kernel_runs(fresh_plugins):
    seen = []

    def small_exp(x):
        seen.append(x.size)
        return np.exp(x) + 0.0, lambda g, needs: (g * np.exp(x),)

    def supports(x):
        return x.size <= 4

    with plugins.registered(_declining_plugin(exp=(small_exp, {'supports': supports}))):
        with kcore_device('throwaway'):
            small, big = apply('exp', Tensor(np.zeros(3))), apply('exp', Tensor(np.zeros(10)))
            x = Tensor(np.zeros(8), requires_grad=True)
            (grad,) = kcore_gradients(kcore_sum(apply('exp', x)), [x])
        assert seen == [3]  # the big ones never reached the override
        np.testing.assert_array_equal(big.numpy(), np.ones(10))
        np.testing.assert_array_equal(small.numpy(), np.ones(3))
        np.testing.assert_array_equal(np.asarray(getattr(grad, 'data', grad)), np.ones(8))  # the generic vjp
        assert public_check_override('exp', 'throwaway', inputs=[np.zeros(10)]) is False
        assert public_check_override('exp', 'throwaway', inputs=[np.linspace(-1, 1, 4)]) is True
        assert seen == [3, 4]


def test_an_override_declines_by_returning_not_implemented(fresh_plugins):
    def float32_tanh(x):
        if x.dtype != np.float32:
            return NotImplemented
        y = np.tanh(x)
        return y, lambda g, needs: (g * (1 - y * y),)

    with plugins.registered(_declining_plugin(tanh=(float32_tanh, {}))):
        with kcore_device('throwaway'):
            x64 = Tensor(np.linspace(-1, 1, 5), requires_grad=True)
            y = apply('tanh', x64)
            (g,) = kcore_gradients(kcore_sum(y), [x64])
        np.testing.assert_allclose(np.asarray(getattr(g, 'data', g)), 1 - np.tanh(x64.data) ** 2)
        assert public_check_override('tanh', 'throwaway', inputs=[np.ones(3)]) is False
        assert public_check_override('tanh', 'throwaway', inputs=[np.ones(3, dtype='float32')]) is True


def test_declining_without_a_generic_kernel_is_a_clear_error(fresh_plugins):
    def only_here(x):
        return NotImplemented

    with plugins.registered(_declining_plugin(only_on_throwaway=(only_here, {}))):
        with kcore_device('throwaway'):
            with pytest.raises(NotImplementedError, match="Kernel 'only_on_throwaway' of backend 'throwaway' "
                                                          'declined these inputs and there is no generic'):
                apply('only_on_throwaway', Tensor(np.ones(2)))


def test_supports_is_for_kernel_overrides_only(fresh_plugins):
    def k(x):
        return x, lambda g, needs: (g,)

    with pytest.raises(TypeError, match=r'supports=\.\.\.\) is for kernel overrides only'):
        plugins.register(k, kind='kernels', name='plain_k', supports=lambda x: True)
    with pytest.raises(TypeError, match='expected a function of the kernel'):
        plugins.register(k, kind='kernels', name='plain_k', backend='throwaway', supports=True)


def test_the_fallback_wrapper_keeps_what_tests_need():
    def generic(x):
        return 'generic'

    def override(x):
        return 'override' if x else NotImplemented

    kernel = device.with_fallback('op', override, generic, backend='b')
    assert kernel(1) == 'override' and kernel(0) == 'generic'
    assert kernel.override is override and kernel.generic is generic and kernel.supports is None
    guarded = device.with_fallback('op', override, generic, supports=lambda x: x > 1, backend='b')
    assert guarded(1) == 'generic' and guarded(2) == 'override'


def test_check_override_compares_in_place_kernels(fresh_plugins):
    from kcore.training import update_kernels

    def sloppy_adagrad(g, w, accumulator, lr, epsilon):
        accumulator += g * g
        w -= lr * g / np.sqrt(accumulator + epsilon)  # epsilon inside the root: not Keras 2.3's rule

    def faithful_adagrad(*args, **params):
        return update_kernels.adagrad_update(*args, **params)

    with plugins.registered(_declining_plugin(adagrad_update=(faithful_adagrad, {}))):
        assert public_check_override('adagrad_update', 'throwaway') is True
    with plugins.registered(_declining_plugin(adagrad_update=(sloppy_adagrad, {}))):
        with pytest.raises(AssertionError, match='adagrad_update@throwaway leaves argument 1 different'):
            public_check_override('adagrad_update', 'throwaway', params={'lr': 0.5, 'epsilon': 0.1})
