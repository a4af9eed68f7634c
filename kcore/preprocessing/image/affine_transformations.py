"""Random and fixed geometric and colour transforms of one image (keras_preprocessing 1.1.2).

The geometric ones build one 3x3 matrix (rotation, then shift, shear, zoom, about the image
centre) and resample each channel with ``scipy.ndimage.affine_transform`` (order 1 by
default), which gives keras_preprocessing's pixels exactly.

As in 1.1.2, the ``random_*`` functions pass only ``channel_axis`` on, so the rows and
columns are always taken from the first two non-channel axes of ``x``.
"""
import numpy as np

from kcore.preprocessing.image._deps import ImageEnhance, ndimage
from kcore.preprocessing.image.utils import array_to_img, img_to_array

__all__ = ['flip_axis', 'random_rotation', 'random_shift', 'random_shear', 'random_zoom', 'apply_channel_shift',
           'random_channel_shift', 'apply_brightness_shift', 'random_brightness', 'transform_matrix_offset_center',
           'apply_affine_transform', 'array_to_img', 'img_to_array']

#: keras_preprocessing's four, and the other modes scipy accepts
FILL_MODES = ('constant', 'nearest', 'reflect', 'wrap', 'mirror', 'grid-constant', 'grid-mirror', 'grid-wrap')


def flip_axis(x, axis):
    """``x`` reversed along ``axis``."""
    return np.flip(np.asarray(x), axis)


def random_rotation(x, rg, row_axis=1, col_axis=2, channel_axis=0, fill_mode='nearest', cval=0.,
                    interpolation_order=1):
    """Rotate by a uniform random angle in ``[-rg, rg]`` degrees."""
    theta = np.random.uniform(-rg, rg)
    return apply_affine_transform(x, theta=theta, channel_axis=channel_axis, fill_mode=fill_mode, cval=cval,
                                  order=interpolation_order)


def random_shift(x, wrg, hrg, row_axis=1, col_axis=2, channel_axis=0, fill_mode='nearest', cval=0.,
                 interpolation_order=1):
    """Shift by uniform random fractions of the height (``hrg``) and width (``wrg``)."""
    h, w = x.shape[row_axis], x.shape[col_axis]
    tx = np.random.uniform(-hrg, hrg) * h
    ty = np.random.uniform(-wrg, wrg) * w
    return apply_affine_transform(x, tx=tx, ty=ty, channel_axis=channel_axis, fill_mode=fill_mode, cval=cval,
                                  order=interpolation_order)


def random_shear(x, intensity, row_axis=1, col_axis=2, channel_axis=0, fill_mode='nearest', cval=0.,
                 interpolation_order=1):
    """Shear by a uniform random angle in ``[-intensity, intensity]`` degrees."""
    shear = np.random.uniform(-intensity, intensity)
    return apply_affine_transform(x, shear=shear, channel_axis=channel_axis, fill_mode=fill_mode, cval=cval,
                                  order=interpolation_order)


def random_zoom(x, zoom_range, row_axis=1, col_axis=2, channel_axis=0, fill_mode='nearest', cval=0.,
                interpolation_order=1):
    """Zoom rows and columns by two uniform random factors in ``zoom_range`` (``(lower, upper)``)."""
    if len(zoom_range) != 2:
        raise ValueError('`zoom_range` should be a tuple or list of two floats. Received: %s' % (zoom_range,))
    if zoom_range[0] == 1 and zoom_range[1] == 1:
        zx, zy = 1, 1
    else:
        zx, zy = np.random.uniform(zoom_range[0], zoom_range[1], 2)
    return apply_affine_transform(x, zx=zx, zy=zy, channel_axis=channel_axis, fill_mode=fill_mode, cval=cval,
                                  order=interpolation_order)


def apply_channel_shift(x, intensity, channel_axis=0):
    """Add ``intensity`` to every channel, clipped to the image's original min and max."""
    x = np.rollaxis(x, channel_axis, 0)
    low, high = np.min(x), np.max(x)
    x = np.stack([np.clip(channel + intensity, low, high) for channel in x], axis=0)
    return np.rollaxis(x, 0, channel_axis + 1)


