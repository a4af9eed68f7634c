"""Training throughput of kcore beside PyTorch eager, in the same process, on the same data.

    .venv/bin/python benchmarks/bench_mlp.py                    # table, median of 7 rounds
    .venv/bin/python benchmarks/bench_mlp.py --rounds 11 --json
    .venv/bin/python benchmarks/bench_mlp.py --profile          # where kcore's MLP step spends its time

Two cases (float32, CPU, both frameworks on ``--threads`` threads, 1 by default
because the machine is shared; NumPy's BLAS is limited through the environment
before NumPy is imported):

- ``mlp``: Dense 784-512(relu)-512(relu)-10(softmax), batch 128, Adam, categorical
  crossentropy on one-hot targets.  kcore runs ``model.fit`` (arrays, shuffled
  batches, callbacks, metrics: the real loop); the time per step is the time
  between consecutive ``on_train_batch_end`` calls, so data slicing, hooks and the
  running loss are included.  PyTorch runs the idiomatic eager loop over shuffled
  batches: ``zero_grad``, forward on logits, ``F.cross_entropy`` (log-softmax fused
  into the loss) with the one-hot targets, ``backward``, ``Adam.step()``.
- ``tiny``: Dense 10-10(relu)-1, batch 32, Adam, MSE: kcore's ``train_on_batch``
  against the same full PyTorch step; here per-call overhead is everything.

Rounds interleave kcore and PyTorch, so load from other processes hits both
alike; each round times ``--steps`` steps one by one and keeps their median; the
table shows the median over rounds and the ratio kcore / PyTorch (goals:
``mlp`` <= 1.0, ``tiny`` <= 2.0).
"""
import json
import statistics
import sys

from harness import fit_profile, limit_threads, now, parser, use_clock


MLP_UNITS = (784, 512, 512, 10)
TINY_UNITS = (10, 10, 1)


