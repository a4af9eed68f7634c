"""Saved outputs and gradients of the fused sequence kernels, to hold refactors
bit-identical.  ``python rnn_golden.py`` rewrites ``data/rnn_kernel_golden.npz``
(only when a kernel's numbers are meant to change)."""
import itertools
import os

import numpy as np

from kcore_rnn.kernels import KERNELS

PATH = os.path.join(os.path.dirname(__file__), 'data', 'rnn_kernel_golden.npz')
GATES = {'simple_rnn': 1, 'lstm': 4, 'gru': 3}
N_STATES = {'simple_rnn': 1, 'lstm': 2, 'gru': 1}


def cases():
    """``(name, kind, dtype, options)`` for a spread of flags on seeded inputs."""
    out = []
    flags = list(itertools.product([False, True], repeat=3))  # masked, dropout, go_backwards
    for kind in ('simple_rnn', 'lstm', 'gru'):
        variants = [{'reset_after': True}, {'reset_after': False}] if kind == 'gru' else [{}]
        for n, ((masked, dropout, backwards), variant) in enumerate(itertools.product(flags, variants)):
            opts = dict(variant, masked=masked, dropout=dropout, go_backwards=backwards,
                        return_sequences=n % 2 == 0, zero_output_for_mask=n % 3 == 0,
                        use_bias=n % 4 != 3, grad_state=n % 2 == 1, seed=100 + n)
            dtype = np.float32 if n % 2 else np.float64
            out.append(('%s_%d' % (kind, n), kind, dtype, opts))
    return out


def compute(kind, dtype, o):
    """The kernel's outputs and all its gradients for one case, as a flat list of arrays."""
    rng = np.random.default_rng(o['seed'])
    b, t, d, u, g = 3, 5, 4, 3, GATES[kind]
    cast = (lambda a: None if a is None else a.astype(dtype))
    x = cast(rng.uniform(-1, 1, (b, t, d)))
    kernel = cast(rng.uniform(-1, 1, (d, g * u)))
    rec = cast(rng.uniform(-1, 1, (u, g * u)))
    bias = None
    if o['use_bias']:
        two_rows = kind == 'gru' and o['reset_after']
        bias = cast(rng.uniform(-1, 1, (2, g * u) if two_rows else (g * u,)))
    states = [cast(rng.uniform(-1, 1, (b, u))) for _ in range(N_STATES[kind])]
    mask = rng.random((b, t)) < 0.6 if o['masked'] else None
    in_mask = st_mask = None
    if o['dropout']:
        in_mask = cast((rng.random((b, d)) >= 0.3) / 0.7)
        st_mask = cast((rng.random((b, u)) >= 0.4) / 0.6)
    params = {'go_backwards': o['go_backwards'], 'return_sequences': o['return_sequences'],
              'zero_output_for_mask': o['zero_output_for_mask']}
    if kind == 'gru':
        params['reset_after'] = o['reset_after']
    outs, vjp = KERNELS[kind + '_sequence'](x, kernel, rec, bias, *states, mask=mask, input_mask=in_mask,
                                            recurrent_mask=st_mask, **params)
    grads = [cast(rng.uniform(-1, 1, a.shape)) for a in outs]
    if not o['grad_state']:
        grads[1:] = [None] * (len(grads) - 1)
    n_in = 4 + N_STATES[kind] + 3
    back = vjp(tuple(grads), (True,) * n_in)
    return [np.array(a) for a in outs] + [np.array(a) for a in back if a is not None]


def save():
    arrays = {}
    for name, kind, dtype, o in cases():
        for i, a in enumerate(compute(kind, dtype, o)):
            arrays['%s/%d' % (name, i)] = a
    np.savez(PATH, **arrays)


if __name__ == '__main__':
    save()
