"""What loading's hang defence costs: load_model of a ~100 MB model with and without it.

The defence has two parts (see kcore/saving/integrity.py and preflight.py): the
whole-file SHA-256 of kcore files, and the walk of the file's structure in a
forked, time-limited helper.  Rounds interleave four ways of loading the same
file; medians are reported.  The helper is started before timing (the first load
of a process pays ~0.3-0.6 s more to start it once).

    .venv/bin/python benchmarks/bench_load_defence.py [--rounds 7] [--mb 100]
"""
import os
import statistics
import sys
import tempfile
import time

from harness import limit_threads


def main():
    import argparse
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--rounds', type=int, default=7)
    p.add_argument('--mb', type=int, default=100, help='size of the weights in MB')
    args = p.parse_args()
    limit_threads(1)
    import kcore
    from kcore.saving import integrity, preflight
    n = int((args.mb * 2 ** 20 / 4) ** 0.5)
    model = kcore.models.Sequential([kcore.layers.Dense(n, input_shape=(n,))])
    path = os.path.join(tempfile.mkdtemp(), 'big.h5')
    model.save(path, include_optimizer=False)
    size = os.path.getsize(path)
    kcore.models.load_model(path)  # warm: page cache, helper started
    ways = {
        'no defence': {'KCORE_H5_PREFLIGHT': '0', 'skip_checksum': True},
        'checksum only': {'KCORE_H5_PREFLIGHT': '0', 'skip_checksum': False},
        'walk only': {'KCORE_H5_PREFLIGHT': '1', 'skip_checksum': True},
        'both (default)': {'KCORE_H5_PREFLIGHT': '1', 'skip_checksum': False},
    }
    real_verify = integrity.verify
    times = {k: [] for k in ways}
    for _ in range(args.rounds):
        for name, how in ways.items():
            os.environ['KCORE_H5_PREFLIGHT'] = how['KCORE_H5_PREFLIGHT']
            integrity.verify = (lambda p: False) if how['skip_checksum'] else real_verify
            start = time.perf_counter()
            kcore.models.load_model(path)
            times[name].append(time.perf_counter() - start)
    integrity.verify = real_verify
    os.environ['KCORE_H5_PREFLIGHT'] = '1'
    parts = {'checksum alone': lambda: integrity.verify(path), 'walk alone': lambda: preflight.check(path, 1 << 26)}
    part_times = {k: [] for k in parts}
    for _ in range(args.rounds):
        for name, fn in parts.items():
            start = time.perf_counter()
            fn()
            part_times[name].append(time.perf_counter() - start)
    base = statistics.median(times['no defence'])
    print('file: %.1f MB (Dense %dx%d), %d rounds, medians' % (size / 1e6, n, n, args.rounds))
    for name, ts in times.items():
        med = statistics.median(ts)
        print('  %-16s %7.1f ms  (%+.1f ms)' % (name, med * 1e3, (med - base) * 1e3))
    for name, ts in part_times.items():
        print('  %-16s %7.1f ms' % (name, statistics.median(ts) * 1e3))
    preflight._stop()


if __name__ == '__main__':
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main()
