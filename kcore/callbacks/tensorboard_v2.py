"""Keras 2.3's module path ``keras.callbacks.tensorboard_v2``: the TensorBoard callback Keras 2.3
used on TensorFlow 2, whose ``batch_size`` defaults to None and which accepts tf.keras's
extra keyword arguments."""
import warnings

from kcore.training import tensorboard as _tensorboard


class TensorBoard(_tensorboard.TensorBoard):
    """kcore's TensorBoard with the TensorFlow 2 signature of Keras 2.3.

    ``batch_size`` and ``write_grads`` are ignored with a warning, as in Keras 2.3 on
    TensorFlow 2; tf.keras's extra keyword arguments (``profile_batch``,
    ``embeddings_freq`` given twice, ...) are accepted and ignored with a warning naming them.

    Args:
        log_dir, histogram_freq, write_graph, write_images, embeddings_freq,
        embeddings_layer_names, embeddings_metadata, embeddings_data, update_freq: as
            ``kcore.callbacks.TensorBoard``.
        batch_size: ignored.
        write_grads: ignored.
        **kwargs: tf.keras's other arguments, ignored.
    """

    def __init__(self, log_dir='./logs', histogram_freq=0, batch_size=None, write_graph=True, write_grads=False,
                 write_images=False, embeddings_freq=0, embeddings_layer_names=None, embeddings_metadata=None,
                 embeddings_data=None, update_freq='epoch', **kwargs):
        if batch_size is not None:
            warnings.warn('The TensorBoard callback `batch_size` argument (for histogram computation) is '
                          'ignored, as in Keras 2.3 on TensorFlow 2.', UserWarning, stacklevel=2)
        if kwargs:
            warnings.warn('TensorBoard: tf.keras argument(s) %s are ignored; kcore has no TensorFlow profiler.'
                          % ', '.join(sorted(kwargs)), UserWarning, stacklevel=2)
        super().__init__(log_dir=log_dir, histogram_freq=histogram_freq, write_graph=write_graph,
                         write_grads=write_grads, write_images=write_images, embeddings_freq=embeddings_freq,
                         embeddings_layer_names=embeddings_layer_names, embeddings_metadata=embeddings_metadata,
                         embeddings_data=embeddings_data, update_freq=update_freq)


__all__ = ['TensorBoard']