def _data(np, n, units, classes=True, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((n, units[0]), dtype=np.float32)
    if classes:
        y = np.eye(units[-1], dtype=np.float32)[rng.integers(0, units[-1], n)]
    else:
        y = rng.random((n, units[-1]), dtype=np.float32)
    return x, y


# -- kcore ------------------------------------------------------------------------------------------
def kcore_model(units, last_activation, loss):
    import kcore
    from kcore.layers import Dense
    from kcore.models import Sequential
    layers = [Dense(units[1], activation='relu', input_shape=(units[0],))]
    layers += [Dense(u, activation='relu') for u in units[2:-1]]
    layers.append(Dense(units[-1], activation=last_activation))
    model = Sequential(layers)
    model.compile(optimizer=kcore.optimizers.Adam(learning_rate=1e-3), loss=loss)
    return model


class StepTimer:
    """A callback recording the time between consecutive training steps."""

    def __new__(cls):
        from kcore.callbacks import Callback

        class _Timer(Callback):
            def on_epoch_begin(self, epoch, logs=None):
                self.last = now()
                self.times = []

            def on_train_batch_end(self, batch, logs=None):
                stamp = now()
                self.times.append(stamp - self.last)
                self.last = stamp
        return _Timer()


def kcore_mlp_round(model, x, y, batch, steps):
    timer = StepTimer()
    model.fit(x, y, batch_size=batch, epochs=1, steps_per_epoch=steps, verbose=0, callbacks=[timer])
    return statistics.median(timer.times)


def kcore_tiny_round(model, x, y, steps):
    times = []
    for _ in range(steps):
        t = now()
        model.train_on_batch(x, y)
        times.append(now() - t)
    return statistics.median(times)


# -- PyTorch -------------------------------------------------------------------------------------------
def torch_model(units):
    import torch
    layers = []
    for a, b in zip(units[:-1], units[1:]):
        layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    return model, torch.optim.Adam(model.parameters(), lr=1e-3)


def torch_mlp_round(model, opt, x, y, batch, steps, generator):
    import torch
    import torch.nn.functional as F
    perm = torch.randperm(len(x), generator=generator)
    times = []
    for i in range(steps):
        t = now()
        idx = perm[i * batch:(i + 1) * batch]
        xb, yb = x[idx], y[idx]
        opt.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
        loss.item()  # kcore's loop reads the loss every step too
        times.append(now() - t)
    return statistics.median(times)


def torch_tiny_round(model, opt, x, y, steps):
    import torch.nn.functional as F
    times = []
    for _ in range(steps):
        t = now()
        opt.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        loss.item()
        times.append(now() - t)
    return statistics.median(times)


# -- driver ------------------------------------------------------------------------------------------------
def run(rounds, steps, threads, batch=128):
    import numpy as np
    import torch
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    import kcore
    kcore.utils.set_random_seed(0)

    x, y = _data(np, batch * steps, MLP_UNITS)
    km = kcore_model(MLP_UNITS, 'softmax', 'categorical_crossentropy')
    tm, topt = torch_model(MLP_UNITS)
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    gen = torch.Generator().manual_seed(0)
    xs, ys = _data(np, 32, TINY_UNITS, classes=False)
    ks = kcore_model(TINY_UNITS, None, 'mse')
    ts, tsopt = torch_model(TINY_UNITS)
    txs, tys = torch.from_numpy(xs), torch.from_numpy(ys)

    # warm-up: first calls build weights, optimizer slots and caches
    kcore_mlp_round(km, x, y, batch, 5)
    torch_mlp_round(tm, topt, tx, ty, batch, 5, gen)
    kcore_tiny_round(ks, xs, ys, 50)
    torch_tiny_round(ts, tsopt, txs, tys, 50)
    results = {'mlp': {'kcore': [], 'torch': []}, 'tiny': {'kcore': [], 'torch': []}}
    for _ in range(rounds):
        results['mlp']['kcore'].append(kcore_mlp_round(km, x, y, batch, steps))
        results['mlp']['torch'].append(torch_mlp_round(tm, topt, tx, ty, batch, steps, gen))
        results['tiny']['kcore'].append(kcore_tiny_round(ks, xs, ys, steps * 5))
        results['tiny']['torch'].append(torch_tiny_round(ts, tsopt, txs, tys, steps * 5))
    summary = {}
    for case, r in results.items():
        k, t = statistics.median(r['kcore']), statistics.median(r['torch'])
        summary[case] = {'kcore_s': k, 'torch_s': t, 'ratio': k / t, 'rounds_kcore_s': r['kcore'],
                         'rounds_torch_s': r['torch']}
    summary['config'] = {'rounds': rounds, 'steps_per_round': steps, 'threads': threads, 'batch': batch,
                         'numpy': np.__version__, 'torch': torch.__version__, 'python': sys.version.split()[0]}
    return summary


def profile(steps, threads, batch=128, top=25):
    """cProfile of kcore's MLP training steps, by file and by function."""
    import numpy as np
    import kcore
    kcore.utils.set_random_seed(0)
    x, y = _data(np, batch * steps, MLP_UNITS)
    model = kcore_model(MLP_UNITS, 'softmax', 'categorical_crossentropy')
    kcore_mlp_round(model, x, y, batch, 5)
    fit_profile('MLP', model, x, y, batch, steps, top)


def main(argv=None):
    args = parser(__doc__.splitlines()[0], 40, 'steps per round (tiny: 5x as many)').parse_args(argv)
    limit_threads(args.threads)
    use_clock(args.clock)
    if args.profile:
        profile(args.steps, args.threads)
        return
    summary = run(args.rounds, args.steps, args.threads)
    if args.json:
        print(json.dumps(summary, indent=2))
        return
    cfg = summary['config']
    print('kcore vs PyTorch eager, %d thread(s), median of %d rounds x %d steps (numpy %s, torch %s)'
          % (cfg['threads'], cfg['rounds'], cfg['steps_per_round'], cfg['numpy'], cfg['torch']))
    print('%-44s %12s %12s %8s %6s' % ('case', 'kcore', 'PyTorch', 'ratio', 'goal'))
    rows = (('mlp', 'MLP 784-512-512-10, batch 128, Adam (fit)', 1.0, 1e3, 'ms'),
            ('tiny', 'Dense 10-10-1, batch 32 (train_on_batch)', 2.0, 1e6, 'us'))
    for case, label, goal, scale, unit in rows:
        r = summary[case]
        print('%-44s %9.3f %s %9.3f %s %8.2f %6s' % (label, r['kcore_s'] * scale, unit, r['torch_s'] * scale, unit,
                                                   r['ratio'], '<=%.1f' % goal))


if __name__ == '__main__':
    main()
