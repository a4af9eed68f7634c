"""BatchNorm CNNs, kcore (+ kcore-conv) beside PyTorch: train step and peak memory.

    .venv/bin/python benchmarks/bench_bn_cnn.py                       # both models, 1 thread
    .venv/bin/python benchmarks/bench_bn_cnn.py --threads 2
    .venv/bin/python benchmarks/bench_bn_cnn.py --model resnet20 --json
    .venv/bin/python benchmarks/bench_bn_cnn.py --model bn_cnn --profile

Two models (issue 16) on CIFAR-shaped data (32x32x3, 10 classes), float32,
batch 64, Adam:

- ``bn_cnn``: [Conv2D(32, 3, 'same') - BatchNormalization - ReLU] x 2 ->
  MaxPooling2D(2) -> Conv2D(64, 3, 'same') - BatchNormalization - ReLU ->
  GlobalAveragePooling2D -> Dense(10): the shape of most small modern models.
- ``resnet20``: He et al.'s CIFAR ResNet-20: a 3x3 conv of 16 filters, three
  stages of three basic blocks (16, 32, 64 filters; two 3x3 conv-BN pairs and
  an identity shortcut each; the first block of stages 2 and 3 has stride 2 and
  a 1x1 conv-BN projection shortcut), global average pooling, Dense(10).
  Convolutions without bias, as BatchNormalization follows each.

kcore runs ``train_on_batch`` (softmax + categorical cross-entropy), PyTorch
its eager loop (logits + ``CrossEntropyLoss``, the same function), each in its
native layout (channels_last / NCHW).  Rounds interleave the two frameworks; each
timed block follows one untimed step (the other framework's idle threads may
still be spinning).  Peak memory: each framework alone in a subprocess, the
high-water RSS (VmHWM, reset before the first step) over the RSS before it,
median of ``--memory-repeats`` subprocesses.  Both frameworks get ``--threads``
threads (OMP/OpenBLAS/MKL variables before import, ``torch.set_num_threads``).

``flops`` is the multiply-adds x 2 of the convolutions and Dense layers, times 3
for a training step (forward, input gradient, weight gradient; the first layer's
input gradient is counted too, as a simple upper figure); GFLOP/s is that over
the median step time, to compare against the machine's GEMM ceiling
(``--gemm-ceiling``: a float32 NumPy GEMM at the same thread count).
"""
import argparse
import json
import statistics
import subprocess
import sys

from harness import (add_clock_argument, fit_profile, limit_threads, now, peak_rss_bytes, per_call,
                     reset_peak_rss, rss_bytes, use_clock)

BATCH, SIZE, CLASSES = 64, 32, 10
MODELS = ('bn_cnn', 'resnet20')


def _data(batch=BATCH, seed=0):
    import numpy as np
    rng = np.random.default_rng(seed)
    x = rng.random((batch, SIZE, SIZE, 3), dtype=np.float32)
    labels = rng.integers(0, CLASSES, size=batch)
    return x, np.eye(CLASSES, dtype=np.float32)[labels], labels


# -- the architectures, as (kind, arguments) so that both frameworks build the same one and FLOPs are counted once
def _bn_cnn_plan():
    return [('conv', 3, 32, 3, 1, True), ('bn', 32), ('relu',),
            ('conv', 32, 32, 3, 1, True), ('bn', 32), ('relu',),
            ('maxpool',),
            ('conv', 32, 64, 3, 1, True), ('bn', 64), ('relu',),
            ('gap',), ('dense', 64, CLASSES)]


def _resnet20_blocks():
    """(in_channels, filters, stride) of the nine basic blocks."""
    out, cin = [], 16
    for stage, filters in enumerate((16, 32, 64)):
        for i in range(3):
            stride = 2 if (stage > 0 and i == 0) else 1
            out.append((cin, filters, stride))
            cin = filters
    return out


def flops(model):
    """Forward multiply-adds x 2 of the convolutions and Dense layers, for one batch."""
    total, size = 0, SIZE
    if model == 'bn_cnn':
        for layer in _bn_cnn_plan():
            if layer[0] == 'conv':
                total += 2 * size * size * layer[1] * layer[2] * layer[3] ** 2
            elif layer[0] == 'maxpool':
                size //= 2
            elif layer[0] == 'dense':
                total += 2 * layer[1] * layer[2]
        return total * BATCH
    total += 2 * size * size * 3 * 16 * 9
    for cin, filters, stride in _resnet20_blocks():
        size //= stride
        total += 2 * size * size * (cin * filters * 9 + filters * filters * 9)
        if stride != 1 or cin != filters:
            total += 2 * size * size * cin * filters
    total += 2 * 64 * CLASSES
    return total * BATCH


