"""What the benchmark scripts share: thread limits, timing, profiles, memory readings.

Each ``bench_*.py`` script compares kcore with PyTorch on the same model in the
same process, rounds interleaved so that load from other processes hits both.
"""
import os
import time


def limit_threads(n):
    """One thread count for NumPy's BLAS and PyTorch; call before importing either."""
    for var in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
        os.environ[var] = str(n)


def parser(description, steps, steps_help='training steps per round'):
    """The command line every training benchmark takes (rounds, steps, threads, json, profile)."""
    import argparse
    p = argparse.ArgumentParser(description=description)
    p.add_argument('--rounds', type=int, default=7, help='interleaved rounds; the median is reported')
    p.add_argument('--steps', type=int, default=steps, help=steps_help)
    p.add_argument('--threads', type=int, default=1, help='threads for NumPy\'s BLAS and PyTorch')
    add_clock_argument(p)
    p.add_argument('--json', action='store_true', help='print JSON instead of a table')
    p.add_argument('--profile', action='store_true', help='profile kcore\'s training step instead')
    return p


CLOCKS = {'wall': time.perf_counter, 'cpu': time.process_time}
_clock = [time.perf_counter]


def use_clock(name):
    """Time by the wall clock (``'wall'``) or by this process's CPU time, all its threads
    (``'cpu'``): on a machine shared with other jobs, CPU time at one thread is what load
    disturbs least (waiting for a core is not counted; at several threads, spinning is)."""
    _clock[0] = CLOCKS[name]


def now():
    """The current reading of the chosen clock (``use_clock``), in seconds."""
    return _clock[0]()


def add_clock_argument(p):
    p.add_argument('--clock', choices=sorted(CLOCKS), default='wall',
                   help='time by the wall clock or by CPU time (robust to load at one thread)')


def per_call(fn, number):
    """Seconds per call of ``fn`` over ``number`` back-to-back calls, by the chosen clock."""
    start = now()
    for _ in range(number):
        fn()
    return (now() - start) / number


def fit_profile(label, model, x, y, batch, steps, top=20):
    """cProfile ``steps`` steps of ``model.fit`` and print self time by file, then by function."""
    import cProfile
    import pstats
    prof = cProfile.Profile()
    prof.enable()
    model.fit(x, y, batch_size=batch, epochs=1, steps_per_epoch=steps, verbose=0)
    prof.disable()
    stats = pstats.Stats(prof)
    total = stats.total_tt
    print('kcore %s step profile: %d steps, %.2f ms/step under cProfile' % (label, steps, 1e3 * total / steps))
    by_file = {}
    for (filename, _, _), (_, _, tottime, _, _) in stats.stats.items():
        key = 'numpy/BLAS (builtins)' if filename == '~' else _short_path(filename)
        by_file[key] = by_file.get(key, 0.0) + tottime
    print('\nself time by file (ms/step):')
    for key, t in sorted(by_file.items(), key=lambda kv: -kv[1])[:12]:
        print('  %8.3f  %5.1f%%  %s' % (1e3 * t / steps, 100 * t / total, key))
    print('\ntop functions by self time:')
    stats.sort_stats('tottime').print_stats(top)


def _short_path(filename):
    for marker in ('/kcore/', '/plugins/', '/site-packages/'):
        if marker in filename:
            return marker.strip('/') + '/' + filename.split(marker, 1)[1]
    return filename


def _status_kib(field):
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1])
    raise RuntimeError('no %s in /proc/self/status: the memory figures need Linux' % field)


def rss_bytes():
    """This process's resident set size (Linux)."""
    return _status_kib('VmRSS') * 1024


def peak_rss_bytes():
    """The RSS high-water mark, VmHWM (Linux)."""
    return _status_kib('VmHWM') * 1024


def reset_peak_rss():
    """Reset the high-water mark (Linux >= 4.0: write 5 to clear_refs), so that earlier
    transients (imports, model building) do not hide the measured steps' peak."""
    try:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
    except OSError:
        pass
