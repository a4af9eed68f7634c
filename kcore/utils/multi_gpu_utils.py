"""Keras 2's ``keras.utils.multi_gpu_utils``."""
from kcore import _legacy_paths


def multi_gpu_model(model, gpus=None, cpu_merge=True, cpu_relocation=False):
    """Keras 2's data-parallel replication of ``model`` over ``gpus`` devices.

    Refuses with a ``ValueError`` when ``gpus`` < 2 (as Keras 2 did) or when the
    active backend has fewer than ``gpus`` devices; the replication itself is
    provided by a backend that implements ``replicate_model`` (the CUDA one).
    """
    from kcore.runtime.device import ACTIVE
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


__all__ = ['multi_gpu_model']

# names Keras 2's module imported (``from keras.utils.multi_gpu_utils import Lambda``), resolved on first use
__getattr__ = _legacy_paths.module_getattr(__name__, ('concatenate', 'K', 'Lambda', 'Model', 'clone_model', 'to_list'))
