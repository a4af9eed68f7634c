"""Per-op overhead of kcore against PyTorch eager, and the cost of ``import kcore``.

    .venv/bin/python benchmarks/bench_ops.py            # table, median of 7 rounds
    .venv/bin/python benchmarks/bench_ops.py --rounds 11 --json

What is measured (float32, CPU; PyTorch limited to one thread, since the arrays
are far too small for threads to help and the machine is shared):

- ``add, no recording``: ``a + b`` on two 100-element tensors that need no gradient.
- ``add, recording``: the same with ``a`` requiring a gradient, so a tape node is made.
- ``10-op chain fwd+bwd``: ten small element-wise ops on 100 elements, a sum, and the
  backward pass to two leaves; reported per op (the chain's time divided by 12:
  ten ops, the sum, and the backward call).

Each case is timed ``--rounds`` times (kcore and PyTorch interleaved, so load from
other processes hits both alike); a round is the best of 3 repeats of ``--number``
calls; the table shows the median over rounds.  The import time is the median
wall-clock time of ``python -c "import kcore"`` minus that of ``python -c pass``,
and ``-X importtime``'s cumulative figure for ``kcore``.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import timeit

import numpy as np

N_ELEMENTS = 100
CHAIN_OPS = 12  # ten element-wise ops, one sum, one backward call


# -- kcore ----------------------------------------------------------------------------
def kcore_cases():
    from kcore import backend as K
    from kcore.autodiff import Tensor, gradients

    rng = np.random.default_rng(0)
    a = Tensor(rng.standard_normal(N_ELEMENTS).astype(np.float32))
    b = Tensor(rng.standard_normal(N_ELEMENTS).astype(np.float32))
    ra = Tensor(a.data.copy(), requires_grad=True)
    rb = Tensor(b.data.copy(), requires_grad=True)

    def add_plain():
        return a + b

    def add_recorded():
        return ra + b

    def chain():
        y = ra * rb
        y = y + ra
        y = K.tanh(y)
        y = y - rb
        y = y * 0.5
        y = K.sigmoid(y)
        y = y + 1.0
        y = K.exp(y)
        y = y / rb
        y = K.square(y)
        return gradients(K.sum(y), [ra, rb])

    return {'add': add_plain, 'add_rec': add_recorded, 'chain': chain}


# -- PyTorch --------------------------------------------------------------------------
def torch_cases():
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    a = torch.from_numpy(rng.standard_normal(N_ELEMENTS).astype(np.float32))
    b = torch.from_numpy(rng.standard_normal(N_ELEMENTS).astype(np.float32))
    ra = a.clone().requires_grad_(True)
    rb = b.clone().requires_grad_(True)

    def add_plain():
        return a + b

    def add_recorded():
        return ra + b

    def chain():
        y = ra * rb
        y = y + ra
        y = torch.tanh(y)
        y = y - rb
        y = y * 0.5
        y = torch.sigmoid(y)
        y = y + 1.0
        y = torch.exp(y)
        y = y / rb
        y = torch.square(y)
        return torch.autograd.grad(y.sum(), [ra, rb])

    return {'add': add_plain, 'add_rec': add_recorded, 'chain': chain}


def _per_call_us(fn, number):
    return min(timeit.repeat(fn, number=number, repeat=3)) / number * 1e6


def time_ops(rounds, number):
    """Median µs per op for each case, for kcore and (if importable) PyTorch."""
    frameworks = {'kcore': kcore_cases()}
    tc = torch_cases()
    if tc is not None:
        frameworks['torch'] = tc
    samples = {fw: {case: [] for case in cases} for fw, cases in frameworks.items()}
    for _ in range(rounds):
        for case in ('add', 'add_rec', 'chain'):
            for fw, cases in frameworks.items():
                n = number // 10 if case == 'chain' else number
                per_call = _per_call_us(cases[case], n)
                samples[fw][case].append(per_call / CHAIN_OPS if case == 'chain' else per_call)
    return {fw: {case: statistics.median(v) for case, v in by_case.items()}
            for fw, by_case in samples.items()}


def time_import(rounds):
    """Median seconds that ``import kcore`` adds to a bare interpreter, and -X importtime's figure."""
    def run(code, *flags):
        t = timeit.default_timer()
        proc = subprocess.run([sys.executable, *flags, '-c', code], capture_output=True, text=True,
                              check=True, env=dict(os.environ, PYTHONDONTWRITEBYTECODE='0'))
        return timeit.default_timer() - t, proc.stderr

    run('import kcore')  # warm the bytecode cache
    bare, full, cumulative = [], [], []
    for _ in range(rounds):
        bare.append(run('pass')[0])
        full.append(run('import kcore')[0])
        _, err = run('import kcore', '-X', 'importtime')
        for line in err.splitlines():
            parts = [p.strip() for p in line.split('|')]
            if len(parts) == 3 and parts[2] == 'kcore':
                cumulative.append(int(parts[1]) / 1e6)
    return {'wall_s': statistics.median(full) - statistics.median(bare),
            'importtime_s': statistics.median(cumulative) if cumulative else None}


LABELS = {'add': 'add, no recording (100 el.)', 'add_rec': 'add, recording (100 el.)',
          'chain': '10-op chain fwd+bwd, per op'}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rounds', type=int, default=7, help='timed rounds; the median is reported')
    parser.add_argument('--number', type=int, default=20000, help='calls per timing (chain: a tenth)')
    parser.add_argument('--json', action='store_true', help='print JSON instead of a table')
    parser.add_argument('--no-import', action='store_true', help='skip the import-time measurement')
    args = parser.parse_args(argv)

    ops = time_ops(args.rounds, args.number)
    imp = None if args.no_import else time_import(args.rounds)
    if args.json:
        print(json.dumps({'ops_us': ops, 'import': imp}, indent=2))
        return 0
    has_torch = 'torch' in ops
    print('%-32s %10s %10s %8s' % ('case', 'kcore µs', 'torch µs' if has_torch else '', 'ratio' if has_torch else ''))
    for case, label in LABELS.items():
        k = ops['kcore'][case]
        if has_torch:
            t = ops['torch'][case]
            print('%-32s %10.2f %10.2f %7.2fx' % (label, k, t, k / t))
        else:
            print('%-32s %10.2f' % (label, k))
    if not has_torch:
        print('(PyTorch is not installed: no comparison)')
    if imp is not None:
        print('import kcore: %.3f s wall (over a bare interpreter), %.3f s by -X importtime'
              % (imp['wall_s'], imp['importtime_s'] or float('nan')))
    return 0


if __name__ == '__main__':
    sys.exit(main())
