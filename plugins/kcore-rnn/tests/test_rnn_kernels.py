"""The fused sequence kernels against the float64 reference loops, and their
hand-written BPTT against finite differences (inputs, weights, initial states).

Hypothesis draws the sizes (batch, steps, features, units), a step mask, the
dropout masks, the activations and the flags (go_backwards, return_sequences,
zero_output_for_mask, bias, GRU's reset_after).
"""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import rnn_reference as ref
from kcore.autodiff import apply
from kcore.backend.device import ACTIVE
from kcore.testing import check_gradients

ACTS = ['tanh', 'sigmoid', 'hard_sigmoid', 'relu', 'linear', 'softsign']
SMOOTH = ['tanh', 'sigmoid', 'softsign', 'linear']  # no kinks: finite differences are exact enough


@st.composite
def cases(draw, kind, smooth=False):
    acts = SMOOTH if smooth else ACTS
    c = {
        'kind': kind,
        'batch': draw(st.integers(1, 3)), 'steps': draw(st.integers(1, 5)),
        'features': draw(st.integers(1, 4)), 'units': draw(st.integers(1, 4)),
        'seed': draw(st.integers(0, 2 ** 16)),
        'masked': draw(st.booleans()), 'dropout': draw(st.booleans()),
        'use_bias': draw(st.booleans()),
        'flags': {'go_backwards': draw(st.booleans()), 'return_sequences': draw(st.booleans()),
                  'zero_output_for_mask': draw(st.booleans())},
        'params': {'activation': draw(st.sampled_from(acts))},
    }
    if kind != 'simple_rnn':
        c['params']['recurrent_activation'] = draw(st.sampled_from(acts))
    if kind == 'gru':
        c['params']['reset_after'] = draw(st.booleans())
    return c


GATES = {'simple_rnn': 1, 'lstm': 4, 'gru': 3}
N_STATES = {'simple_rnn': 1, 'lstm': 2, 'gru': 1}


def arrays_for(c, dtype=np.float64):
    """The kernel's array arguments for case ``c``, in the kernel's order."""
    rng = np.random.default_rng(c['seed'])
    b, t, d, u, g = c['batch'], c['steps'], c['features'], c['units'], GATES[c['kind']]
    x = rng.uniform(-1, 1, (b, t, d))
    kernel = rng.uniform(-1, 1, (d, g * u))
    rec = rng.uniform(-1, 1, (u, g * u))
    bias = None
    if c['use_bias']:
        two_rows = c['kind'] == 'gru' and c['params'].get('reset_after', True)
        bias = rng.uniform(-1, 1, (2, g * u) if two_rows else (g * u,))
    states = [rng.uniform(-1, 1, (b, u)) for _ in range(N_STATES[c['kind']])]
    mask = rng.random((b, t)) < 0.6 if c['masked'] else None
    in_mask = st_mask = None
    if c['dropout']:
        in_mask = (rng.random((b, d)) >= 0.3) / 0.7
        st_mask = (rng.random((b, u)) >= 0.4) / 0.6
    cast = (lambda a: None if a is None else a.astype(dtype))
    return ([cast(x), cast(kernel), cast(rec), cast(bias)] + [cast(s) for s in states]
            + [mask, cast(in_mask), cast(st_mask)])


def reference(c, arrays):
    x, kernel, rec, bias = arrays[:4]
    n = N_STATES[c['kind']]
    states = arrays[4:4 + n]
    mask, in_mask, st_mask = arrays[4 + n:]
    p = dict(c['params'])
    step = {'simple_rnn': ref.simple_rnn_step, 'lstm': ref.lstm_step, 'gru': ref.gru_step}[c['kind']](
        kernel, rec, bias, input_mask=in_mask, state_mask=st_mask, **p)
    return ref.run(step, x, states, mask, **c['flags'])


def run_kernel(c, arrays):
    outs = apply('%s_sequence' % c['kind'], *arrays, **c['params'], **c['flags'])
    return outs[0].numpy(), [o.numpy() for o in outs[1:]]


@pytest.mark.parametrize('kind', ['simple_rnn', 'lstm', 'gru'])
@given(data=st.data())
def test_kernel_matches_the_reference_loop(kind, data):
    c = data.draw(cases(kind))
    arrays = arrays_for(c)
    y, states = run_kernel(c, arrays)
    want_y, want_states = reference(c, arrays)
    np.testing.assert_allclose(y, want_y, rtol=1e-10, atol=1e-12)
    for s, w in zip(states, want_states):
        np.testing.assert_allclose(s, w, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize('kind', ['simple_rnn', 'lstm', 'gru'])
@given(data=st.data())
def test_kernel_bptt_matches_finite_differences(kind, data):
    c = data.draw(cases(kind, smooth=True))
    arrays = arrays_for(c)
    n = N_STATES[kind]
    differentiable = [i for i, a in enumerate(arrays[:4 + n]) if a is not None]

    def fn(*tensors):
        args = list(arrays)
        for i, t in zip(differentiable, tensors):
            args[i] = t
        return list(apply('%s_sequence' % kind, *args, **c['params'], **c['flags']))
    check_gradients(fn, [arrays[i] for i in differentiable], noncontiguous=True)


@pytest.mark.parametrize('kind', ['simple_rnn', 'lstm', 'gru'])
def test_kernel_keeps_float32(kind):
    c = {'kind': kind, 'batch': 2, 'steps': 3, 'features': 3, 'units': 2, 'seed': 1, 'masked': True,
         'dropout': True, 'use_bias': True,
         'flags': {'go_backwards': False, 'return_sequences': True, 'zero_output_for_mask': False},
         'params': {'activation': 'tanh'}}
    if kind != 'simple_rnn':
        c['params']['recurrent_activation'] = 'sigmoid'
    arrays = arrays_for(c, np.float32)
    from kcore.autodiff import Tensor, gradients
    tensors = [Tensor(a, requires_grad=True) if a is not None and a.dtype != bool else a for a in arrays]
    outs = apply('%s_sequence' % kind, *tensors, **c['params'], **c['flags'])
    assert all(o.dtype == np.float32 for o in outs)
    from kcore.backend import ops as K
    grads = gradients(K.sum(outs[0]) + K.sum(outs[1]), [t for t in tensors[:4]])
    assert all(g.dtype == np.float32 for g in grads)


def test_unstack_kernel_splits_and_gathers_gradients():
    x = np.random.default_rng(0).uniform(-1, 1, (2, 4, 3))
    parts = apply('rnn_unstack', x, axis=1)
    assert len(parts) == 4
    np.testing.assert_array_equal(parts[2].numpy(), x[:, 2])
    check_gradients(lambda t: list(apply('rnn_unstack', t, axis=1))[1:3], [x])
    check_gradients(lambda t: apply('rnn_unstack', t, axis=1)[0], [x[:, :1]])


def test_kernels_are_registered_by_name_for_backends_to_override():
    from kcore.plugins import registry
    for name in ('lstm_sequence', 'gru_sequence', 'simple_rnn_sequence', 'rnn_unstack'):
        assert registry('kernels').entry(name).distribution.startswith('kcore-rnn')
        assert name in ACTIVE.kernels


def test_an_unfusable_activation_is_refused_with_the_list():
    from kcore_rnn.kernels import activations
    with pytest.raises(ValueError, match="'elu'.*Fusable activations: hard_sigmoid, linear, relu"):
        activations.get('elu')