def kcore_model(model):
    import kcore
    from kcore import layers

    def conv_bn(t, filters, kernel, stride, relu=True):
        t = layers.Conv2D(filters, kernel, strides=stride, padding='same', use_bias=False)(t)
        t = layers.BatchNormalization()(t)
        return layers.Activation('relu')(t) if relu else t

    inputs = layers.Input((SIZE, SIZE, 3))
    if model == 'bn_cnn':
        t = inputs
        for layer in _bn_cnn_plan():
            if layer[0] == 'conv':
                t = layers.Conv2D(layer[2], layer[3], padding='same')(t)
            elif layer[0] == 'bn':
                t = layers.BatchNormalization()(t)
            elif layer[0] == 'relu':
                t = layers.Activation('relu')(t)
            elif layer[0] == 'maxpool':
                t = layers.MaxPooling2D(2)(t)
            elif layer[0] == 'gap':
                t = layers.GlobalAveragePooling2D()(t)
    else:
        t = conv_bn(inputs, 16, 3, 1)
        for cin, filters, stride in _resnet20_blocks():
            shortcut = t
            if stride != 1 or cin != filters:
                shortcut = conv_bn(t, filters, 1, stride, relu=False)
            t = conv_bn(conv_bn(t, filters, 3, stride), filters, 3, 1, relu=False)
            t = layers.Activation('relu')(layers.Add()([t, shortcut]))
        t = layers.GlobalAveragePooling2D()(t)
    outputs = layers.Dense(CLASSES, activation='softmax')(t)
    net = kcore.models.Model(inputs, outputs)
    net.compile(optimizer=kcore.optimizers.Adam(learning_rate=1e-3), loss='categorical_crossentropy')
    return net


