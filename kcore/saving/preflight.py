"""Walk an HDF5 file in another process, with a time limit, before kcore's own process reads it.

libhdf5 has loops that a damaged or crafted file can make endless (a global
heap whose size field is wrong spins forever), and it allocates what a
variable-length string's length field says.  Neither can be interrupted from
Python once inside the library.  So every HDF5 file is first walked whole
(``_h5_walk``) by a child process that has ``TIMEOUT`` seconds and
``MEMORY_BYTES`` of extra memory; only a file that survives the walk is
opened here.  One helper process (Python + h5py, started on the first load)
forks a child per file, so a load pays a fork, not an interpreter start;
where ``fork`` is missing (Windows) each walk is a fresh interpreter.

Environment: ``KCORE_H5_PREFLIGHT_TIMEOUT`` (seconds, default 15);
``KCORE_H5_PREFLIGHT=0`` turns the walk off (only for files you trust).
"""
import atexit
import json
import os
import select
import subprocess
import sys
import threading

from kcore.errors import SavingError

#: seconds a walk may take before the file is called damaged
TIMEOUT = 15.0
#: memory a walk may allocate beyond what the helper already uses
MEMORY_BYTES = 1 << 30
_WALKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), '_h5_walk.py')
_lock = threading.Lock()
_helper = None


def _timeout():
    try:
        return float(os.environ.get('KCORE_H5_PREFLIGHT_TIMEOUT', TIMEOUT))
    except ValueError:
        return TIMEOUT


def enabled():
    """Whether the out-of-process HDF5 pre-check runs (``KCORE_H5_PREFLIGHT=0`` turns it off)."""
    return os.environ.get('KCORE_H5_PREFLIGHT', '1').strip().lower() not in ('0', 'false', 'no', 'off')


def _command(*args):
    """The walker run by this interpreter, isolated from the environment but seeing our sys.path."""
    paths = [p for p in sys.path if p]
    boot = ('import sys; sys.path[:0] = %r; sys.argv = [%r] + %r; import runpy; runpy.run_path(%r, '
            'run_name="__main__")' % (paths, _WALKER, list(args), _WALKER))
    return [sys.executable, '-I', '-c', boot]


class _Helper:
    def __init__(self):
        self.pid = os.getpid()
        self.proc = subprocess.Popen(_command('--serve'), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)
        if self._line(60.0) != 'ready':
            self.close()
            raise OSError('the HDF5 preflight helper did not start')

    def _line(self, timeout):
        fd = self.proc.stdout.fileno()
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            return None
        return self.proc.stdout.readline().decode('utf-8', 'replace').strip()

    def ask(self, request, timeout):
        self.proc.stdin.write((json.dumps(request) + '\n').encode('utf-8'))
        self.proc.stdin.flush()
        line = self._line(timeout)
        if not line:
            raise OSError('the HDF5 preflight helper did not answer')
        return json.loads(line)

    def alive(self):
        return self.pid == os.getpid() and self.proc.poll() is None

    def close(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()


def _ask(request):
    global _helper
    timeout = request['timeout']
    if not hasattr(os, 'fork'):
        try:
            done = subprocess.run(_command('--once', json.dumps(request)), capture_output=True,
                                  timeout=timeout + 30)
        except subprocess.TimeoutExpired:
            return {'timeout': True}
        return json.loads(done.stdout.decode('utf-8') or '{"crashed": 0}')
    with _lock:
        if _helper is not None and not _helper.alive():
            if _helper.pid == os.getpid():
                _helper.close()
            _helper = None
        if _helper is None:
            _helper = _Helper()
        try:
            return _helper.ask(request, timeout + 30)
        except (OSError, ValueError):
            _helper.proc.kill()
            _helper.close()
            _helper = None
            return {'crashed': 0}


@atexit.register
def _stop():
    global _helper
    if _helper is not None and _helper.alive():
        _helper.close()
    _helper = None


def check(filepath, max_attr_bytes):
    """Raise ``SavingError`` unless a walk of the whole file ends in time and within memory."""
    if not enabled():
        return
    timeout = _timeout()
    answer = _ask({'path': os.path.abspath(filepath), 'timeout': timeout, 'max_attr_bytes': max_attr_bytes,
                   'memory_bytes': MEMORY_BYTES})
    if answer.get('ok'):
        return
    if answer.get('timeout'):
        raise SavingError('Cannot read %r: reading its HDF5 structure did not finish within %g s (a damaged '
                          'structure makes the HDF5 library loop forever). The file is damaged or crafted; use an '
                          'intact copy. (KCORE_H5_PREFLIGHT_TIMEOUT sets the limit.)' % (filepath, timeout))
    if answer.get('problems'):
        raise SavingError('Cannot read %r: %s. The file is damaged or crafted; nothing was loaded.'
                          % (filepath, '; '.join(answer['problems'][:5])))
    raise SavingError('Cannot read %r: the HDF5 library crashed while reading its structure (signal %s). The '
                      'file is damaged or crafted; use an intact copy.' % (filepath, answer.get('crashed')))
