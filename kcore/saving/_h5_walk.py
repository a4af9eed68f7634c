"""Walk an HDF5 file's whole structure in a throwaway process (run as a script; imports only h5py).

Used by ``kcore.saving.preflight``.  The walk touches every part of the file
that a loader may later touch: every object (``visititems``), every
attribute's value (text attributes live in global heaps, where one bad byte
makes libhdf5 loop forever), every dataset's type, filters, storage and chunk
index.  Each walk runs in a child forked for it, with a CPU-time alarm and an
address-space limit, so a loop or a huge allocation ends the child, never the
caller.  Modes:

    python _h5_walk.py --serve   # read JSON requests, one a line; answer one JSON line each
    python _h5_walk.py --once REQUEST_JSON   # one walk in this process (platforms without fork)

A request is ``{"path", "timeout", "max_attr_bytes", "memory_bytes"}``; the
answer ``{"ok": true}`` or ``{"problems": [...]}`` or ``{"timeout": true}`` or
``{"crashed": signal}``.  Exceptions that h5py raises cleanly are not problems
here: the in-process reader meets them again and gives its own, specific error.
"""
import json
import os
import signal
import sys


def _size(value):
    """Bytes a read attribute value holds in memory (strings counted by their length)."""
    if isinstance(value, (bytes, str)):
        return len(value)
    total = getattr(value, 'nbytes', 0)
    if getattr(value, 'dtype', None) is not None and value.dtype.kind == 'O':
        total += sum(len(v) if isinstance(v, (bytes, str)) else 8 for v in value.reshape(-1).tolist())
    return total


def _first_line(error):
    text = str(error).strip()
    return text.splitlines()[0][:200] if text else type(error).__name__


def walk(path, max_attr_bytes):
    """Problems found in the file (a list of strings); raises what h5py raises on opening."""
    import h5py
    problems = []

    def attributes(obj):
        try:
            names = list(obj.attrs)
        except Exception:  # noqa: BLE001 - the reader reports it
            return
        for name in names:
            try:
                size = _size(obj.attrs[name])
            except MemoryError:
                problems.append('attribute %r of %r asks for more memory than the file can hold'
                                % (name, obj.name))
                continue
            except OSError as e:  # the library failed reading it: this process must not try
                problems.append('attribute %r of %r cannot be read (%s)' % (name, obj.name, _first_line(e)))
                continue
            except Exception:  # noqa: BLE001 - a type h5py does not read: the reader refuses it by type
                continue
            if size > max_attr_bytes:
                problems.append('attribute %r of %r holds %d bytes, more than the %d allowed'
                                % (name, obj.name, size, max_attr_bytes))

    def dataset(obj):
        try:
            dsid = obj.id
            plist = dsid.get_create_plist()
            [plist.get_filter(i) for i in range(plist.get_nfilters())]
            dsid.get_storage_size()
            if plist.get_layout() == h5py.h5d.CHUNKED:
                dsid.get_num_chunks()  # walks the whole chunk index
        except MemoryError:
            problems.append('dataset %r asks for more memory than the file can hold' % obj.name)
        except Exception:  # noqa: BLE001
            pass

    def visit(_name, obj):
        attributes(obj)
        if isinstance(obj, h5py.Dataset):
            dataset(obj)

    with h5py.File(path, 'r') as f:
        attributes(f)
        try:
            f.visititems(visit)
        except MemoryError:
            problems.append('its object tree asks for more memory than the file can hold')
        except Exception:  # noqa: BLE001
            pass
    return problems


def _limit_memory(extra):
    try:
        import resource
        with open('/proc/self/statm') as f:
            in_use = int(f.read().split()[0]) * os.sysconf('SC_PAGE_SIZE')
        limit = in_use + extra
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, OSError, ValueError):
        pass


def _answer(request):
    try:
        problems = walk(request['path'], request['max_attr_bytes'])
    except MemoryError:
        problems = ['opening it asks for more memory than the file can hold']
    except Exception:  # noqa: BLE001 - cannot open: the reader says why
        problems = []
    return {'problems': problems} if problems else {'ok': True}


def _child(request, out):
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.setitimer(signal.ITIMER_REAL, float(request['timeout']))
    _limit_memory(int(request['memory_bytes']))
    try:
        text = json.dumps(_answer(request))[:60000]
    except BaseException:  # noqa: BLE001
        text = json.dumps({'problems': ['the walk failed']})
    os.write(out, text.encode('utf-8'))
    os._exit(0)


def run_forked(request):
    """Walk in a forked child; the answer as a dict."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(read_end)
        _child(request, write_end)
    os.close(write_end)
    chunks = []
    while True:
        block = os.read(read_end, 65536)
        if not block:
            break
        chunks.append(block)
    os.close(read_end)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        return {'timeout': True} if sig in (signal.SIGALRM, getattr(signal, 'SIGXCPU', -1)) else {'crashed': sig}
    try:
        return json.loads(b''.join(chunks).decode('utf-8'))
    except ValueError:
        return {'crashed': 0}


def serve():
    import h5py  # noqa: F401 - imported once here, shared by every forked child
    sys.stdout.write('ready\n')
    sys.stdout.flush()
    for line in sys.stdin:
        try:
            answer = run_forked(json.loads(line))
        except Exception as e:  # noqa: BLE001
            answer = {'crashed': 0, 'error': str(e)[:300]}
        sys.stdout.write(json.dumps(answer) + '\n')
        sys.stdout.flush()


if __name__ == '__main__':
    if sys.argv[1:2] == ['--serve']:
        serve()
    elif sys.argv[1:2] == ['--once']:
        print(json.dumps(_answer(json.loads(sys.argv[2]))))
