"""Keras's progress bar.

``verbose=1``: a bar redrawn in place (step counter, bar, ETA, running metrics,
time per step).  ``verbose=2``: one line when the target is reached.  A bar
written to something that is not a terminal is not redrawn: only the final
line is printed, so log files carry no carriage-return spam.
"""
import sys
import time


def _is_interactive(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def resolve_verbose(verbose, stream=None):
    """Keras's ``verbose='auto'``: the bar in a terminal, one line per epoch elsewhere."""
    if verbose == 'auto':
        return 1 if _is_interactive(stream or sys.stdout) else 2
    return int(verbose)


def format_time(seconds):
    if seconds >= 3600:
        return '%d:%02d:%02d' % (seconds // 3600, (seconds % 3600) // 60, seconds % 60)
    if seconds >= 60:
        return '%d:%02d' % (seconds // 60, seconds % 60)
    return '%ds' % seconds


def format_per_step(seconds, unit='step'):
    if seconds >= 1:
        return '%.0fs/%s' % (seconds, unit)
    if seconds >= 1e-3:
        return '%.0fms/%s' % (seconds * 1e3, unit)
    return '%.0fus/%s' % (seconds * 1e6, unit)


def format_value(v):
    v = float(v)
    if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e4):
        return '%.4e' % v
    return '%.4f' % v


class Progbar:
    def __init__(self, target, width=30, verbose=1, interval=0.05, stateful_metrics=None,
                 unit_name='step', stream=None):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stream = stream or sys.stdout
        self._dynamic = _is_interactive(self.stream)
        self._start = time.time()
        self._last_update = 0.0
        self._seen = 0
        self._values = {}

    def update(self, current, values=None, finalize=None):
        """Show step ``current`` with ``values`` ([(name, value)]; already averaged)."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for k, v in values or []:
            self._values[k] = v
        self._seen = current
        now = time.time()
        if self.verbose == 1:
            if not finalize and (now - self._last_update < self.interval):
                return
            if not finalize and not self._dynamic:
                return  # not a terminal: only the final line
            self._last_update = now
            line = self._bar_line(current, now, finalize)
            if self._dynamic:
                self.stream.write('\r' + line + ('\n' if finalize else ''))
            else:
                self.stream.write(line + '\n')
            self.stream.flush()
        elif self.verbose == 2 and finalize:
            elapsed = now - self._start
            count = '%d/%d' % (current, self.target) if self.target else '%d' % current
            parts = [count, format_time(elapsed)]
            parts += ['%s: %s' % (k, format_value(v)) for k, v in self._values.items()]
            if current:
                parts.append(format_per_step(elapsed / current, self.unit_name))
            self.stream.write(' - '.join(parts) + '\n')
            self.stream.flush()

    def _bar_line(self, current, now, finalize):
        elapsed = now - self._start
        if self.target is not None:
            digits = len(str(self.target))
            count = '%*d/%d' % (digits, current, self.target)
            frac = min(1.0, current / self.target) if self.target else 1.0
            filled = int(self.width * frac)
            bar = '=' * filled
            if filled < self.width:
                bar += ('>' if filled > 0 else '') + '.' * (self.width - filled - (1 if filled > 0 else 0))
            line = '%s [%s]' % (count, bar[:self.width])
        else:
            line = '%7d/Unknown' % current
        per_step = elapsed / current if current else 0.0
        if finalize:
            line += ' - %s %s' % (format_time(elapsed), format_per_step(per_step, self.unit_name))
        elif self.target is not None:
            line += ' - ETA: %s' % format_time(per_step * (self.target - current))
        for k, v in self._values.items():
            line += ' - %s: %s' % (k, format_value(v))
        return line

    def add(self, n, values=None):
        self.update(self._seen + n, values)
