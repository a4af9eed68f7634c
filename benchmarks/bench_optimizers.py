"""Per-step time of an optimizer update, kcore beside PyTorch, on two parameter sets.

    .venv/bin/python benchmarks/bench_optimizers.py                 # Adam, table
    .venv/bin/python benchmarks/bench_optimizers.py --optimizer sgd --rounds 11

What is measured (float32, CPU, PyTorch on one thread like NumPy's element-wise
ops): one ``apply_gradients`` call on fixed random gradients, for the variables of

- ``mlp``: Dense 784-512-512-10 (kernels and biases, 669,706 parameters), the
  benchmark model of issue 4;
- ``tiny``: Dense 10-10-1 (121 parameters), where per-call overhead dominates.

PyTorch's figure is ``opt.step()`` of the matching ``torch.optim`` class with
``.grad`` set once (its default implementation for CPU tensors).  Each round is
the best of 3 repeats of ``--number`` steps; the table shows the median over rounds,
kcore and PyTorch interleaved so that load from other processes hits both alike.
"""
import argparse
import statistics
import timeit

import numpy as np

SIZES = {'mlp': [784, 512, 512, 10], 'tiny': [10, 10, 1]}
TORCH_NAMES = {'adam': 'Adam', 'sgd': 'SGD', 'rmsprop': 'RMSprop', 'adamw': 'AdamW', 'adamax': 'Adamax',
               'nadam': 'NAdam', 'adagrad': 'Adagrad', 'adadelta': 'Adadelta'}


def shapes(units):
    out = []
    for a, b in zip(units[:-1], units[1:]):
        out += [(a, b), (b,)]
    return out


def kcore_step(name, shp, rng):
    from kcore.autodiff.tensor import Variable
    from kcore.training import optimizers
    variables = [Variable(rng.standard_normal(s).astype('float32') * 0.05, name='v%d' % i)
                 for i, s in enumerate(shp)]
    grads = [rng.standard_normal(s).astype('float32') * 0.01 for s in shp]
    opt = getattr(optimizers, TORCH_NAMES[name].replace('NAdam', 'Nadam'))()  # the class, not the registry
    pairs = list(zip(grads, variables))
    opt.apply_gradients(pairs)  # build the slots outside the timing
    return lambda: opt.apply_gradients(pairs)


def torch_step(name, shp, rng):
    import torch
    torch.set_num_threads(1)
    params = [torch.nn.Parameter(torch.from_numpy(rng.standard_normal(s).astype('float32') * 0.05))
              for s in shp]
    for p in params:
        p.grad = torch.from_numpy(rng.standard_normal(p.shape).astype('float32') * 0.01)
    opt = getattr(torch.optim, TORCH_NAMES[name])(params, lr=1e-3)
    opt.step()
    return opt.step


def best(fn, number):
    return min(timeit.repeat(fn, number=number, repeat=3)) / number


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--optimizer', default='adam', choices=sorted(TORCH_NAMES))
    p.add_argument('--rounds', type=int, default=7)
    p.add_argument('--no-torch', action='store_true')
    args = p.parse_args()
    rng = np.random.default_rng(0)
    print('%s update, median of %d rounds (time per step)' % (args.optimizer, args.rounds))
    for size, units in SIZES.items():
        shp = shapes(units)
        number = 20 if size == 'mlp' else 2000
        cases = {'kcore': kcore_step(args.optimizer, shp, rng)}
        if not args.no_torch:
            cases['torch'] = torch_step(args.optimizer, shp, rng)
        times = {k: [] for k in cases}
        for _ in range(args.rounds):
            for k, fn in cases.items():
                times[k].append(best(fn, number))
        n_params = sum(int(np.prod(s)) for s in shp)
        cells = ['%s %8.1f us' % (k, statistics.median(t) * 1e6) for k, t in times.items()]
        if 'torch' in times:
            cells.append('ratio %.2f' % (statistics.median(times['kcore']) / statistics.median(times['torch'])))
        print('%-5s (%7d params): %s' % (size, n_params, '   '.join(cells)))


if __name__ == '__main__':
    main()
