"""kcore's exceptions, in one place.

Each subclass also derives from the builtin type a Keras user already catches
(``KeyError`` for unknown names, ``ValueError`` for bad shapes, ...), so
``except ValueError`` keeps working while ``except KcoreError`` catches all of
kcore's own errors.

Messages follow one style: what went wrong, what was expected, what was
received, and how to fix it::

    Layer 'dense_1' (Dense): input has the wrong last dimension. Expected
    axis -1 of size 3. Received: input_shape=(None, 4). ...
"""


class KcoreError(Exception):
    """Base class of every error kcore raises on purpose."""


class UnknownNameError(KcoreError, KeyError):
    """A name (layer, loss, optimizer, ...) that no registry knows; ``kind`` and ``name``
    say which (None when not raised by a registry)."""

    kind = name = None

    def __str__(self):  # KeyError would quote the message; keep it readable.
        return str(self.args[0]) if self.args else ''


class DuplicateNameError(KcoreError, ValueError):
    """Two plugins registered the same name in one registry."""


class PluginLoadError(KcoreError, ImportError):
    """A plugin's entry point could not be imported or its hooks failed."""


class MissingPluginError(KcoreError, ImportError):
    """A name that a first-party plugin provides, looked up while that plugin is not
    installed (or disabled): ``from kcore.layers import LSTM`` without kcore-rnn.  An
    ``ImportError``, as the name is missing for want of a package; the message carries the
    ``pip install`` line."""


class PluginLoadWarning(UserWarning):
    """A plugin could not be loaded; the message names its distribution and entry point,
    and kcore carries on without it."""


class ShapeError(KcoreError, ValueError):
    """A tensor of the wrong rank or size reached a layer or an op."""


class BackendError(KcoreError, RuntimeError):
    """A device backend that is unknown, or whose library or device is missing."""


class DeviceMismatchError(KcoreError, ValueError):
    """One op got arrays that live on different devices (or on another device than the
    active one); ``op``, ``devices`` and ``active`` say which."""

    op = active = None
    devices = ()

    @classmethod
    def build(cls, op, devices, active):
        """The error for kernel ``op`` given arrays on ``devices`` while ``active`` is in use."""
        listed = ' and '.join(devices)
        error = cls('Op %r got arrays on %s %s, while the active device is %s. One op computes on one device. '
                    'Move the arrays to one device first: make them (and the model) inside one '
                    '`with kcore.device(%r):` block, or copy one across through the host, e.g. '
                    '`K.constant(K.get_value(x))` inside that block.'
                    % (op, 'two devices,' if len(devices) > 1 else 'device', listed, active, active))
        error.op, error.devices, error.active = op, tuple(devices), active
        return error


class DeviceMemoryError(KcoreError, MemoryError):
    """A device (or the host) ran out of memory; ``requested`` and ``free`` are bytes
    (None where unknown), ``device`` names it, ``op`` the kernel that asked."""

    device = requested = free = op = None

    @classmethod
    def build(cls, device, requested, free, detail=''):
        """The error for a failed allocation of ``requested`` bytes on ``device`` with ``free`` left."""
        error = cls(device, requested, free, detail)
        error.device, error.requested, error.free = device, requested, free
        return error

    def __str__(self):
        device, requested, free, detail = (self.args + (None, None, None, ''))[:4]
        asked = 'asked for %s' % _bytes(requested) if requested is not None else 'an allocation failed'
        left = '%s free' % _bytes(free) if free is not None else 'free memory unknown'
        where = ' in op %r' % self.op if self.op else ''
        return ('Out of memory on %s%s: %s, %s%s. Use a smaller batch_size or model, free arrays you no longer '
                'need, or choose another device (KCORE_DEVICE / kcore.device(...)).'
                % (device, where, asked, left, ' (%s)' % detail if detail else ''))


def _bytes(n):
    """1536 -> '1.5 KiB'."""
    n = float(n)
    for unit in ('bytes', 'KiB', 'MiB', 'GiB', 'TiB'):
        if n < 1024 or unit == 'TiB':
            return ('%d %s' % (n, unit)) if unit == 'bytes' else ('%.1f %s' % (n, unit))
        n /= 1024


class NotCompiledError(KcoreError, RuntimeError):
    """Training or evaluation was asked of a model that was never compiled."""


class SavingError(KcoreError, ValueError):
    """A model file that cannot be written or read: damaged, foreign or unsafe."""


class DownloadError(KcoreError, OSError):
    """A file that ``get_file`` could not download, verify or extract.
    ``offline`` is True when the server could not be reached at all."""

    offline = False


class DistributedError(KcoreError, RuntimeError):
    """Distributed training cannot start, or its processes disagree (different models)."""


def layer_prefix(layer):
    """``Layer 'dense_1' (Dense)``: the opening of every layer error."""
    return "Layer %r (%s)" % (getattr(layer, 'name', '?'), type(layer).__name__)


def add_context(exc, text):
    """Append a line of context to an exception that is propagating.

    Uses ``add_note`` (Python 3.11+) and falls back to extending the message,
    so the original type and traceback are preserved either way.
    """
    if hasattr(exc, 'add_note'):
        exc.add_note(text)
    elif exc.args and isinstance(exc.args[0], str):
        exc.args = (exc.args[0] + '\n' + text,) + tuple(exc.args[1:])
    return exc


__all__ = ['KcoreError', 'UnknownNameError', 'DuplicateNameError', 'PluginLoadError', 'MissingPluginError',
           'PluginLoadWarning', 'ShapeError', 'BackendError', 'DeviceMismatchError', 'DeviceMemoryError',
           'NotCompiledError', 'SavingError', 'DownloadError', 'DistributedError',
           'layer_prefix', 'add_context']
