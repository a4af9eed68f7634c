"""Automatic unique names (``dense``, ``dense_1``, ...), reset by ``K.clear_session()``."""
import re
import threading

_counts = {}
_lock = threading.Lock()


def snake_case(name):
    s = re.sub(r'(.)([A-Z][a-z]+)', r'\1_\2', name)
    s = re.sub(r'([a-z0-9])([A-Z])', r'\1_\2', s).lower()
    return s.replace('__', '_')


def unique_name(base):
    """``base`` the first time, then ``base_1``, ``base_2``, ... in this session."""
    with _lock:
        n = _counts.get(base, 0)
        _counts[base] = n + 1
    return base if n == 0 else '%s_%d' % (base, n)


def reset():
    with _lock:
        _counts.clear()
