"""Keras 2.3's module path ``keras.callbacks.tensorboard_v1``: the TensorBoard callback with
Keras 2's arguments (``batch_size``, ``write_grads``, the ``embeddings_*`` ones).  kcore has
one TensorBoard (``kcore.training.tensorboard``, on tensorboardX); it is this one."""
from kcore import _legacy_paths
from kcore.training.tensorboard import TensorBoard  # noqa: F401

# names Keras 2's module imported, resolved on first use
__getattr__ = _legacy_paths.module_getattr(__name__, ('K', 'standardize_input_data', 'Callback'))

__all__ = ['TensorBoard']
