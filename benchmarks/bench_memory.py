"""Resident memory across a long ``fit``: does anything grow from epoch to epoch?

    .venv/bin/python benchmarks/bench_memory.py                    # 50 epochs, arrays
    .venv/bin/python benchmarks/bench_memory.py --data sequence    # a Sequence read on 2 worker threads
    .venv/bin/python benchmarks/bench_memory.py --epochs 100 --json

A small classifier (Dense 20-64-64-1, Adam, binary crossentropy, accuracy and
AUC, validation on 20% of 2000 samples, batch 32: 50 steps and a validation
pass per epoch) trains for ``--epochs`` epochs.  After every epoch a callback
runs the garbage collector and reads the process's resident set size from
``/proc/self/status`` (VmRSS), and counts the autodiff nodes and threads still
alive.  Leaks show up as RSS that keeps climbing after the first few epochs
(warm-up: weights, optimizer slots, NumPy's and the allocator's caches), or as
nodes/threads that outlive a step.

The summary reports RSS after epoch ``--warmup`` and at the end, the growth
between them, and the slope of a least-squares line through the post-warm-up
epochs (KiB per epoch).
"""
import argparse
import gc
import json
import threading

import numpy as np

from harness import rss_bytes


def rss_kib():
    """The resident set size of this process in KiB (Linux)."""
    return rss_bytes() // 1024


def build(seed):
    import kcore
    from kcore.layers import Dense
    from kcore.models import Sequential
    kcore.utils.set_random_seed(seed)
    model = Sequential([Dense(64, activation='relu', input_shape=(20,)), Dense(64, activation='relu'),
                        Dense(1, activation='sigmoid')])
    model.compile('adam', 'binary_crossentropy', metrics=['accuracy', kcore.metrics.AUC()])
    return model


def data(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 20)).astype('float32')
    y = (x[:, :5].sum(axis=1) > 0).astype('float32')[:, None]
    return x, y


def make_sequence(x, y, batch):
    from kcore.utils import Sequence

    class Batches(Sequence):
        def __len__(self):
            return -(-len(x) // batch)

        def __getitem__(self, i):
            return x[i * batch:(i + 1) * batch], y[i * batch:(i + 1) * batch]
    return Batches()


def run(epochs, source, batch=32, seed=0):
    from kcore.autodiff.tensor import Node
    from kcore.callbacks import Callback

    records = []

    class Probe(Callback):
        def on_epoch_end(self, epoch, logs=None):
            gc.collect()
            nodes = sum(1 for o in gc.get_objects() if type(o) is Node)
            records.append({'epoch': epoch + 1, 'rss_kib': rss_kib(), 'live_nodes': nodes,
                            'threads': threading.active_count(), 'loss': logs['loss']})

    model = build(seed)
    x, y = data(seed=seed)
    split = int(0.8 * len(x))
    start = rss_kib()
    if source == 'sequence':
        model.fit(make_sequence(x[:split], y[:split], batch), epochs=epochs, verbose=0, workers=2,
                  validation_data=make_sequence(x[split:], y[split:], batch), callbacks=[Probe()])
    else:
        model.fit(x, y, batch_size=batch, epochs=epochs, verbose=0, validation_split=0.2, callbacks=[Probe()])
    gc.collect()
    return start, records, threading.active_count()


def summarize(start, records, threads_after, warmup):
    warm = [r for r in records if r['epoch'] >= warmup]
    epochs = np.array([r['epoch'] for r in warm], dtype='float64')
    rss = np.array([r['rss_kib'] for r in warm], dtype='float64')
    slope = float(np.polyfit(epochs, rss, 1)[0]) if len(warm) > 1 else 0.0
    return {'rss_before_fit_kib': start, 'rss_after_warmup_kib': warm[0]['rss_kib'],
            'rss_final_kib': records[-1]['rss_kib'],
            'growth_after_warmup_kib': records[-1]['rss_kib'] - warm[0]['rss_kib'],
            'slope_kib_per_epoch': slope, 'max_live_nodes': max(r['live_nodes'] for r in records),
            'threads_after_fit': threads_after, 'warmup_epoch': warmup}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--epochs', type=int, default=50)
    parser.add_argument('--warmup', type=int, default=5, help='epoch after which RSS should stay flat')
    parser.add_argument('--data', choices=('arrays', 'sequence'), default='arrays')
    parser.add_argument('--json', action='store_true')
    args = parser.parse_args(argv)
    start, records, threads_after = run(args.epochs, args.data)
    summary = summarize(start, records, threads_after, min(args.warmup, args.epochs))
    if args.json:
        print(json.dumps({'summary': summary, 'epochs': records}, indent=2))
        return
    print('epoch   RSS (MiB)   live nodes   threads   loss')
    for r in records:
        print('%5d   %9.1f   %10d   %7d   %.4f' % (r['epoch'], r['rss_kib'] / 1024, r['live_nodes'], r['threads'],
                                                r['loss']))
    print('\nRSS before fit %.1f MiB; after epoch %d %.1f MiB; after epoch %d %.1f MiB: %+d KiB '
          '(least-squares slope %+.1f KiB/epoch); live autodiff nodes at most %d; threads after fit %d'
          % (summary['rss_before_fit_kib'] / 1024, summary['warmup_epoch'], summary['rss_after_warmup_kib'] / 1024,
             records[-1]['epoch'], summary['rss_final_kib'] / 1024, summary['growth_after_warmup_kib'],
             summary['slope_kib_per_epoch'], summary['max_live_nodes'], summary['threads_after_fit']))


if __name__ == '__main__':
    main()
