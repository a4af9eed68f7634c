"""Run a load in a fresh interpreter and report how it ended and its peak memory.

Peak RSS is per process and never goes down, so a bound on it is only
meaningful in a process of its own.  On Linux, ``resource``'s ``ru_maxrss``
of a process started by ``subprocess`` begins at the *parent's* peak (it
survives exec), so the child reads ``VmHWM`` from ``/proc/self/status`` (the
high-water mark of its own memory map) and uses ``resource`` elsewhere.
"""
import json
import os
import subprocess
import sys
import textwrap

_RUNNER = textwrap.dedent('''
    import json, resource, sys, time

    def peak_kib():
        try:
            with open('/proc/self/status') as f:
                for line in f:
                    if line.startswith('VmHWM:'):
                        return int(line.split()[1])
        except OSError:
            pass
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    import kcore
    from kcore.errors import KcoreError
    before = peak_kib()
    start = time.monotonic()
    error = None
    try:
        exec(sys.argv[1], {'kcore': kcore, 'arg': sys.argv[2]})
    except KcoreError as e:
        error = [type(e).__name__, str(e)]
    peak = peak_kib()
    print(json.dumps({'error': error, 'peak_kib': peak, 'start_kib': before,
                      'seconds': time.monotonic() - start}))
''')


def run_bounded(code, arg='', timeout=120, env=None):
    """Run ``code`` (with ``kcore`` and ``arg`` in scope) in a subprocess; a dict with ``error``
    (``[class name, message]`` of a ``KcoreError``, or None), ``peak_mib`` and ``seconds``."""
    done = subprocess.run([sys.executable, '-c', _RUNNER, code, str(arg)], capture_output=True, text=True,
                          timeout=timeout, env=dict(os.environ, **(env or {})))
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result['peak_mib'] = result['peak_kib'] / 1024.0
    return result
