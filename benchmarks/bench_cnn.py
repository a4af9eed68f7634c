"""kcore (+ kcore-conv) against PyTorch on a small CNN, same machine, same run, same threads.

    .venv/bin/python benchmarks/bench_cnn.py                 # table, 7 rounds
    .venv/bin/python benchmarks/bench_cnn.py --rounds 11 --threads 2 --json

The model (issue 6): Conv2D(32, 3, relu) -> Conv2D(64, 3, relu) -> MaxPooling2D(2)
-> Flatten -> Dense(128, relu) -> Dense(10, softmax) on 28x28x1 inputs, float32,
Adam.  Each framework uses its native layout (kcore channels_last, PyTorch
NCHW) and its idiomatic loss (kcore: softmax + categorical cross-entropy;
PyTorch: logits + CrossEntropyLoss, which is the same function).

What is measured:

- ``train step``: one optimiser step on a batch of 128 (forward, loss, backward,
  Adam update); kcore through ``model.train_on_batch``, PyTorch through the
  usual zero_grad/forward/backward/step loop.  A round times ``--steps`` steps
  and reports the time per step (``--steps``, default 5).
- ``inference``: samples per second of one forward pass on a batch of 512
  (kcore ``predict_on_batch``, PyTorch ``model(x)`` under ``no_grad``), timed over
  ``--infer-calls`` batches (default 3) per round.
- ``peak memory``: each framework in its own subprocess, so neither sees the
  other's allocations: the high-water RSS increase (``VmHWM``, reset before the
  first step) over the RSS before the first step, for training (``--steps`` steps) and for inference.
  For kcore also tracemalloc's peak of NumPy's buffers during one training
  step (NumPy reports its data allocations to tracemalloc), with kcore-conv's
  output-buffer cache emptied first so that the step's arrays are allocated anew.

Rounds interleave kcore and PyTorch, so load from other processes hits both
alike; each timed block follows one untimed call of the same kind (the other
framework's idle threads spin for a while after it returns: PyTorch's OpenMP
threads, OpenBLAS's).  The table shows the median over rounds (and the min/max
spread).
Both frameworks get the same thread count (``--threads``, default: all cores)
through OMP/OpenBLAS/MKL environment variables set before import and
``torch.set_num_threads``.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

from harness import add_clock_argument, limit_threads, peak_rss_bytes, per_call, reset_peak_rss, rss_bytes, use_clock

BATCH = 128
INFER_BATCH = 512


def _data(batch, seed=0):
    import numpy as np
    rng = np.random.default_rng(seed)
    x = rng.random((batch, 28, 28, 1), dtype=np.float32)
    labels = rng.integers(0, 10, size=batch)
    y = np.eye(10, dtype=np.float32)[labels]
    return x, y, labels


# -- the two models ------------------------------------------------------------------
def kcore_model():
    import kcore
    from kcore import layers
    model = kcore.models.Sequential([
        layers.Input((28, 28, 1)),
        layers.Conv2D(32, 3, activation='relu'),
        layers.Conv2D(64, 3, activation='relu'),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dense(128, activation='relu'),
        layers.Dense(10, activation='softmax'),
    ])
    model.compile(optimizer='adam', loss='categorical_crossentropy')
    x, y, _ = _data(BATCH)
    xi, _, _ = _data(INFER_BATCH, seed=1)

    def train_step():
        model.train_on_batch(x, y)

    def infer():
        model.predict_on_batch(xi)
    return train_step, infer


def torch_model(threads):
    import numpy as np
    import torch
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    nn = torch.nn
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(),
        nn.Conv2d(32, 64, 3), nn.ReLU(),
        nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(64 * 12 * 12, 128), nn.ReLU(),
        nn.Linear(128, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    x, _, labels = _data(BATCH)
    x = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
    labels = torch.from_numpy(labels)
    xi = torch.from_numpy(np.ascontiguousarray(_data(INFER_BATCH, seed=1)[0].transpose(0, 3, 1, 2)))

    def train_step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), labels)
        loss.backward()
        opt.step()

    def infer():
        with torch.no_grad():
            model(xi)
    return train_step, infer


# -- timing --------------------------------------------------------------------------------
def time_both(rounds, steps, infer_calls, threads):
    k_train, k_infer = kcore_model()
    t_train, t_infer = torch_model(threads)
    for fn in (k_train, t_train, k_infer, t_infer):  # warm-up: first calls allocate and build
        fn()
        fn()
    results = {'kcore': {'train': [], 'infer': []}, 'torch': {'train': [], 'infer': []}}
    for _ in range(rounds):
        for name, train, infer in (('kcore', k_train, k_infer), ('torch', t_train, t_infer)):
            train()  # untimed: the other framework's idle threads may still be spinning
            results[name]['train'].append(per_call(train, steps))
            infer()
            results[name]['infer'].append(INFER_BATCH / per_call(infer, infer_calls))
    return results


# -- memory, one framework per subprocess ---------------------------------------------------
def memory_child(framework, what, steps, threads):
    """Runs in a subprocess: prints the RSS high-water increase (and tracemalloc's peak for kcore)."""
    import gc
    train, infer = kcore_model() if framework == 'kcore' else torch_model(threads)
    fn = train if what == 'train' else infer
    gc.collect()
    before = rss_bytes()
    reset_peak_rss()  # earlier transients (imports, model building) must not hide the steps' peak
    for _ in range(steps):
        fn()
    out = {'rss_delta': max(0, peak_rss_bytes() - before)}
    if framework == 'kcore':
        import tracemalloc
        from kcore_conv import buffers
        tracemalloc.start()
        fn()
        buffers.clear()  # the step's outputs must be allocated (and traced), not taken from the cache
        tracemalloc.reset_peak()
        fn()
        out['tracemalloc_peak'] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    print(json.dumps(out))


def measure_memory(steps, threads, repeats):
    out = {}
    for framework in ('kcore', 'torch'):
        for what in ('train', 'infer'):
            runs = []
            for _ in range(repeats):
                cmd = [sys.executable, __file__, '--memory-child', framework, what, '--steps', str(steps),
                       '--threads', str(threads)]
                res = subprocess.run(cmd, capture_output=True, text=True, check=True)
                runs.append(json.loads(res.stdout.strip().splitlines()[-1]))
            out['%s_%s' % (framework, what)] = {
                key: statistics.median(r[key] for r in runs) for key in runs[0]}
    return out


# -- report ---------------------------------------------------------------------------------
def _summary(values):
    return {'median': statistics.median(values), 'min': min(values), 'max': max(values)}


def _memory_ratio(memory, what):
    return memory['kcore_' + what]['rss_delta'] / max(1, memory['torch_' + what]['rss_delta'])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--rounds', type=int, default=7)
    parser.add_argument('--steps', type=int, default=5, help='training steps per round')
    parser.add_argument('--infer-calls', type=int, default=3, help='inference batches per round')
    parser.add_argument('--threads', type=int, default=os.cpu_count())
    parser.add_argument('--memory-repeats', type=int, default=3)
    parser.add_argument('--json', action='store_true')
    add_clock_argument(parser)
    parser.add_argument('--memory-child', nargs=2, metavar=('FRAMEWORK', 'WHAT'), help=argparse.SUPPRESS)
    opts = parser.parse_args(argv)
    limit_threads(opts.threads)
    use_clock(opts.clock)
    if opts.memory_child:
        memory_child(opts.memory_child[0], opts.memory_child[1], opts.steps, opts.threads)
        return
    timing = time_both(opts.rounds, opts.steps, opts.infer_calls, opts.threads)
    memory = measure_memory(opts.steps, opts.threads, opts.memory_repeats)
    report = {
        'threads': opts.threads, 'rounds': opts.rounds, 'steps': opts.steps,
        'train_step_s': {k: _summary(v['train']) for k, v in timing.items()},
        'inference_samples_per_s': {k: _summary(v['infer']) for k, v in timing.items()},
        'memory_bytes': memory,
    }
    tr, inf = report['train_step_s'], report['inference_samples_per_s']
    report['ratios'] = {
        'train_step_time_kcore_over_torch': tr['kcore']['median'] / tr['torch']['median'],
        'inference_throughput_torch_over_kcore': inf['torch']['median'] / inf['kcore']['median'],
        'train_peak_rss_kcore_over_torch': _memory_ratio(memory, 'train'),
        'infer_peak_rss_kcore_over_torch': _memory_ratio(memory, 'infer'),
    }
    if opts.json:
        print(json.dumps(report, indent=2))
        return
    mb = 2 ** 20
    print('CNN benchmark: batch %d train, %d inference, %d threads, %d rounds x %d steps (median [min-max])'
          % (BATCH, INFER_BATCH, opts.threads, opts.rounds, opts.steps))
    for name in ('kcore', 'torch'):
        t, i = tr[name], inf[name]
        print('  %-6s train step %7.1f ms [%.1f-%.1f]   inference %8.0f samples/s [%.0f-%.0f]'
              % (name, t['median'] * 1e3, t['min'] * 1e3, t['max'] * 1e3, i['median'], i['min'], i['max']))
    for key, m in memory.items():
        extra = ('   tracemalloc peak %.1f MiB' % (m['tracemalloc_peak'] / mb)) if 'tracemalloc_peak' in m else ''
        print('  peak RSS increase %-12s %7.1f MiB%s' % (key, m['rss_delta'] / mb, extra))
    r = report['ratios']
    print('  ratios: train time %.2fx (goal <= 1.5), inference %.2fx (goal <= 1.5), '
          'train memory %.2fx, inference memory %.2fx (goal <= 2)'
          % (r['train_step_time_kcore_over_torch'], r['inference_throughput_torch_over_kcore'],
             r['train_peak_rss_kcore_over_torch'], r['infer_peak_rss_kcore_over_torch']))


if __name__ == '__main__':
    main()
