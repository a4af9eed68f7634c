"""kcore-applications against torchvision on PyTorch CPU: the same networks, same batch, same threads.

    .venv/bin/python benchmarks/bench_applications.py --torch-python /tmp/tv/bin/python
    .venv/bin/python benchmarks/bench_applications.py --cases mobilenet_v2_train --rounds 5 --json

Cases (batch 16, 224x224x3 images, float32, random weights, ImageNet's 1000 classes):

- ``resnet50_infer``: ``kcore.applications.ResNet50`` ``predict_on_batch`` against
  ``torchvision.models.resnet50`` in ``eval()`` under ``no_grad``;
- ``mobilenet_v2_infer``: the same for MobileNetV2 (alpha 1.0);
- ``mobilenet_v2_train``: one training step (forward with BatchNormalization in
  training mode, softmax cross-entropy, backward, Adam update); kcore
  ``train_on_batch``, PyTorch's zero_grad/forward/backward/step.

PyTorch (with torchvision) is never a kcore dependency: it runs in a worker
process started with ``--torch-python`` (a virtual environment of its own, e.g.
``python3 -m venv /tmp/tv && /tmp/tv/bin/pip install torch torchvision``), or in
this interpreter when it can import torchvision.  Rounds interleave the two
frameworks (a kcore block, then the worker's block), so load from other
processes hits both alike; each timed block follows one untimed call.  Both get
the same thread count (``--threads``, default 2) through OMP/OpenBLAS/MKL
variables set before import and ``torch.set_num_threads``.  Reported: the
median seconds per call over rounds, with the spread.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

from harness import limit_threads, per_call

BATCH, SIZE, CLASSES = 16, 224, 1000
CASES = ('resnet50_infer', 'mobilenet_v2_infer', 'mobilenet_v2_train')

_WORKER = r'''
import json, os, sys, time
import torch, torchvision
torch.set_num_threads(int(os.environ['OMP_NUM_THREADS']))
torch.manual_seed(0)
B, S, C = %d, %d, %d
x = torch.rand(B, 3, S, S)
labels = torch.randint(0, C, (B,))
made = {}

def make(case):
    if case == 'resnet50_infer':
        model = torchvision.models.resnet50(weights=None).eval()
    else:
        model = torchvision.models.mobilenet_v2(weights=None)
    if case.endswith('_infer'):
        model.eval()
        def call():
            with torch.no_grad():
                model(x)
        return call
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    def call():
        opt.zero_grad()
        loss_fn(model(x), labels).backward()
        opt.step()
    return call

for line in sys.stdin:
    cmd = json.loads(line)
    if cmd['case'] not in made:
        made[cmd['case']] = make(cmd['case'])
    fn = made[cmd['case']]
    fn()
    start = time.perf_counter()
    for _ in range(cmd['calls']):
        fn()
    print(json.dumps({'seconds': (time.perf_counter() - start) / cmd['calls']}), flush=True)
''' % (BATCH, SIZE, CLASSES)


class TorchWorker:
    """torchvision's models in another interpreter, timed on request."""

    def __init__(self, python, threads):
        env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads),
                   OPENBLAS_NUM_THREADS=str(threads))
        self.proc = subprocess.Popen([python, '-c', _WORKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, env=env)

    def time(self, case, calls):
        self.proc.stdin.write(json.dumps({'case': case, 'calls': calls}) + '\n')
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError('the PyTorch worker stopped (is torchvision installed in --torch-python?)')
        return json.loads(line)['seconds']

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def kcore_case(case):
    """A function running one call of ``case`` on kcore."""
    import numpy as np
    import kcore
    from kcore import applications
    rng = np.random.default_rng(0)
    x = rng.random((BATCH, SIZE, SIZE, 3), dtype=np.float32)
    y = np.eye(CLASSES, dtype=np.float32)[rng.integers(0, CLASSES, BATCH)]
    build = applications.ResNet50 if case.startswith('resnet50') else applications.MobileNetV2
    model = build(weights=None)
    if case.endswith('_infer'):
        return lambda: model.predict_on_batch(x)
    model.compile(optimizer=kcore.optimizers.Adam(learning_rate=1e-3), loss='categorical_crossentropy')
    return lambda: model.train_on_batch(x, y)


def _torch_python(requested):
    if requested:
        return requested
    try:
        import torchvision  # noqa: F401
        return sys.executable
    except ImportError:
        sys.exit('torchvision is not importable here: pass --torch-python with an interpreter that has '
                 'torch and torchvision (python3 -m venv /tmp/tv && /tmp/tv/bin/pip install torch torchvision).')


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--cases', nargs='+', default=list(CASES), choices=CASES)
    p.add_argument('--rounds', type=int, default=5, help='interleaved rounds; the median is reported')
    p.add_argument('--calls', type=int, default=3, help='timed calls per round and framework')
    p.add_argument('--threads', type=int, default=2, help="threads for NumPy's BLAS, kcore-conv and PyTorch")
    p.add_argument('--torch-python', default=None, help='interpreter with torch and torchvision')
    p.add_argument('--json', action='store_true')
    args = p.parse_args()
    limit_threads(args.threads)
    worker = TorchWorker(_torch_python(args.torch_python), args.threads)
    results = {}
    try:
        for case in args.cases:
            fn = kcore_case(case)
            fn()
            k, t = [], []
            for _ in range(args.rounds):
                fn()
                k.append(per_call(fn, args.calls))
                t.append(worker.time(case, args.calls))
            results[case] = {'kcore_s': statistics.median(k), 'torch_s': statistics.median(t),
                             'kcore_range': [min(k), max(k)], 'torch_range': [min(t), max(t)]}
            results[case]['ratio'] = results[case]['kcore_s'] / results[case]['torch_s']
    finally:
        worker.close()
    if args.json:
        print(json.dumps(results, indent=1))
        return
    print('batch %d, %dx%dx3, %d threads, median of %d rounds x %d calls' % (BATCH, SIZE, SIZE, args.threads,
                                                                          args.rounds, args.calls))
    print('%-20s %22s %22s %7s' % ('case', 'kcore s/call', 'PyTorch s/call', 'ratio'))
    for case, r in results.items():
        print('%-20s %8.3f (%.3f-%.3f) %8.3f (%.3f-%.3f) %7.2f' % (
            case, r['kcore_s'], *r['kcore_range'], r['torch_s'], *r['torch_range'], r['ratio']))


if __name__ == '__main__':
    main()
