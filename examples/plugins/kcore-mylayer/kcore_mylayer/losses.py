"""The pinball (quantile) loss: fitting it estimates the ``quantile`` of y given x."""
from kcore import backend as K
from kcore.losses import LossFunctionWrapper


def pinball_loss(y_true, y_pred, quantile=0.5):
    """Mean over the last axis of ``max(q * e, (q - 1) * e)`` with ``e = y_true - y_pred``."""
    error = K.cast(y_true, y_pred.dtype) - y_pred
    return K.mean(K.maximum(quantile * error, (quantile - 1.0) * error), axis=-1)


class PinballLoss(LossFunctionWrapper):
    def __init__(self, quantile=0.5, reduction='sum_over_batch_size', name='pinball_loss'):
        if not 0.0 < quantile < 1.0:
            raise ValueError('PinballLoss: quantile must be in (0, 1). Received: quantile=%r.' % (quantile,))
        super().__init__(pinball_loss, reduction=reduction, name=name, quantile=quantile)
