"""The cell-step kernels (``lstm_cell_step``, ``gru_cell_step``): finite-difference
gradients, the step written out, and the sequence kernels running a backend's
override of them inside their time loop."""
import types

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kcore import plugins
from kcore.autodiff import apply
from kcore.backend.device import ACTIVE, Backend, set_backend
from kcore.plugins import hookimpl
from kcore.testing import check_gradients, isolated
from kcore.testing import strategies as kst
from kcore_rnn.kernels import cells

ACTIVATION_PAIRS = [('tanh', 'sigmoid'), ('tanh', 'hard_sigmoid'), ('softsign', 'sigmoid')]


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _act(name):
    return {'tanh': np.tanh, 'sigmoid': _sigmoid, 'softsign': lambda a: a / (1 + np.abs(a)),
            'hard_sigmoid': lambda a: np.clip(0.2 * a + 0.5, 0, 1)}[name]


@settings(deadline=None)
@given(seed=kst.SEEDS, batch=st.integers(1, 3), units=st.integers(1, 3),
       acts=st.sampled_from(ACTIVATION_PAIRS))
def test_lstm_cell_step_gradients(seed, batch, units, acts):
    rng = np.random.default_rng(seed)
    z, c = rng.normal(size=(batch, 4 * units)), rng.normal(size=(batch, units))
    a, ra = acts
    check_gradients(lambda z, c: apply('lstm_cell_step', z, c, activation=a, recurrent_activation=ra),
                    [z, c])


@settings(deadline=None)
@given(seed=kst.SEEDS, batch=st.integers(1, 3), units=st.integers(1, 3),
       acts=st.sampled_from(ACTIVATION_PAIRS))
def test_gru_cell_step_gradients(seed, batch, units, acts):
    rng = np.random.default_rng(seed)
    zx, zh = rng.normal(size=(batch, 3 * units)), rng.normal(size=(batch, 3 * units))
    h = rng.normal(size=(batch, units))
    a, ra = acts
    check_gradients(lambda zx, zh, h: apply('gru_cell_step', zx, zh, h, activation=a, recurrent_activation=ra),
                    [zx, zh, h])


@pytest.mark.parametrize('acts', ACTIVATION_PAIRS)
def test_the_steps_compute_the_written_out_cells(acts):
    a, ra = acts
    act, ract = _act(a), _act(ra)
    rng = np.random.default_rng(0)
    u = 3
    z, c = rng.normal(size=(2, 4 * u)), rng.normal(size=(2, u))
    (h, c_new), _ = cells.lstm_cell_step(z, c, activation=a, recurrent_activation=ra)
    i, f, g, o = ract(z[:, :u]), ract(z[:, u:2 * u]), act(z[:, 2 * u:3 * u]), ract(z[:, 3 * u:])
    np.testing.assert_allclose(c_new, f * c + i * g, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(h, o * act(f * c + i * g), rtol=1e-12, atol=1e-14)
    zx, zh, hp = rng.normal(size=(2, 3 * u)), rng.normal(size=(2, 3 * u)), rng.normal(size=(2, u))
    h_new, _ = cells.gru_cell_step(zx, zh, hp, activation=a, recurrent_activation=ra)
    zg, r = ract(zx[:, :u] + zh[:, :u]), ract(zx[:, u:2 * u] + zh[:, u:2 * u])
    hh = act(zx[:, 2 * u:] + r * zh[:, 2 * u:])
    np.testing.assert_allclose(h_new, zg * hp + (1 - zg) * hh, rtol=1e-12, atol=1e-14)


def test_overwrite_z_is_opt_in():
    rng = np.random.default_rng(1)
    z, c = rng.normal(size=(2, 8)), rng.normal(size=(2, 2))
    z0 = z.copy()
    cells.lstm_cell_step(z, c)
    np.testing.assert_array_equal(z, z0)
    cells.lstm_cell_step(z, c, overwrite_z=True)
    assert not np.array_equal(z, z0)


class _Recorder(Backend):
    """NumPy under another name, with cell-step kernels that count their calls."""
    name = 'cell_recorder'


def _recording_plugin(calls):
    def wrap(name):
        generic = cells.KERNELS[name]

        def override(*args, **params):
            calls.append(name)
            return generic(*args, **params)
        return override

    module = types.ModuleType('cell_recorder_plugin')
    module.register_backends = hookimpl(lambda register: register(_Recorder()))
    module.register_kernels = hookimpl(
        lambda register: [register(wrap(n), name=n, backend='cell_recorder') for n in cells.KERNELS])
    return module


@pytest.mark.parametrize('kind', ['lstm', 'gru'])
def test_the_sequence_kernels_run_a_backends_cell_step(kind):
    rng = np.random.default_rng(2)
    b, t, d, u = 2, 4, 3, 2
    gates = 4 if kind == 'lstm' else 3
    x = rng.normal(size=(b, t, d))
    kernel, rk = rng.normal(size=(d, gates * u)), rng.normal(size=(u, gates * u))
    bias = rng.normal(size=(gates * u,)) if kind == 'lstm' else rng.normal(size=(2, gates * u))
    states = [np.zeros((b, u))] * (2 if kind == 'lstm' else 1)

    def run():
        out = apply('%s_sequence' % kind, x, kernel, rk, bias, *states, return_sequences=True)
        return [o.numpy() for o in out]
    generic = run()
    calls = []
    with isolated():
        with plugins.registered(_recording_plugin(calls)):
            set_backend('cell_recorder')
            try:
                overridden = run()
            finally:
                set_backend('numpy')
    assert calls == ['%s_cell_step' % kind] * t
    for a, g in zip(overridden, generic):
        np.testing.assert_array_equal(a, g)
    assert ACTIVE.backend.name == 'numpy'
