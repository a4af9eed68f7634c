"""Keras 2's ``keras.utils.np_utils``: label and array helpers on NumPy."""
import numpy as np


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


__all__ = ['to_categorical', 'normalize']
