"""The optimizer update kernels (``sgd_update``, ``rmsprop_update``, ``adam_update``, ``adamax_update``,
``nadam_update``, ``adagrad_update``, ``adadelta_update``):
against the rules written out in float64, and replaceable by a backend's override."""
import math
import types

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kcore import optimizers, plugins
from kcore.autodiff import Variable
from kcore.backend.device import ACTIVE, Backend, set_backend
from kcore.plugins import hookimpl
from kcore.testing import strategies as kst
from kcore.training import update_kernels

from helpers.dists import fresh_plugins  # noqa: F401  (fixture)


def _arrays(seed, n=4, shape=(5, 3)):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape) for _ in range(n)]


@given(seed=kst.SEEDS, momentum=st.sampled_from([None, 0.9]), nesterov=st.booleans())
def test_sgd_update_matches_the_rule(seed, momentum, nesterov):
    g, w, vel, _ = _arrays(seed)
    w0, vel0 = w.copy(), vel.copy()
    update_kernels.sgd_update(g, w, None if momentum is None else vel, 0.1, momentum or 0.0, nesterov)
    if momentum is None:
        np.testing.assert_allclose(w, w0 - 0.1 * g, rtol=1e-12)
        return
    v = momentum * vel0 - 0.1 * g
    np.testing.assert_allclose(vel, v, rtol=1e-12)
    np.testing.assert_allclose(w, w0 + (momentum * v - 0.1 * g if nesterov else v), rtol=1e-12, atol=1e-15)


