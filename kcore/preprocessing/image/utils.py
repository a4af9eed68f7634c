"""Images as files and arrays, on Pillow: ``load_img``, ``img_to_array``, ``array_to_img``,
``save_img``, and the file listing that ``flow_from_directory`` uses (keras_preprocessing 1.1.2)."""
import io
import os
import warnings

import numpy as np

from kcore import config
from kcore.errors import KcoreError
from kcore.preprocessing.image._deps import Image

__all__ = ['validate_filename', 'save_img', 'load_img', 'list_pictures', 'array_to_img', 'img_to_array']

_INTERPOLATION = {'nearest': Image.NEAREST, 'bilinear': Image.BILINEAR, 'bicubic': Image.BICUBIC,
                  'hamming': Image.HAMMING, 'box': Image.BOX, 'lanczos': Image.LANCZOS}
_COLOR_MODES = ('grayscale', 'rgb', 'rgba')


class ImageFileError(KcoreError, OSError):
    """An image file that Pillow cannot read (damaged, or not an image despite its extension)."""


def _data_format(data_format):
    if data_format is None:
        data_format = config.image_data_format()
    if data_format not in {'channels_first', 'channels_last'}:
        raise ValueError("Invalid data_format: %r. Expected 'channels_last' or 'channels_first'." % (data_format,))
    return data_format


def validate_filename(filename, white_list_formats):
    """Whether ``filename`` ends with one of ``white_list_formats`` and is a file."""
    return filename.lower().endswith(white_list_formats) and os.path.isfile(filename)


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Write the image array ``x`` to ``path`` (Pillow picks the format from the name, or ``file_format``)."""
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == 'RGBA' and file_format in ('jpg', 'jpeg'):
        warnings.warn('The JPG format does not support RGBA images, converting to RGB.')
        img = img.convert('RGB')
    img.save(path, format=file_format, **kwargs)


def load_img(path, grayscale=False, color_mode='rgb', target_size=None, interpolation='nearest'):
    """A Pillow image of the file at ``path``, converted to ``color_mode`` (grayscale keeps 16/32-bit
    ``I;16``/``I`` images as they are) and resized to ``target_size`` ``(height, width)``."""
    if grayscale is True:
        warnings.warn('grayscale is deprecated. Please use color_mode = "grayscale"')
        color_mode = 'grayscale'
    if color_mode not in _COLOR_MODES:
        raise ValueError('color_mode must be "grayscale", "rgb", or "rgba". Received: color_mode=%r.'
                         % (color_mode,))
    if target_size is not None and interpolation not in _INTERPOLATION:
        raise ValueError('Invalid interpolation method {} specified. Supported methods are {}'
                         .format(interpolation, ', '.join(_INTERPOLATION)))
    with open(path, 'rb') as f:
        data = f.read()
    try:
        img = Image.open(io.BytesIO(data))
        img.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as e:
        raise ImageFileError('Cannot read the image %s: %s. Remove or replace the file (it is damaged, or not '
                             'an image despite its name).' % (path, e)) from e
    if color_mode == 'grayscale':
        if img.mode not in ('L', 'I;16', 'I'):
            img = img.convert('L')
    elif color_mode == 'rgba':
        if img.mode != 'RGBA':
            img = img.convert('RGBA')
    elif img.mode != 'RGB':
        img = img.convert('RGB')
    if target_size is not None:
        width_height = (target_size[1], target_size[0])
        if img.size != width_height:
            img = img.resize(width_height, _INTERPOLATION[interpolation])
    return img


def list_pictures(directory, ext=('jpg', 'jpeg', 'bmp', 'png', 'ppm', 'tif', 'tiff')):
    """Every file under ``directory`` whose extension is in ``ext``."""
    ext = tuple('.%s' % e for e in ((ext,) if isinstance(ext, str) else ext))
    return [os.path.join(root, f) for root, _, files in os.walk(directory) for f in files
            if f.lower().endswith(ext)]


def iter_valid_files(directory, white_list_formats, follow_links):
    """``(folder, file name)`` of the images under ``directory``, folders and names sorted."""
    for root, _, files in sorted(os.walk(directory, followlinks=follow_links), key=lambda w: w[0]):
        for fname in sorted(files):
            if fname.lower().endswith('.tiff'):
                warnings.warn('Using ".tiff" files with multiple bands will cause distortion. '
                              'Please verify your output.')
            if fname.lower().endswith(white_list_formats):
                yield root, fname


def list_valid_filenames_in_directory(directory, white_list_formats, split, class_indices, follow_links):
    """``(class indices, paths relative to the parent of directory)`` of one class folder;
    ``split`` ``(start, stop)`` fractions keep that part of the sorted list."""
    dirname = os.path.basename(directory)
    files = list(iter_valid_files(directory, white_list_formats, follow_links))
    if split:
        files = files[int(split[0] * len(files)):int(split[1] * len(files))]
    classes, filenames = [], []
    for root, fname in files:
        classes.append(class_indices[dirname])
        filenames.append(os.path.join(dirname, os.path.relpath(os.path.join(root, fname), directory)))
    return classes, filenames


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """A Pillow image of the rank-3 array ``x`` (1, 3 or 4 channels). ``scale`` maps the array's
    range onto 0..255; a 1-channel array with values above 255 becomes a 32-bit ``I`` image."""
    data_format = _data_format(data_format)
    x = np.asarray(x, dtype=dtype or config.floatx())
    if x.ndim != 3:
        raise ValueError('Expected image array to have rank 3 (single image). Got array with shape: %s'
                         % (x.shape,))
    if data_format == 'channels_first':
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        x_max = np.max(x)
        if x_max != 0:
            x /= x_max
        x *= 255
    channels = x.shape[2]
    if channels == 4:
        return Image.fromarray(x.astype('uint8'), 'RGBA')
    if channels == 3:
        return Image.fromarray(x.astype('uint8'), 'RGB')
    if channels == 1:
        if np.max(x) > 255:
            return Image.fromarray(x[:, :, 0].astype('int32'), 'I')
        return Image.fromarray(x[:, :, 0].astype('uint8'), 'L')
    raise ValueError('Unsupported channel number: %s. Expected 1 (grayscale), 3 (RGB) or 4 (RGBA) channels on '
                     'the %s axis. Received: an array of shape %s.' % (channels, data_format, x.shape))


def img_to_array(img, data_format=None, dtype=None):
    """The Pillow image ``img`` as a rank-3 array (a grayscale image gets a channel axis of 1)."""
    data_format = _data_format(data_format)
    x = np.asarray(img, dtype=dtype or config.floatx())
    if x.ndim == 3:
        if data_format == 'channels_first':
            x = x.transpose(2, 0, 1)
    elif x.ndim == 2:
        x = x.reshape((1,) + x.shape if data_format == 'channels_first' else x.shape + (1,))
    else:
        raise ValueError('Unsupported image shape: %s' % (x.shape,))
    return x
