"""The logs a training step hands to callbacks: a dict whose values are read from the device when read.

A step's metric results are backend values (0-d arrays on a GPU).  Turning each into a
Python float forces the host to wait for the device, so the step does not: ``Logs`` keeps
the values as they are and converts one to a float the first time it is read (``logs['loss']``,
``logs.get``, ``items()``, ``dict(logs)``, ``print``), then keeps the float.  Callbacks see
what Keras 2.3 gives them, a dict of floats: a callback that reads ``loss`` each batch
costs one read, and a step nobody reads costs none (the progress bar reads when it prints).
"""
from kcore.runtime.device import ACTIVE


class Deferred:
    """A log value computed only when read: ``fn()`` on state captured at the step.

    Args:
        fn: a no-argument function returning the value (e.g. the ``result`` of a snapshot of a
            metric whose state arrays are replaced, never written into, by each update).
    """

    __slots__ = ('fn',)

    def __init__(self, fn):
        self.fn = fn


def to_host(value):
    """A log value as Keras gives it: a Python float for a scalar, a NumPy array otherwise."""
    if isinstance(value, Deferred):
        value = value.fn()
    if isinstance(value, float):
        return value
    if isinstance(value, (int, str, bool)) or value is None:
        return value
    data = getattr(value, 'data', value)  # a Tensor's array
    array = ACTIVE.backend.to_numpy(data)
    return float(array) if array.size == 1 and array.ndim == 0 else array


class Logs(dict):
    """A dict of log values that become host values (floats) on first read; see the module docstring."""

    __slots__ = ()

    def _host(self, key):
        value = dict.__getitem__(self, key)
        if type(value) is not float:
            value = to_host(value)
            dict.__setitem__(self, key, value)
        return value

    def __getitem__(self, key):
        return self._host(key)

    def get(self, key, default=None):
        return self._host(key) if dict.__contains__(self, key) else default

    def __iter__(self):  # also makes dict(logs) and {**logs} go through __getitem__
        return iter(list(dict.keys(self)))

    def items(self):
        return [(k, self._host(k)) for k in list(dict.keys(self))]

    def values(self):
        return [self._host(k) for k in list(dict.keys(self))]

    def pop(self, key, *default):
        if dict.__contains__(self, key):
            value = self._host(key)
            dict.__delitem__(self, key)
            return value
        return dict.pop(self, key, *default)

    def setdefault(self, key, default=None):
        if dict.__contains__(self, key):
            return self._host(key)
        dict.__setitem__(self, key, default)
        return default

    def popitem(self):
        key = next(reversed(dict.keys(self)))
        return key, self.pop(key)

    def copy(self):
        """A plain dict of host values."""
        return dict(self.items())

    def __eq__(self, other):
        return dict(self.items()) == other

    def __ne__(self, other):
        return not self == other

    __hash__ = None

    def __repr__(self):
        return repr(dict(self.items()))

    def __reduce__(self):
        return dict, (dict(self.items()),)
