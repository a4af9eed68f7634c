"""Data-parallel training over MPI (kcore-mpi): throughput at 1 and 2 ranks, and the
time of one all-reduce against the message size.

    .venv/bin/python benchmarks/bench_mpi.py                 # table, median of 5 interleaved rounds
    .venv/bin/python benchmarks/bench_mpi.py --json > m.json # the figures docs/distributed.md is made from
    .venv/bin/python benchmarks/bench_mpi.py --resnet50      # also ResNet50's compute per sample (slow)

The script launches itself with ``mpiexec -n 1`` and ``mpiexec -n 2``, rounds
interleaved so that load from other processes hits both alike.  Each rank has one
BLAS thread.

- ``mlp``: Dense 784-512-512-10, Adam, global batch 128 (bench_mlp.py's model);
  ``cnn``: Conv2D(32)-Conv2D(64)-MaxPool-Dense(128)-Dense(10) on 28x28x1, SGD,
  global batch 64 (bench_cnn.py's model).  ``model.fit`` with the real loop; the
  step time is the median time between consecutive ``on_train_batch_end`` calls.
  At 2 ranks, with and without ``overlap=True`` (buckets of ``--bucket-mb``, 1 MB,
  reduced during the backward pass: 2 buckets for each, as a bucket holds whole variables).
- ``allreduce``: ``Allreduce`` of a float32 buffer of 4 KiB ... 64 MiB between 2
  ranks (median of repeats); from it, latency and bandwidth by least squares.
- ``compute``: the time per sample of a training step in one process without any
  strategy (forward, backward, update), the compute figure of the cost model in
  docs/distributed.md (``tools/gen_scaling_table.py``).
"""
import json
import os
import statistics
import subprocess
import sys
import time

from harness import limit_threads

HERE = os.path.dirname(os.path.abspath(__file__))
SIZES = [2 ** k for k in range(12, 27, 2)]  # bytes: 4 KiB .. 64 MiB


def _mpiexec():
    beside = os.path.join(os.path.dirname(sys.executable), 'mpiexec')
    return beside if os.path.exists(beside) else 'mpiexec'


# -- models ----------------------------------------------------------------------------------
def mlp():
    import kcore
    from kcore.layers import Dense
    model = kcore.Sequential([Dense(512, activation='relu', input_shape=(784,)), Dense(512, activation='relu'),
                              Dense(10, activation='softmax')])
    model.compile(kcore.optimizers.Adam(1e-3), 'categorical_crossentropy')
    return model, (784,), 128


def cnn():
    import kcore
    from kcore import layers
    model = kcore.Sequential([layers.Conv2D(32, 3, activation='relu', input_shape=(28, 28, 1)),
                              layers.Conv2D(64, 3, activation='relu'), layers.MaxPooling2D(2), layers.Flatten(),
                              layers.Dense(128, activation='relu'), layers.Dense(10, activation='softmax')])
    model.compile(kcore.optimizers.SGD(0.01), 'categorical_crossentropy')
    return model, (28, 28, 1), 64


def resnet50():
    """Keras's ResNet50 (v1, 224x224x3, 1000 classes): 25.6M parameters."""
    import kcore
    from kcore import layers as L

    def block(x, filters, stride, project):
        f1, f2, f3 = filters
        shortcut = x
        if project:
            shortcut = L.BatchNormalization()(L.Conv2D(f3, 1, strides=stride)(x))
        y = L.Activation('relu')(L.BatchNormalization()(L.Conv2D(f1, 1, strides=stride)(x)))
        y = L.Activation('relu')(L.BatchNormalization()(L.Conv2D(f2, 3, padding='same')(y)))
        y = L.BatchNormalization()(L.Conv2D(f3, 1)(y))
        return L.Activation('relu')(L.Add()([y, shortcut]))

    inputs = kcore.Input((224, 224, 3))
    x = L.ZeroPadding2D(3)(inputs)
    x = L.Activation('relu')(L.BatchNormalization()(L.Conv2D(64, 7, strides=2)(x)))
    x = L.MaxPooling2D(3, strides=2)(L.ZeroPadding2D(1)(x))
    for stage, (filters, blocks, stride) in enumerate([((64, 64, 256), 3, 1), ((128, 128, 512), 4, 2),
                                                       ((256, 256, 1024), 6, 2), ((512, 512, 2048), 3, 2)]):
        for b in range(blocks):
            x = block(x, filters, stride if b == 0 else 1, project=b == 0)
    x = L.Dense(1000, activation='softmax')(L.GlobalAveragePooling2D()(x))
    model = kcore.Model(inputs, x)
    model.compile(kcore.optimizers.SGD(0.01, momentum=0.9), 'categorical_crossentropy')
    return model, (224, 224, 3), 2


MODELS = {'mlp': mlp, 'cnn': cnn, 'resnet50': resnet50}


def _data(shape, batch, steps, classes):
    import numpy as np
    rng = np.random.default_rng(0)
    n = batch * steps
    return rng.random((n,) + shape, dtype=np.float32), np.eye(classes, dtype=np.float32)[rng.integers(0, classes, n)]


class _StepTimer:
    def __init__(self):
        import kcore
        self.callback = kcore.callbacks.LambdaCallback(on_batch_end=lambda batch, logs: self.ends.append(
            time.perf_counter()))
        self.ends = []

    def median(self):
        return statistics.median(b - a for a, b in zip(self.ends, self.ends[1:]))


