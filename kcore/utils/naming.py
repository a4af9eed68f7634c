"""Automatic unique names (``dense``, ``dense_1``, ...), reset by ``K.clear_session()``."""
import re
import threading

_counts = {}
_lock = threading.Lock()


def snake_case(name):
    """Keras 2's default-name rule: ``Conv2D`` -> ``conv2d``, ``MaxPooling2D`` ->
    ``max_pooling2d``, ``BatchNormalization`` -> ``batch_normalization`` (digits stay
    attached; its oddities too: ``ConvLSTM2D`` -> ``conv_lst_m2d``, ``ReLU`` -> ``re_lu``)."""
    s = re.sub(r'(.)([A-Z][a-z0-9]+)', r'\1_\2', name)
    return re.sub(r'([a-z])([A-Z])', r'\1_\2', s).lower()


def unique_name(base):
    """``base`` the first time, then ``base_1``, ``base_2``, ... in this session."""
    with _lock:
        n = _counts.get(base, 0)
        _counts[base] = n + 1
    return base if n == 0 else '%s_%d' % (base, n)


def reset():
    """Forget the automatic-name counters, so the next ``Dense`` is named ``dense`` again."""
    with _lock:
        _counts.clear()
