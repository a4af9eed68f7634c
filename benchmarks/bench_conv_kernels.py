"""kcore's CNN training steps on each kernel set: the NumPy overrides against the generic kernels.

    .venv/bin/python benchmarks/bench_conv_kernels.py --clock cpu            # numpy vs generic, 1 thread
    .venv/bin/python benchmarks/bench_conv_kernels.py --backends numpy --json

kcore-conv registers two kernels per operation: the device-neutral generic one
(whole-batch im2col + one ``xp.matmul``) and the NumPy backend's override
(``conv2d@numpy``: cache-chunked, threaded).  ``generic`` here is NumPy without
the overrides (a backend registered under another name), so the two kernel
sets run the same models in one process, rounds interleaved; a device backend's
name ('cuda') times that backend instead.  The models are ``bench_cnn.py``'s
CNN and ``bench_bn_cnn.py``'s BatchNorm CNN and ResNet-20 (kcore only: no
PyTorch needed).  For kcore-conv before and after a change, run this script
once per checkout, alternately, with ``--backends numpy``.
"""
import json
import statistics

import argparse

from harness import add_clock_argument, limit_threads, now, use_clock

MODELS = ('cnn', 'bn_cnn', 'resnet20')


def _generic_backend():
    """NumPy under another name: no ``@numpy`` overrides apply, so every op runs its generic kernel."""
    from kcore import plugins
    from kcore.backend import Backend

    class GenericNumpy(Backend):
        name = 'generic_numpy'
    if 'generic_numpy' not in plugins.registry('backends').names():
        plugins.register(GenericNumpy(), kind='backends')
    return 'generic_numpy'


def build(model, backend):
    """A training step of ``model`` with weights and data on ``backend``."""
    from kcore.backend import set_backend
    set_backend(_generic_backend() if backend == 'generic' else backend)
    try:
        if model == 'cnn':
            import bench_cnn
            return bench_cnn.kcore_model()[0]
        import bench_bn_cnn
        return bench_bn_cnn.kcore_step(model)
    finally:
        set_backend('numpy')


def time_steps(models, backends, rounds, steps):
    """Median seconds per step of each (model, backend), rounds interleaved."""
    from kcore.backend import ACTIVE, set_backend
    steps_of = {(m, b): build(m, b) for m in models for b in backends}
    names = {b: _generic_backend() if b == 'generic' else b for b in backends}
    times = {key: [] for key in steps_of}
    for _ in range(rounds + 1):  # the first round warms up (weights, optimizer slots, buffers)
        for (m, b), step in steps_of.items():
            set_backend(names[b])
            step()
            ACTIVE.backend.synchronize()
            start = now()
            for _ in range(steps):
                step()
            ACTIVE.backend.synchronize()  # a device's queued work belongs to the steps timed
            times[(m, b)].append((now() - start) / steps)
        set_backend('numpy')
    return {'%s/%s' % key: {'median': statistics.median(ts[1:]), 'min': min(ts[1:]), 'max': max(ts[1:])}
            for key, ts in times.items()}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--rounds', type=int, default=5, help='interleaved rounds (plus one warm-up); medians reported')
    p.add_argument('--steps', type=int, default=3, help='training steps per round')
    p.add_argument('--threads', type=int, default=1, help="threads for NumPy's BLAS")
    add_clock_argument(p)
    p.add_argument('--json', action='store_true', help='print JSON instead of a table')
    p.add_argument('--models', default=','.join(MODELS), help='comma-separated, of: %s' % ', '.join(MODELS))
    p.add_argument('--backends', default='numpy,generic',
                   help="comma-separated: 'numpy' (its overrides), 'generic' (no overrides), or a backend name")
    args = p.parse_args(argv)
    limit_threads(args.threads)
    use_clock(args.clock)
    start = now()
    results = time_steps(args.models.split(','), args.backends.split(','), args.rounds, args.steps)
    if args.json:
        print(json.dumps(results, indent=1))
        return
    print('%-20s %10s %10s %10s   (ms per training step, %s clock, %d threads)'
          % ('model/kernels', 'median', 'min', 'max', args.clock, args.threads))
    for key, r in results.items():
        print('%-20s %10.1f %10.1f %10.1f' % (key, 1e3 * r['median'], 1e3 * r['min'], 1e3 * r['max']))
    print('(%.0f s)' % (now() - start))


if __name__ == '__main__':
    main()
