"""kcore's CUDA backend beside PyTorch CUDA, one workload per call (``tools/gpu_check.sh``).

Workloads (train steps unless named inference), batch sizes as in issue 20:

- ``mlp``: 784-512-512-10, ReLU, softmax cross-entropy, Adam, batch 128;
- ``cnn``: 28x28x1, Conv(32,3)-Conv(64,3)-MaxPool(2)-Dense(128)-Dense(10), batch 128;
- ``bn_cnn``: 32x32x3, [Conv(32,3,'same')-BatchNorm-ReLU] x 3, global average pool, Dense(10), batch 128;
- ``lstm``: 32 steps of 32 features, LSTM(128), Dense(10), batch 256;
- ``resnet50``: ResNet50 inference (random weights), 224x224x3, batch 32.

Prints one JSON line: ``{"workload", "kcore_ms", "torch_ms", "note"}`` (ms per step, the
median of interleaved rounds, the device synchronised around each timed block).
Neither framework's numbers include host-to-device copies: the data lives on the GPU.
"""
import json
import statistics
import sys

import numpy as np

from harness import per_call

WORKLOADS = ('mlp', 'cnn', 'bn_cnn', 'lstm', 'resnet50')
#: what the table's note column says about a run (fallbacks taken, errors)
NOTES = []


def _data(workload, rng):
    shapes = {'mlp': ((128, 784), 10), 'cnn': ((128, 28, 28, 1), 10), 'bn_cnn': ((128, 32, 32, 3), 10),
              'lstm': ((256, 32, 32), 10), 'resnet50': ((32, 224, 224, 3), 1000)}
    shape, classes = shapes[workload]
    x = rng.standard_normal(shape).astype(np.float32)
    y = np.eye(classes, dtype=np.float32)[rng.integers(0, classes, shape[0])]
    return x, y


def kcore_step(workload, x, y):
    """A no-argument callable running one kcore step on the GPU (data already on the device)."""
    import cupy
    import kcore
    from kcore import layers
    from kcore.backend import set_backend
    set_backend('cuda')
    if workload == 'resnet50':
        from kcore.applications import ResNet50
        model = ResNet50(weights=None)
        xd = cupy.asarray(x)
        return lambda: model.predict_on_batch(xd)
    if workload == 'mlp':
        model = kcore.Sequential([layers.Dense(512, activation='relu', input_shape=(784,)),
                                  layers.Dense(512, activation='relu'), layers.Dense(10, activation='softmax')])
    elif workload == 'cnn':
        model = kcore.Sequential([layers.Conv2D(32, 3, activation='relu', input_shape=(28, 28, 1)),
                                  layers.Conv2D(64, 3, activation='relu'), layers.MaxPooling2D(2), layers.Flatten(),
                                  layers.Dense(128, activation='relu'), layers.Dense(10, activation='softmax')])
    elif workload == 'bn_cnn':
        stack = [layers.InputLayer(input_shape=(32, 32, 3))]
        for _ in range(3):
            stack += [layers.Conv2D(32, 3, padding='same', use_bias=False), layers.BatchNormalization(),
                      layers.Activation('relu')]
        model = kcore.Sequential(stack + [layers.GlobalAveragePooling2D(), layers.Dense(10, activation='softmax')])
    else:
        model = kcore.Sequential([layers.LSTM(128, input_shape=(32, 32)), layers.Dense(10, activation='softmax')])
    model.compile('adam', 'categorical_crossentropy')
    xd, yd = cupy.asarray(x), cupy.asarray(y)
    try:
        model.train_on_batch(xd, yd)
        return lambda: model.train_on_batch(xd, yd)
    except Exception as e:  # the data path refused device arrays: time it with host data, and say so
        NOTES.append('kcore fed host arrays (device arrays refused: %s)' % str(e).splitlines()[0][:80])
        return lambda: model.train_on_batch(x, y)


def torch_step(workload, x, y):
    import torch
    nn = torch.nn
    dev = torch.device('cuda')
    if workload == 'resnet50':
        import torchvision
        net = torchvision.models.resnet50().to(dev).eval()
        xd = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2))).to(dev)

        def infer():
            with torch.no_grad():
                net(xd)
        return infer
    if workload == 'mlp':
        net = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
        xt = torch.from_numpy(x)
    elif workload == 'cnn':
        net = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                            nn.Flatten(), nn.Linear(64 * 12 * 12, 128), nn.ReLU(), nn.Linear(128, 10))
        xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
    elif workload == 'bn_cnn':
        mods, cin = [], 3
        for _ in range(3):
            mods += [nn.Conv2d(cin, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU()]
            cin = 32
        net = nn.Sequential(*mods, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 10))
        xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
    else:
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm, self.out = nn.LSTM(32, 128, batch_first=True), nn.Linear(128, 10)

            def forward(self, t):
                return self.out(self.lstm(t)[1][0][-1])
        net = Net()
        xt = torch.from_numpy(x)
    net = net.to(dev)
    xd, yd = xt.to(dev), torch.from_numpy(y.argmax(1)).to(dev)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss_fn(net(xd), yd).backward()
        opt.step()
    return step


def _timed(step, sync, steps):
    def block():
        step()
    sync()
    t = per_call(block, steps)
    sync()
    return t


def main(argv=None):
    import argparse
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('workload', choices=WORKLOADS)
    p.add_argument('--steps', type=int, default=20)
    p.add_argument('--rounds', type=int, default=5)
    args = p.parse_args(argv)
    x, y = _data(args.workload, np.random.default_rng(0))
    notes, runners = NOTES, {}
    try:
        import cupy
        step = kcore_step(args.workload, x, y)
        runners['kcore'] = (step, cupy.cuda.Device().synchronize)
    except Exception as e:  # report, do not hide: the table shows the reason
        notes.append('kcore: %s: %s' % (type(e).__name__, str(e)[:160]))
    try:
        import torch
        step = torch_step(args.workload, x, y)
        runners['torch'] = (step, torch.cuda.synchronize)
    except Exception as e:
        notes.append('torch: %s: %s' % (type(e).__name__, str(e)[:160]))
    times = {k: [] for k in runners}
    for name, (step, sync) in list(runners.items()):  # warm-up: compilation, allocation, autotuning
        try:
            for _ in range(3):
                step()
            sync()
        except Exception as e:
            notes.append('%s: %s: %s' % (name, type(e).__name__, str(e)[:160]))
            del runners[name], times[name]
    for _ in range(args.rounds):
        for name, (step, sync) in runners.items():
            times[name].append(_timed(step, sync, args.steps) * 1e3)
    result = {'workload': args.workload, 'note': '; '.join(notes)}
    for name in ('kcore', 'torch'):
        result[name + '_ms'] = statistics.median(times[name]) if times.get(name) else None
    print(json.dumps(result))
    return 0


if __name__ == '__main__':
    sys.exit(main())
