"""Per-op dispatch cost in CPU time, for before/after comparisons of kcore's hot path.

    .venv/bin/python benchmarks/bench_dispatch.py                 # this checkout: one JSON line
    PYTHONPATH=/tmp/old-kcore .venv/bin/python benchmarks/bench_dispatch.py   # another checkout
    KCORE_BENCH_DEVICE_BLOCK=1 .venv/bin/python benchmarks/bench_dispatch.py  # after a device block

Prints microseconds per call (``time.process_time``, best of 3 repeats; CPU time, since
wall-clock time is unreliable on a shared machine): ``add_plain`` and ``add_rec`` (100
float32 elements, without and with a tape node), ``chain12`` (ten element-wise ops, a sum
and the backward pass, per op) and ``mlp_step`` (``train_on_batch`` of a 32-64-64-10 Dense
MLP with relu, tanh and softmax, batch 32, Adam).  Run the two versions interleaved several
times and compare medians.  ``KCORE_BENCH_DEVICE_BLOCK=1`` enters a ``kcore.device`` block
first, so that ``ACTIVE`` reads consult the context variable (see kcore/runtime/device.py).
"""
import json
import os
import time

import numpy as np

import kcore
from kcore import backend as K
from kcore.autodiff import Tensor, gradients


def cases():
    rng = np.random.default_rng(0)
    a = Tensor(rng.standard_normal(100).astype(np.float32))
    b = Tensor(rng.standard_normal(100).astype(np.float32))
    ra, rb = Tensor(a.data.copy(), requires_grad=True), Tensor(b.data.copy(), requires_grad=True)

    def chain():
        y = K.exp(K.sigmoid(K.tanh(ra * rb + ra) - rb) * 0.5 + 1.0) * rb - 0.1
        return gradients(K.sum(y), [ra, rb])

    model = kcore.Sequential([kcore.layers.Dense(64, activation='relu', input_shape=(32,)),
                              kcore.layers.Dense(64, activation='tanh'), kcore.layers.Dense(10, activation='softmax')])
    model.compile('adam', 'categorical_crossentropy')
    x = rng.standard_normal((32, 32)).astype(np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 32)]
    model.train_on_batch(x, y)
    return {'add_plain': (lambda: a + b, 20000, 1), 'add_rec': (lambda: ra + b, 20000, 1),
            'chain12': (chain, 2000, 12), 'mlp_step': (lambda: model.train_on_batch(x, y), 300, 1)}


def main():
    if os.environ.get('KCORE_BENCH_DEVICE_BLOCK'):
        with kcore.device('cpu'):
            pass
    result = {}
    for name, (fn, n, per) in cases().items():
        best = float('inf')
        for _ in range(3):
            start = time.process_time()
            for _ in range(n):
                fn()
            best = min(best, (time.process_time() - start) / n)
        result[name] = round(best * 1e6 / per, 3)
    print(json.dumps(result))


if __name__ == '__main__':
    main()
