"""Utilities Keras scripts import from ``keras.utils``."""
import numpy as np

from kcore.training.data import Sequence  # noqa: F401
from kcore.utils.progbar import Progbar  # noqa: F401
from kcore.utils.data_utils import get_file, validate_file  # noqa: F401
from kcore.runtime import rng
from kcore.runtime.device import ACTIVE
from kcore.plugins import registry
from kcore.utils.history_plot import plot_history  # noqa: F401
from kcore.utils.vis_utils import model_to_dot, plot_model  # noqa: F401


def to_categorical(y, num_classes=None, dtype='float32'):
    """Integer class vector ``y`` to a one-hot matrix (a trailing axis of size 1 is dropped)."""
    y = np.asarray(y)
    if y.dtype.kind == 'f':
        bad = y[~(np.isfinite(y) & (y == np.round(y)))]
        if bad.size:
            raise ValueError('to_categorical: expected integer class indices. Received: non-integer values '
                             'such as %r. Round or map the labels to 0..num_classes-1 first.' % float(bad[0]))
    elif y.dtype.kind not in 'iub':
        raise ValueError('to_categorical: expected integer class indices. Received: an array of dtype %s.'
                         % y.dtype)
    y = y.astype('int64')
    shape = y.shape
    if shape and shape[-1] == 1 and len(shape) > 1:
        shape = shape[:-1]
    y = y.reshape(-1)
    if y.size and y.min() < 0:
        raise ValueError('to_categorical: class indices must be non-negative. Received: a minimum of %d.'
                         % y.min())
    if num_classes is None:
        num_classes = int(y.max()) + 1 if y.size else 0
    elif y.size and y.max() >= num_classes:
        raise ValueError('to_categorical: class index %d is out of range. Expected indices below '
                         'num_classes=%d. Received: num_classes=%d; raise it or fix the labels.'
                         % (y.max(), num_classes, num_classes))
    out = np.zeros((y.shape[0], num_classes), dtype=dtype)
    out[np.arange(y.shape[0]), y] = 1
    return out.reshape(shape + (num_classes,))


def normalize(x, axis=-1, order=2):
    """Scale ``x`` to unit ``order``-norm along ``axis`` (zero vectors stay zero)."""
    x = np.asarray(x)
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis)


def set_random_seed(seed):
    """Seed Python's, NumPy's and kcore's generators: the same script then gives
    bit-identical weights and training history on the CPU."""
    rng.set_seed(seed)


def multi_gpu_model(model, gpus=None, cpu_merge=True, cpu_relocation=False):
    """Keras 2's data-parallel replication of ``model`` over ``gpus`` devices.

    Refuses with a ``ValueError`` when ``gpus`` < 2 (as Keras 2 did) or when the
    active backend has fewer than ``gpus`` devices; the replication itself is
    provided by a backend that implements ``replicate_model`` (the CUDA one).
    """
    n = len(gpus) if isinstance(gpus, (list, tuple)) else gpus
    if not isinstance(n, int) or isinstance(n, bool) or n <= 1:
        raise ValueError('For multi-gpu usage to be effective, call multi_gpu_model with gpus >= 2. '
                         'Received: gpus=%r.' % (gpus,))
    backend = ACTIVE.backend
    available = backend.device_count()
    if available < n:
        raise ValueError('To call multi_gpu_model with gpus=%d, we expect the active backend to have at least %d '
                         'GPUs. Received: backend %r with %d device(s). Switch to the CUDA backend '
                         '(pip install kcore-gpu; KCORE_BACKEND=cuda) on a machine with %d GPUs, or train the '
                         'model as it is.' % (n, n, backend.name, available, n))
    replicate = getattr(backend, 'replicate_model', None)
    if replicate is None:
        raise ValueError('multi_gpu_model: the %r backend has %d devices but cannot replicate a model over them '
                         '(it has no replicate_model). Train the model as it is.' % (backend.name, available))
    return replicate(model, n)


def get_custom_objects():
    """Keras compatibility: kcore keeps custom objects in its registries instead.
    Returns a dict view of the registered layers (read-only)."""
    return {e.name: e.obj for e in registry('layers').entries()}
