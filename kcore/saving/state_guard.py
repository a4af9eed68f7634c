"""A failed load leaves the process as it found it.

Loading builds layers, and building runs code (kcore's own, and a Lambda's
allowlisted ``K`` function).  Nothing from a file may change process-wide
state, and safe mode's allowlist (``kcore.layers.lambda_layer.PURE_FUNCTIONS``)
keeps setters out; this guard is the second wall: if a load fails, every
process-wide setting a layer could reach is put back -- ``epsilon``,
``floatx``, ``image_data_format``, the learning phase, and the random
generators (Python's, NumPy's global one, kcore's).
"""
import contextlib
import random

import numpy as np

from kcore import config
from kcore.runtime import phase, rng


def _snapshot():
    return (dict(config.settings), phase._global['value'], phase._phase.value, random.getstate(),
            np.random.get_state(), dict(rng._state))


def _restore(state):
    settings, global_phase, local_phase, py_random, np_random, kcore_rng = state
    config.settings.clear()
    config.settings.update(settings)
    phase._global['value'] = global_phase
    phase._phase.value = local_phase
    random.setstate(py_random)
    np.random.set_state(np_random)
    rng._state.clear()
    rng._state.update(kcore_rng)


@contextlib.contextmanager
def unchanged_on_failure():
    """Within the block, an exception restores the process-wide settings taken on entry."""
    state = _snapshot()
    try:
        yield
    except BaseException:
        _restore(state)
        raise