def torch_model(model, threads):
    import numpy as np
    import torch
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    nn = torch.nn

    def conv_bn(cin, filters, kernel, stride, relu=True):
        mods = [nn.Conv2d(cin, filters, kernel, stride, padding=kernel // 2, bias=False), nn.BatchNorm2d(filters)]
        return nn.Sequential(*(mods + [nn.ReLU()] if relu else mods))

    class Block(nn.Module):
        def __init__(self, cin, filters, stride):
            super().__init__()
            self.body = nn.Sequential(conv_bn(cin, filters, 3, stride), conv_bn(filters, filters, 3, 1, relu=False))
            self.shortcut = (conv_bn(cin, filters, 1, stride, relu=False) if stride != 1 or cin != filters
                             else nn.Identity())

        def forward(self, x):
            return torch.relu(self.body(x) + self.shortcut(x))

    if model == 'bn_cnn':
        mods = []
        for layer in _bn_cnn_plan():
            if layer[0] == 'conv':
                mods.append(nn.Conv2d(layer[1], layer[2], layer[3], padding=1))
            elif layer[0] == 'bn':
                mods.append(nn.BatchNorm2d(layer[1]))
            elif layer[0] == 'relu':
                mods.append(nn.ReLU())
            elif layer[0] == 'maxpool':
                mods.append(nn.MaxPool2d(2))
            elif layer[0] == 'gap':
                mods += [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
            else:
                mods.append(nn.Linear(layer[1], layer[2]))
        net = nn.Sequential(*mods)
    else:
        net = nn.Sequential(conv_bn(3, 16, 3, 1), *[Block(*b) for b in _resnet20_blocks()],
                            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, CLASSES))
    net.train()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    x, _, labels = _data()
    x = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
    labels = torch.from_numpy(labels)

    def train_step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(net(x), labels)
        loss.backward()
        opt.step()
    return train_step


def kcore_step(model):
    net = kcore_model(model)
    x, y, _ = _data()
    return lambda: net.train_on_batch(x, y)


# -- timing, memory --------------------------------------------------------------------------
def time_both(models, rounds, steps, threads):
    fns = {m: (kcore_step(m), torch_model(m, threads)) for m in models}
    for k, t in fns.values():  # warm-up: weights, optimizer slots, buffer caches
        k(), k(), t(), t()
    results = {m: {'kcore': [], 'torch': []} for m in models}
    for _ in range(rounds):
        for m, (k, t) in fns.items():
            for name, fn in (('kcore', k), ('torch', t)):
                fn()  # untimed: the other framework's idle threads may still be spinning
                results[m][name].append(per_call(fn, steps))
    return results


def memory_child(framework, model, steps, threads):
    """Runs in a subprocess: prints the RSS high-water increase over the training steps, the
    first included (it creates the optimizer slots and the frameworks' buffer caches)."""
    import gc
    fn = kcore_step(model) if framework == 'kcore' else torch_model(model, threads)
    gc.collect()
    before = rss_bytes()
    reset_peak_rss()
    for _ in range(steps):
        fn()
    print(json.dumps({'rss_delta': max(0, peak_rss_bytes() - before), 'rss_before': before}))


def measure_memory(models, steps, threads, repeats):
    out = {}
    for m in models:
        for framework in ('kcore', 'torch'):
            runs = []
            for _ in range(repeats):
                cmd = [sys.executable, __file__, '--memory-child', framework, m, '--steps', str(steps),
                       '--threads', str(threads)]
                res = subprocess.run(cmd, capture_output=True, text=True, check=True)
                runs.append(json.loads(res.stdout.strip().splitlines()[-1])['rss_delta'])
            out.setdefault(m, {})[framework] = statistics.median(runs)
    return out


def gemm_ceiling(threads, n=1024, repeats=7):
    """GFLOP/s of a float32 NumPy GEMM (n x n), median of ``repeats``, by the chosen clock."""
    import numpy as np
    a = np.random.default_rng(0).random((n, n), dtype=np.float32)
    b = a.T.copy()
    a @ b
    times = []
    for _ in range(repeats):
        t = now()
        a @ b
        times.append(now() - t)
    return 2 * n ** 3 / statistics.median(times) / 1e9


def profile(model, steps):
    import kcore
    kcore.utils.set_random_seed(0)
    net = kcore_model(model)
    x, y, _ = _data(BATCH * steps)
    net.fit(x[:BATCH * 2], y[:BATCH * 2], batch_size=BATCH, epochs=1, verbose=0)
    fit_profile(model, net, x, y, BATCH, steps)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--model', choices=MODELS + ('all',), default='all')
    p.add_argument('--rounds', type=int, default=7)
    p.add_argument('--steps', type=int, default=3, help='training steps per round')
    p.add_argument('--threads', type=int, default=1)
    add_clock_argument(p)
    p.add_argument('--memory-repeats', type=int, default=3, help='subprocesses per memory figure (0: skip)')
    p.add_argument('--gemm-ceiling', action='store_true', help='also measure the NumPy float32 GEMM ceiling')
    p.add_argument('--json', action='store_true')
    p.add_argument('--profile', action='store_true', help="cProfile of kcore's training steps instead")
    p.add_argument('--memory-child', nargs=2, metavar=('FRAMEWORK', 'MODEL'), help=argparse.SUPPRESS)
    opts = p.parse_args(argv)
    limit_threads(opts.threads)
    use_clock(opts.clock)
    models = MODELS if opts.model == 'all' else (opts.model,)
    if opts.memory_child:
        memory_child(opts.memory_child[0], opts.memory_child[1], opts.steps, opts.threads)
        return
    if opts.profile:
        for m in models:
            profile(m, max(opts.steps, 5))
        return
    ceiling = gemm_ceiling(opts.threads) if opts.gemm_ceiling else None
    timing = time_both(models, opts.rounds, opts.steps, opts.threads)
    memory = measure_memory(models, opts.steps, opts.threads, opts.memory_repeats) if opts.memory_repeats else {}
    report = {'threads': opts.threads, 'rounds': opts.rounds, 'steps': opts.steps, 'batch': BATCH, 'clock': opts.clock,
              'gemm_ceiling_gflops': ceiling, 'models': {}}
    for m in models:
        k, t = statistics.median(timing[m]['kcore']), statistics.median(timing[m]['torch'])
        r = {'kcore_s': k, 'torch_s': t, 'ratio': k / t, 'gflop': flops(m) * 3 / 1e9,
             'kcore_gflops': flops(m) * 3 / k / 1e9, 'torch_gflops': flops(m) * 3 / t / 1e9,
             'ratio_per_round': [a / b for a, b in zip(timing[m]['kcore'], timing[m]['torch'])]}
        if m in memory:
            r['peak_rss_bytes'] = memory[m]
            r['memory_ratio'] = memory[m]['kcore'] / max(1, memory[m]['torch'])
        report['models'][m] = r
    if opts.json:
        print(json.dumps(report, indent=2))
        return
    print('BatchNorm CNNs, batch %d, 32x32x3, Adam, %d thread(s), median of %d rounds x %d steps, %s time'
          % (BATCH, opts.threads, opts.rounds, opts.steps, opts.clock))
    if ceiling:
        print('NumPy float32 GEMM ceiling: %.0f GFLOP/s' % ceiling)
    for m, r in report['models'].items():
        line = ('  %-9s train step kcore %7.1f ms (%5.1f GFLOP/s)  PyTorch %7.1f ms (%5.1f GFLOP/s)  ratio %.2f'
                % (m, r['kcore_s'] * 1e3, r['kcore_gflops'], r['torch_s'] * 1e3, r['torch_gflops'], r['ratio']))
        if 'peak_rss_bytes' in r:
            mem = r['peak_rss_bytes']
            line += '   peak RSS +%.1f / +%.1f MiB (%.2f)' % (mem['kcore'] / 2 ** 20, mem['torch'] / 2 ** 20,
                                                         r['memory_ratio'])
        print(line)
        print('            ratio per round: %s' % ', '.join('%.2f' % v for v in r['ratio_per_round']))


if __name__ == '__main__':
    main()