@given(seed=kst.SEEDS, centered=st.booleans(), momentum=st.booleans())
def test_rmsprop_update_matches_the_rule(seed, centered, momentum):
    g, w, mom, avg = _arrays(seed)
    g, avg = np.tanh(g), 0.1 * np.tanh(avg)  # so that velocity - average**2 stays positive
    vel = np.abs(_arrays(seed + 1, 1)[0]) + 1.0
    w0, vel0, mom0, avg0 = w.copy(), vel.copy(), mom.copy(), avg.copy()
    update_kernels.rmsprop_update(g, w, vel, mom if momentum else None, avg if centered else None,
                                  0.01, 0.9, 0.5, 1e-7)
    v = 0.9 * vel0 + 0.1 * g * g
    np.testing.assert_allclose(vel, v, rtol=1e-12)
    denominator = np.sqrt(v) + 1e-7  # Keras 2.3: epsilon outside the root (issue 19)
    if centered:
        a = 0.9 * avg0 + 0.1 * g
        np.testing.assert_allclose(avg, a, rtol=1e-12, atol=1e-15)
        denominator = np.sqrt(v - a * a + 1e-7)  # Keras 3's centred variant
    step = 0.01 * g / denominator
    if momentum:
        step = 0.5 * mom0 + step
        np.testing.assert_allclose(mom, step, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(w, w0 - step, rtol=1e-12, atol=1e-15)


@given(seed=kst.SEEDS, amsgrad=st.booleans())
def test_adam_update_matches_the_rule(seed, amsgrad):
    g, w, m, _ = _arrays(seed)
    v, v_hat = (np.abs(a) for a in _arrays(seed + 1, 2))
    w0, m0, v0, v_hat0 = w.copy(), m.copy(), v.copy(), v_hat.copy()
    update_kernels.adam_update(g, w, m, v, v_hat if amsgrad else None, 0.01, 0.9, 0.999, 1e-7)
    m_ref, v_ref = 0.9 * m0 + 0.1 * g, 0.999 * v0 + 0.001 * g * g
    np.testing.assert_allclose(m, m_ref, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(v, v_ref, rtol=1e-12, atol=1e-15)
    if amsgrad:
        v_ref = np.maximum(v_hat0, v_ref)
        np.testing.assert_allclose(v_hat, v_ref, rtol=1e-12)
    np.testing.assert_allclose(w, w0 - 0.01 * m_ref / (np.sqrt(v_ref) + 1e-7), rtol=1e-12, atol=1e-15)


@given(seed=kst.SEEDS)
def test_adamax_update_matches_the_rule(seed):
    g, w, m, _ = _arrays(seed)
    u = np.abs(_arrays(seed + 1, 1)[0])
    w0, m0, u0 = w.copy(), m.copy(), u.copy()
    update_kernels.adamax_update(g, w, m, u, 0.02, 0.9, 0.999, 1e-7)
    m_ref, u_ref = 0.9 * m0 + 0.1 * g, np.maximum(0.999 * u0, np.abs(g))
    np.testing.assert_allclose(m, m_ref, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(u, u_ref, rtol=1e-12)
    np.testing.assert_allclose(w, w0 - 0.02 * m_ref / (u_ref + 1e-7), rtol=1e-12, atol=1e-15)


@given(seed=kst.SEEDS)
def test_nadam_update_matches_the_rule(seed):
    g, w, m, _ = _arrays(seed)
    v = np.abs(_arrays(seed + 1, 1)[0])
    w0, m0, v0 = w.copy(), m.copy(), v.copy()
    update_kernels.nadam_update(g, w, m, v, 0.002, 0.9, 0.999, 1e-7, 0.3, 0.8, 20.0)
    m_ref, v_ref = 0.9 * m0 + 0.1 * g, 0.999 * v0 + 0.001 * g * g
    np.testing.assert_allclose(m, m_ref, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(v, v_ref, rtol=1e-12, atol=1e-15)
    m_hat = 0.3 * g + 0.8 * m_ref
    np.testing.assert_allclose(w, w0 - 0.002 * m_hat / (np.sqrt(v_ref) * 20.0 + 1e-7), rtol=1e-12, atol=1e-15)


@given(seed=kst.SEEDS)
def test_adagrad_update_matches_the_rule(seed):
    g, w, _, _ = _arrays(seed)
    acc = np.abs(_arrays(seed + 1, 1)[0])
    w0, acc0 = w.copy(), acc.copy()
    update_kernels.adagrad_update(g, w, acc, 0.01, 1e-7)
    acc_ref = acc0 + g * g
    np.testing.assert_allclose(acc, acc_ref, rtol=1e-12)
    np.testing.assert_allclose(w, w0 - 0.01 * g / (np.sqrt(acc_ref) + 1e-7), rtol=1e-12, atol=1e-15)


@given(seed=kst.SEEDS)
def test_adadelta_update_matches_the_rule(seed):
    g, w, _, _ = _arrays(seed)
    eg, ed = (np.abs(a) for a in _arrays(seed + 1, 2))
    w0, eg0, ed0 = w.copy(), eg.copy(), ed.copy()
    update_kernels.adadelta_update(g, w, eg, ed, 1.0, 0.95, 1e-7)
    eg_ref = 0.95 * eg0 + 0.05 * g * g
    step = g * np.sqrt(ed0 + 1e-7) / np.sqrt(eg_ref + 1e-7)
    np.testing.assert_allclose(eg, eg_ref, rtol=1e-12)
    np.testing.assert_allclose(ed, 0.95 * ed0 + 0.05 * step * step, rtol=1e-12)
    np.testing.assert_allclose(w, w0 - step, rtol=1e-12, atol=1e-15)


def test_every_update_kernel_carries_an_example_its_overrides_are_checked_with():
    from kcore.testing.overrides import example_inputs
    assert set(update_kernels.EXAMPLES) == set(update_kernels.KERNELS)
    for name, fn in update_kernels.KERNELS.items():
        inputs, params = example_inputs(name)
        before = inputs[1].copy()
        assert fn(*inputs, **params) is None
        assert np.isfinite(inputs[1]).all() and not np.array_equal(inputs[1], before), name


class _Recorder(Backend):
    """NumPy under another name, with update kernels that count their calls."""
    name = 'update_recorder'


def _recording_plugin(calls):
    def wrap(name):
        generic = update_kernels.KERNELS[name]

        def override(*args):
            calls.append(name)
            return generic(*args)
        return override

    def register_backends(register):
        register(_Recorder())

    def register_kernels(register):
        for name in update_kernels.KERNELS:
            register(wrap(name), name=name, backend='update_recorder')

    module = types.ModuleType('update_recorder_plugin')
    module.register_backends = hookimpl(register_backends)
    module.register_kernels = hookimpl(register_kernels)
    return module


@pytest.mark.parametrize('optimizer, kernel', [
    (lambda: optimizers.SGD(0.1, momentum=0.9), 'sgd_update'),
    (lambda: optimizers.RMSprop(centered=True), 'rmsprop_update'),
    (lambda: optimizers.Adam(amsgrad=True), 'adam_update'),
    (lambda: optimizers.AdamW(), 'adam_update'),
    (lambda: optimizers.Adamax(), 'adamax_update'),
    (lambda: optimizers.Nadam(), 'nadam_update'),
    (lambda: optimizers.Adagrad(initial_accumulator_value=0.1), 'adagrad_update'),
    (lambda: optimizers.Adadelta(), 'adadelta_update'),
])
def test_a_backend_override_runs_the_update_and_matches_the_generic_kernel(fresh_plugins, optimizer, kernel):
    rng = np.random.default_rng(0)
    start, grads = rng.standard_normal((3, 4)), [rng.standard_normal((3, 4)) for _ in range(3)]

    def train():
        var = Variable(start.copy(), name='w')
        opt = optimizer()
        for g in grads:
            opt.apply_gradients([(g, var)])
        return var.numpy()
    generic = train()
    calls = []
    with plugins.registered(_recording_plugin(calls)):
        set_backend('update_recorder')
        try:
            overridden = train()
        finally:
            set_backend('numpy')
    assert calls == [kernel] * len(grads)
    np.testing.assert_array_equal(overridden, generic)
    assert not math.isnan(generic.sum()) and ACTIVE.backend.name == 'numpy'