# -- what one launch measures -------------------------------------------------------------
def worker(args):
    import numpy as np
    import kcore
    out = {}
    strategy = (kcore.distribute.MPIDataParallel(overlap=args.overlap, bucket_mb=args.bucket_mb)
                if args.task != 'compute' else None)
    if args.task == 'train':
        with strategy.scope():
            model, shape, batch = MODELS[args.model]()
        classes = model.output_shape[-1]
        x, y = _data(shape, batch, args.steps, classes)
        model.fit(x[:batch * 2], y[:batch * 2], batch_size=batch, epochs=1, verbose=0)  # warm up
        timer = _StepTimer()
        model.fit(x, y, batch_size=batch, epochs=1, verbose=0, callbacks=[timer.callback])
        out = {'step_s': timer.median(), 'samples_per_s': batch / timer.median()}
    elif args.task == 'allreduce':
        from mpi4py import MPI
        for size in SIZES:
            buf = np.ones(size // 4, dtype=np.float32)
            times = []
            for _ in range(max(3, min(50, 2 ** 24 // size))):
                strategy.comm.Barrier()
                start = time.perf_counter()
                strategy.comm.Allreduce(MPI.IN_PLACE, buf, op=MPI.SUM)
                times.append(time.perf_counter() - start)
            out[str(size)] = statistics.median(times)
    else:  # compute: one process, no strategy
        model, shape, batch = MODELS[args.model]()
        classes = model.output_shape[-1]
        x, y = _data(shape, batch, args.steps, classes)
        model.train_on_batch(x[:batch], y[:batch])  # warm up
        timer = _StepTimer()
        model.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=False, callbacks=[timer.callback])
        params = int(sum(np.prod(w.shape) for w in model.trainable_weights))
        out = {'per_sample_s': timer.median() / batch, 'params': params, 'batch': batch}
    if strategy is None or strategy.rank == 0:
        print('RESULT ' + json.dumps(out))


def launch(ranks, *args):
    env = dict(os.environ)
    cmd = [_mpiexec(), '-n', str(ranks), sys.executable, os.path.abspath(__file__), '--worker'] + list(args)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, env=env)
    if proc.returncode != 0:
        raise RuntimeError('%s failed:\n%s%s' % (' '.join(cmd), proc.stdout, proc.stderr))
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith('RESULT ')][-1]
    return json.loads(line[len('RESULT '):])


def fit_link(times):
    """Latency (s) and bandwidth (bytes/s) of the 2-rank all-reduce, by least squares on t = a + b * bytes."""
    import numpy as np
    sizes = np.array([int(s) for s in times], dtype=float)
    t = np.array([times[s] for s in times])
    b, a = np.polyfit(sizes, t, 1)
    return max(a, 0.0), 1.0 / b


def main():
    import argparse
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--rounds', type=int, default=5)
    p.add_argument('--steps', type=int, default=20)
    p.add_argument('--json', action='store_true')
    p.add_argument('--resnet50', action='store_true', help='also time ResNet50 (about a minute)')
    p.add_argument('--worker', action='store_true', help=argparse.SUPPRESS)
    p.add_argument('--task', default='train', help=argparse.SUPPRESS)
    p.add_argument('--model', default='mlp', help=argparse.SUPPRESS)
    p.add_argument('--overlap', action='store_true', help=argparse.SUPPRESS)
    p.add_argument('--bucket-mb', type=float, default=1.0, help='bucket size of the overlap runs')
    args = p.parse_args()
    limit_threads(1)
    if args.worker:
        return worker(args)
    steps = str(args.steps)
    runs = {}
    for _ in range(args.rounds):
        for model in ('mlp', 'cnn'):
            for key, ranks, extra in ((model + ' 1 rank', 1, []), (model + ' 2 ranks', 2, []),
                                      (model + ' 2 ranks overlap', 2, ['--overlap', '--bucket-mb',
                                                                      str(args.bucket_mb)])):
                runs.setdefault(key, []).append(launch(ranks, '--model', model, '--steps', steps, *extra))
        runs.setdefault('allreduce', []).append(launch(2, '--task', 'allreduce'))
    train = {k: statistics.median(r['samples_per_s'] for r in v) for k, v in runs.items() if k != 'allreduce'}
    allreduce = {s: statistics.median(r[str(s)] for r in runs['allreduce']) for s in SIZES}
    latency, bandwidth = fit_link({str(s): t for s, t in allreduce.items()})
    compute = {m: launch(1, '--task', 'compute', '--model', m, '--steps', '10') for m in ('mlp', 'cnn')}
    if args.resnet50:
        compute['resnet50'] = launch(1, '--task', 'compute', '--model', 'resnet50', '--steps', '3')
    result = {'samples_per_s': train, 'allreduce_s': {str(s): t for s, t in allreduce.items()},
              'allreduce_fit': {'latency_s': latency, 'bandwidth_Bps': bandwidth}, 'compute': compute}
    if args.json:
        print(json.dumps(result, indent=1))
        return
    print('samples/s (median of %d rounds, global batch: mlp 128, cnn 64)' % args.rounds)
    for key, value in train.items():
        print('  %-22s %9.0f' % (key, value))
    print('all-reduce between 2 ranks (median):')
    for s, t in allreduce.items():
        print('  %9d bytes  %9.1f us  %7.2f GB/s (bus)' % (s, 1e6 * t, s / t / 1e9))
    print('  fit: latency %.1f us, bandwidth %.2f GB/s' % (1e6 * latency, bandwidth / 1e9))
    for m, c in compute.items():
        print('compute %-8s %8.3f ms/sample, %d parameters' % (m, 1e3 * c['per_sample_s'], c['params']))


if __name__ == '__main__':
    main()
