"""Replaying a captured training step: ``compile(jit_compile=True)``.

Why: on a GPU a small model's step is hundreds of kernel launches, each paying a
fixed CPU cost; a backend that can record the step once (a CUDA graph) and
replay it pays that cost once.  A backend offers this through
``Backend.capture_step(fn)`` (``None``: it cannot; the NumPy backend never does).

What a replay repeats is the device work of the forward pass, the gradients and
the optimizer update, on the same buffers: the batch is copied into buffers
that live as long as the capture, the outputs and the loss are read from the
buffers the capture wrote, and the metrics update eagerly from them.  Host-side
values a replay cannot change are part of the capture's key (batch shapes and
dtypes, the learning rate); a new key captures again.  An optimizer whose
update reads a per-step host value (Adam's bias correction, a schedule, Keras
2's ``decay``) is not captured: the step runs eagerly, after one warning.
"""
import warnings

from kcore.runtime.device import ACTIVE
from kcore.utils import nest


#: captures kept per model (batch signatures: the full batches and the last, smaller one)
MAX_CAPTURES = 4


class StepCapture:
    """One model's captured steps, by batch signature (see the module docstring)."""

    def __init__(self):
        self.captured = {}  # key -> (static buffers, replay, the result the replay rewrites)
        self.declined = set()
        self.warned = False

    def _decline(self, reason):
        if not self.warned:
            warnings.warn('jit_compile=True: the train step is not captured (%s); it runs eagerly.' % reason,
                          RuntimeWarning, stacklevel=4)
            self.warned = True
        return None

    @staticmethod
    def blocker(optimizer):
        """Why ``optimizer``'s update cannot be replayed unchanged, or ``None``."""
        if getattr(optimizer, 'per_step_host_values', False):
            return "%s's update reads the step count on the host" % type(optimizer).__name__
        if getattr(optimizer, 'decay', 0) or callable(getattr(optimizer, '_learning_rate', None)):
            return 'the learning rate changes every step'
        return None

    def run(self, model, data, step):
        """``step(data)``'s result for this batch through a replayed capture; ``None`` when the
        step must run eagerly (the caller then runs it)."""
        if not ACTIVE.backend.can_capture:
            return None
        reason = self.blocker(model.optimizer)
        if reason:
            return self._decline(reason)
        leaves = nest.flatten(data)
        if not all(hasattr(a, 'shape') and hasattr(a, 'dtype') for a in leaves if a is not None):
            return self._decline('the batch holds values that are not arrays')
        key = (ACTIVE.backend.name, tuple(None if a is None else (tuple(a.shape), str(a.dtype)) for a in leaves),
               float(model.optimizer._current_lr()))
        if key in self.declined:
            return None
        iterations = model.optimizer.iterations
        if key in self.captured:
            static, replay, result = self.captured[key]
            for buf, a in zip(static, leaves):
                if buf is not None:
                    buf[...] = ACTIVE.backend.asarray(a)
            replay()
            model.optimizer.iterations = iterations + 1
            return result
        static = [None if a is None else ACTIVE.backend.asarray(a).copy() for a in leaves]
        static_data = nest.pack_like(data, static)
        results = []
        replay = ACTIVE.backend.capture_step(lambda: results.append(step(static_data)) or results[-1])
        if not results:  # the backend did not run the step: run it eagerly
            self.declined.add(key)
            return None
        # the first run was this batch's step; a capture itself runs no device work
        model.optimizer.iterations = iterations + 1
        if replay is None:
            self.declined.add(key)
        elif len(self.captured) < MAX_CAPTURES:
            self.captured[key] = (static, replay, results[-1])
        return results[0]
