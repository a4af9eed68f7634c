"""LSTM training throughput of kcore beside PyTorch eager, in the same process, on the same data.

    .venv/bin/python benchmarks/bench_lstm.py                # table, median of 7 rounds
    .venv/bin/python benchmarks/bench_lstm.py --rounds 11 --json
    .venv/bin/python benchmarks/bench_lstm.py --profile      # where kcore's step spends its time

The model of issue 8 (IMDB-style sentiment): Embedding(20000, 128) -> LSTM(128) ->
Dense(1, sigmoid) on sequences of 80 word ids, batch 64, Adam (lr 1e-3), binary
crossentropy; float32 on the CPU, both frameworks on ``--threads`` threads (1 by
default: the machine is shared; NumPy's BLAS is limited through the environment
before NumPy is imported).

- kcore runs ``model.fit`` (arrays, shuffled batches, callbacks, the running loss:
  the real loop); a step is the time between consecutive ``on_train_batch_end``
  calls.
- PyTorch runs the idiomatic eager loop over shuffled batches: ``nn.Embedding``,
  ``nn.LSTM(batch_first=True)`` (its fused CPU kernel), ``nn.Linear``, then
  ``BCEWithLogitsLoss`` (the sigmoid fused into the loss), ``backward``,
  ``Adam.step()`` and ``loss.item()``.

Rounds interleave kcore and PyTorch, so load from other processes hits both
alike; each round times ``--steps`` steps and keeps their median; the table shows
the median over rounds and the ratio kcore / PyTorch (goal: <= 1.5).
"""
import json
import statistics
import sys

from harness import fit_profile, limit_threads, now, parser, use_clock

VOCAB, EMBED, UNITS, STEPS, BATCH = 20000, 128, 128, 80, 64


def _data(np, n, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(1, VOCAB, (n, STEPS)).astype(np.int32)
    y = rng.integers(0, 2, (n, 1)).astype(np.float32)
    return x, y


# -- kcore ------------------------------------------------------------------------------------------
def kcore_model():
    import kcore
    from kcore.layers import LSTM, Dense, Embedding
    model = kcore.models.Sequential([kcore.Input(shape=(STEPS,), dtype='int32'), Embedding(VOCAB, EMBED),
                                     LSTM(UNITS), Dense(1, activation='sigmoid')])
    model.compile(optimizer=kcore.optimizers.Adam(learning_rate=1e-3), loss='binary_crossentropy')
    return model


def step_timer():
    """A callback recording the time between consecutive training steps."""
    from kcore.callbacks import Callback

    class StepTimer(Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.last = now()
            self.times = []

        def on_train_batch_end(self, batch, logs=None):
            stamp = now()
            self.times.append(stamp - self.last)
            self.last = stamp
    return StepTimer()


def kcore_round(model, x, y, steps):
    timer = step_timer()
    model.fit(x, y, batch_size=BATCH, epochs=1, steps_per_epoch=steps, verbose=0, callbacks=[timer])
    return statistics.median(timer.times)


# -- PyTorch -------------------------------------------------------------------------------------------
def torch_model():
    import torch

    class Sentiment(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = torch.nn.Embedding(VOCAB, EMBED)
            self.lstm = torch.nn.LSTM(EMBED, UNITS, batch_first=True)
            self.out = torch.nn.Linear(UNITS, 1)

        def forward(self, ids):
            _, (h, _) = self.lstm(self.embed(ids))
            return self.out(h[0])
    model = Sentiment()
    return model, torch.optim.Adam(model.parameters(), lr=1e-3)


def torch_round(model, opt, x, y, steps, generator):
    import torch
    loss_fn = torch.nn.BCEWithLogitsLoss()
    perm = torch.randperm(len(x), generator=generator)
    times = []
    for i in range(steps):
        t = now()
        idx = perm[i * BATCH:(i + 1) * BATCH]
        xb, yb = x[idx], y[idx]
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        loss.item()  # kcore's loop reads the loss every step too
        times.append(now() - t)
    return statistics.median(times)


# -- driver ------------------------------------------------------------------------------------------------
def run(rounds, steps, threads):
    import numpy as np
    import torch
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    import kcore
    kcore.utils.set_random_seed(0)

    x, y = _data(np, BATCH * steps)
    km = kcore_model()
    tm, topt = torch_model()
    tx, ty = torch.from_numpy(x.astype(np.int64)), torch.from_numpy(y)
    gen = torch.Generator().manual_seed(0)
    kcore_round(km, x, y, 3)  # warm-up: weights, optimizer slots, caches
    torch_round(tm, topt, tx, ty, 3, gen)
    kcore_s, torch_s = [], []
    for _ in range(rounds):
        kcore_s.append(kcore_round(km, x, y, steps))
        torch_s.append(torch_round(tm, topt, tx, ty, steps, gen))
    k, t = statistics.median(kcore_s), statistics.median(torch_s)
    return {'kcore_s': k, 'torch_s': t, 'ratio': k / t, 'rounds_kcore_s': kcore_s, 'rounds_torch_s': torch_s,
            'ratio_per_round': [a / b for a, b in zip(kcore_s, torch_s)],
            'config': {'rounds': rounds, 'steps_per_round': steps, 'threads': threads, 'batch': BATCH,
                       'numpy': np.__version__, 'torch': torch.__version__, 'python': sys.version.split()[0]}}


def profile(steps, top=20):
    """cProfile of kcore's training steps, by file and by function."""
    import numpy as np
    import kcore
    kcore.utils.set_random_seed(0)
    x, y = _data(np, BATCH * steps)
    model = kcore_model()
    kcore_round(model, x, y, 3)
    fit_profile('LSTM', model, x, y, BATCH, steps, top)


def main(argv=None):
    args = parser(__doc__.splitlines()[0], 10).parse_args(argv)
    limit_threads(args.threads)
    use_clock(args.clock)
    if args.profile:
        profile(args.steps)
        return
    r = run(args.rounds, args.steps, args.threads)
    if args.json:
        print(json.dumps(r, indent=2))
        return
    cfg = r['config']
    print('kcore vs PyTorch eager, %d thread(s), median of %d rounds x %d steps (numpy %s, torch %s)'
          % (cfg['threads'], cfg['rounds'], cfg['steps_per_round'], cfg['numpy'], cfg['torch']))
    print('%-62s %10s %10s %6s %5s' % ('case', 'kcore', 'PyTorch', 'ratio', 'goal'))
    print('%-62s %7.1f ms %7.1f ms %6.2f %5s' % (
        'Embedding(20000,128)-LSTM(128)-Dense(1), len 80, batch 64, Adam', 1e3 * r['kcore_s'],
        1e3 * r['torch_s'], r['ratio'], '<=1.5'))
    print('ratio per round: %s' % ', '.join('%.2f' % v for v in r['ratio_per_round']))


if __name__ == '__main__':
    main()
