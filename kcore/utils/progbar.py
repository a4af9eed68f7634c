r"""Keras 2's progress bar.

``verbose=1`` in a terminal: one line redrawn in place with ``\r``::

     7/32 [=====>........................] - ETA: 0s - loss: 2.3026 - accuracy: 0.1161

and when the epoch ends::

    32/32 [==============================] - 1s 3ms/step - loss: 2.3 - accuracy: 0.1 - val_loss: ...

``verbose=2``: only the end-of-epoch line, ``32/32 - 1s - loss: ... - 1s/epoch - 3ms/step``.
A bar written to something that is not a terminal (a log file, CI) is not
redrawn: only its final line is printed, so files carry no carriage returns.
"""
import sys
import time
from collections.abc import Mapping


def is_interactive(stream):
    """Whether ``stream`` is a terminal (or a notebook), where redrawing in place works."""
    try:
        if stream.isatty():
            return True
    except (AttributeError, ValueError):
        return False
    return stream is sys.stdout and 'ipykernel' in sys.modules


def resolve_verbose(verbose, stream=None):
    """Keras's ``verbose='auto'``: the bar in a terminal, one line per epoch elsewhere."""
    if verbose == 'auto':
        return 1 if is_interactive(stream or sys.stdout) else 2
    if isinstance(verbose, bool) or verbose not in (0, 1, 2):
        raise ValueError("verbose must be 0 (silent), 1 (progress bar), 2 (one line per epoch) or 'auto'. "
                         "Received: verbose=%r." % (verbose,))
    return int(verbose)


def format_eta(seconds):
    """A duration as ``h:mm:ss``, ``m:ss`` or ``Ns``, for the progress bar's ETA."""
    if seconds > 3600:
        return '%d:%02d:%02d' % (seconds // 3600, (seconds % 3600) // 60, seconds % 60)
    if seconds > 60:
        return '%d:%02d' % (seconds // 60, seconds % 60)
    return '%ds' % seconds


def format_per_unit(seconds, unit='step'):
    """``3ms/step``: the time per step (or epoch) in the unit Keras picks."""
    if seconds >= 1 or seconds == 0:
        return '%.0fs/%s' % (seconds, unit)
    if seconds >= 1e-3:
        return '%.0fms/%s' % (seconds * 1e3, unit)
    return '%.0fus/%s' % (seconds * 1e6, unit)


def format_value(v):
    """Four decimals, or scientific notation for values of 1e-3 and below (Keras)."""
    try:
        v = float(v)
    except (TypeError, ValueError):
        return str(v)
    return '%.4f' % v if abs(v) > 1e-3 else '%.4e' % v


class Progbar:
    """A progress bar over ``target`` steps (``None``: unknown).

    ``update(current, values)`` shows step ``current`` with ``values``, a list of
    ``(name, value)`` already averaged by the caller (kcore's metrics are running
    means), or a mapping (a step's logs), which is read only when a line is printed:
    the values of a step nobody prints stay on the device.  ``finalize`` ends the line.
    """

    def __init__(self, target, width=30, verbose=1, interval=0.05, stateful_metrics=None,
                 unit_name='step', stream=None):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stream = stream or sys.stdout
        self._dynamic = is_interactive(self.stream)
        self._start = time.time()
        self._last_update = 0.0
        self._prev_width = 0
        self._seen = 0
        self._values = {}
        self._unread = None  # the latest logs mapping, read when a line is printed

    def update(self, current, values=None, finalize=None):
        """Show progress at step ``current`` (throttled to every ``interval`` seconds).

        Args:
            current: The number of steps done.
            values: ``(name, value)`` pairs to show, already averaged by the caller.
            finalize: End the line; by default when ``current`` reaches ``target``.
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        if isinstance(values, Mapping):
            self._unread = values
        else:
            for k, v in values or []:
                self._values[k] = v
        self._seen = current
        now = time.time()
        if self.verbose == 1:
            if not finalize and (not self._dynamic or now - self._last_update < self.interval):
                return  # throttled, and never mid-epoch outside a terminal
            self._last_update = now
            line = self._bar_line(current, now, finalize)
            if self._dynamic:
                pad = ' ' * max(0, self._prev_width - len(line))
                self._prev_width = len(line)
                self._write('\r' + line + pad + ('\n' if finalize else ''))
            else:
                self._write(line + '\n')
        elif self.verbose == 2 and finalize:
            self._write(self._epoch_line(current, now) + '\n')

    def _write(self, text):
        self.stream.write(text)
        self.stream.flush()

    def _count(self, current):
        if self.target is None:
            return '%7d/Unknown' % current
        return '%*d/%d' % (len(str(self.target)), current, self.target)

    def _bar_line(self, current, now, finalize):
        line = self._count(current)
        if self.target is not None:
            frac = min(1.0, current / self.target) if self.target else 1.0
            filled = int(self.width * frac)
            bar = '=' * max(0, filled - 1)
            if filled > 0:
                bar += '>' if current < self.target else '='
            line += ' [%s%s]' % (bar, '.' * (self.width - filled))
        elapsed = now - self._start
        per_step = elapsed / current if current else 0.0
        if finalize or self.target is None:
            line += ' - %.0fs %s' % (elapsed, format_per_unit(per_step, self.unit_name))
        else:
            line += ' - ETA: %s' % format_eta(per_step * (self.target - current))
        return line + self._metrics()

    def _epoch_line(self, current, now):
        elapsed = now - self._start
        line = '%s - %.0fs%s' % (self._count(current).strip(), elapsed, self._metrics())
        line += ' - %s' % format_per_unit(elapsed, 'epoch')
        if current:
            line += ' - %s' % format_per_unit(elapsed / current, self.unit_name)
        return line

    def _metrics(self):
        if self._unread is not None:
            self._values.update(self._unread.items())
            self._unread = None
        return ''.join(' - %s: %s' % (k, format_value(v)) for k, v in self._values.items())

    def add(self, n, values=None):
        """Advance by ``n`` steps (``update(seen + n, values)``).

        Args:
            n: The number of steps done since the last call.
            values: ``(name, value)`` pairs to show.
        """
        self.update(self._seen + n, values)
