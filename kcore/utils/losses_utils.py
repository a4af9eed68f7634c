"""Keras 2's ``keras.utils.losses_utils``: loss reductions and sample weighting."""
from kcore import _legacy_paths
from kcore.runtime import ops as K


class Reduction:
    """The ways a loss reduces its per-sample values (Keras 2's names and values)."""
    NONE = 'none'
    SUM = 'sum'
    SUM_OVER_BATCH_SIZE = 'sum_over_batch_size'

    @classmethod
    def all(cls):
        return (cls.NONE, cls.SUM, cls.SUM_OVER_BATCH_SIZE)

    @classmethod
    def validate(cls, key):
        if key not in cls.all():
            raise ValueError('Invalid Reduction key %r. Expected one of %s.' % (key, cls.all()))


def squeeze_or_expand_dimensions(y_pred, y_true=None, sample_weight=None):
    """Drop or add a trailing axis of size 1 so that ``y_true`` and ``sample_weight`` line up
    with ``y_pred``; returns ``(y_pred, y_true)`` or ``(y_pred, y_true, sample_weight)``."""
    if y_true is not None:
        if K.ndim(y_true) == K.ndim(y_pred) + 1 and K.int_shape(y_true)[-1] == 1:
            y_true = K.squeeze(y_true, -1)
        elif K.ndim(y_pred) == K.ndim(y_true) + 1 and K.int_shape(y_pred)[-1] == 1:
            y_pred = K.squeeze(y_pred, -1)
    if sample_weight is None:
        return y_pred, y_true
    sample_weight = K.to_tensor(sample_weight)
    if K.ndim(sample_weight) == K.ndim(y_pred) + 1 and K.int_shape(sample_weight)[-1] == 1:
        sample_weight = K.squeeze(sample_weight, -1)
    elif K.ndim(y_pred) == K.ndim(sample_weight) + 1:
        sample_weight = K.expand_dims(sample_weight, -1)
    return y_pred, y_true, sample_weight


def reduce_weighted_loss(weighted_losses, reduction=Reduction.SUM_OVER_BATCH_SIZE):
    """Sum (``SUM``), mean over every element (``SUM_OVER_BATCH_SIZE``) or nothing (``NONE``)."""
    Reduction.validate(reduction)
    if reduction == Reduction.NONE:
        return weighted_losses
    total = K.sum(weighted_losses)
    if reduction == Reduction.SUM:
        return total
    return total / max(1, int(K.to_tensor(weighted_losses).size))


def broadcast_weights(values, sample_weight):
    """``sample_weight`` broadcast to the shape of ``values``."""
    values = K.to_tensor(values)
    return K.broadcast_to(K.cast(K.to_tensor(sample_weight), values.dtype), tuple(values.shape))


def compute_weighted_loss(losses, sample_weight=None, reduction=Reduction.SUM_OVER_BATCH_SIZE, name=None):
    """Weight per-sample ``losses`` by ``sample_weight`` and reduce them."""
    Reduction.validate(reduction)
    losses = K.to_tensor(losses)
    if sample_weight is not None:
        losses, _, sample_weight = squeeze_or_expand_dimensions(losses, None, sample_weight)
        losses = losses * K.cast(sample_weight, losses.dtype)
    return reduce_weighted_loss(losses, reduction)


__getattr__ = _legacy_paths.module_getattr(__name__, ('K',))

__all__ = ['Reduction', 'squeeze_or_expand_dimensions', 'reduce_weighted_loss', 'broadcast_weights',
           'compute_weighted_loss']