def random_channel_shift(x, intensity_range, channel_axis=0):
    """:func:`apply_channel_shift` by a uniform random amount in ``[-intensity_range, intensity_range]``."""
    intensity = np.random.uniform(-intensity_range, intensity_range)
    return apply_channel_shift(x, intensity, channel_axis=channel_axis)


def apply_brightness_shift(x, brightness):
    """Pillow's brightness enhancement by ``brightness`` (1: unchanged). The image is first scaled to
    0..255 (``array_to_img``), so the result is in that range, as in keras_preprocessing."""
    img = array_to_img(x, data_format='channels_last')
    img = ImageEnhance.Brightness(img).enhance(brightness)
    return img_to_array(img, data_format='channels_last')


def random_brightness(x, brightness_range):
    """:func:`apply_brightness_shift` by a uniform random factor in ``brightness_range``."""
    if len(brightness_range) != 2:
        raise ValueError('`brightness_range should be tuple or list of two floats. Received: %s'
                         % (brightness_range,))
    return apply_brightness_shift(x, np.random.uniform(brightness_range[0], brightness_range[1]))


def transform_matrix_offset_center(matrix, x, y):
    """``matrix`` applied about the centre of an ``x`` by ``y`` image instead of its corner."""
    o_x = float(x) / 2 + 0.5
    o_y = float(y) / 2 + 0.5
    offset = np.array([[1, 0, o_x], [0, 1, o_y], [0, 0, 1]])
    reset = np.array([[1, 0, -o_x], [0, 1, -o_y], [0, 0, 1]])
    return np.dot(np.dot(offset, matrix), reset)


def _transform_matrix(theta, tx, ty, shear, zx, zy):
    """The product rotation @ shift @ shear @ zoom of the non-identity parts (None if all are)."""
    parts = []
    if theta != 0:
        theta = np.deg2rad(theta)
        parts.append(np.array([[np.cos(theta), -np.sin(theta), 0], [np.sin(theta), np.cos(theta), 0], [0, 0, 1]]))
    if tx != 0 or ty != 0:
        parts.append(np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]]))
    if shear != 0:
        shear = np.deg2rad(shear)
        parts.append(np.array([[1, -np.sin(shear), 0], [0, np.cos(shear), 0], [0, 0, 1]]))
    if zx != 1 or zy != 1:
        parts.append(np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]]))
    if not parts:
        return None
    matrix = parts[0]
    for part in parts[1:]:
        matrix = np.dot(matrix, part)
    return matrix


def apply_affine_transform(x, theta=0, tx=0, ty=0, shear=0, zx=1, zy=1, row_axis=0, col_axis=1, channel_axis=2,
                           fill_mode='nearest', cval=0., order=1):
    """Rotate by ``theta`` degrees, shift by ``(tx, ty)`` pixels (rows, columns), shear by ``shear``
    degrees and zoom by ``(zx, zy)``, about the image centre; points from outside the image are
    filled by ``fill_mode`` (``'constant'`` uses ``cval``). ``x`` is returned as it is when every
    parameter is the identity."""
    if fill_mode not in FILL_MODES:
        raise ValueError('apply_affine_transform: unknown fill_mode %r. Expected one of %s.'
                         % (fill_mode, ', '.join(FILL_MODES)))
    matrix = _transform_matrix(theta, tx, ty, shear, zx, zy)
    if matrix is None:
        return x
    h, w = x.shape[row_axis], x.shape[col_axis]
    matrix = transform_matrix_offset_center(matrix, h, w)
    x = np.ascontiguousarray(np.rollaxis(x, channel_axis, 0))  # contiguous planes resample ~20% faster
    affine, offset = matrix[:2, :2], matrix[:2, 2]
    out = np.empty_like(x)
    for c in range(x.shape[0]):
        ndimage.affine_transform(x[c], affine, offset, output=out[c], order=order, mode=fill_mode, cval=cval)
    return np.rollaxis(out, 0, channel_axis + 1)
