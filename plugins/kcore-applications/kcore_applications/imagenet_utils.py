"""ImageNet helpers shared by every model: input preprocessing, decoding the
1000-class predictions, and the input-shape rules of Keras's applications."""
import json
import os
import warnings

import numpy as np

from kcore import backend as K

CLASS_INDEX_PATH = ('https://storage.googleapis.com/download.tensorflow.org/'
                    'data/imagenet_class_index.json')
CLASS_INDEX_HASH = 'c2c37ea517e94d9795004a39431a14cb'
#: the real file is about 35 kB; anything far larger is not it
MAX_CLASS_INDEX_BYTES = 1 << 20

_MODES = ('caffe', 'tf', 'torch')
_CAFFE_MEAN = (103.939, 116.779, 123.68)  # BGR
_TORCH_MEAN = (0.485, 0.456, 0.406)
_TORCH_STD = (0.229, 0.224, 0.225)

_class_index = None


def preprocess_input(x, data_format=None, mode='caffe', **kwargs):
    """Scale a batch of RGB images (0..255) the way a model's weights expect.

    ``mode``: ``'caffe'`` (RGB to BGR, minus the ImageNet mean per channel,
    no scaling), ``'tf'`` (to -1..1) or ``'torch'`` (to 0..1, then the ImageNet
    mean and standard deviation per channel).  A float NumPy array is changed in
    place, as in Keras (pass ``np.copy(x)`` to keep it); other input is
    converted to ``floatx`` first.  A symbolic tensor gives a symbolic result.
    """
    if kwargs:
        raise TypeError('preprocess_input() got unexpected keyword arguments %s. Expected data_format and mode.'
                        % sorted(kwargs))
    if data_format is None:
        data_format = K.image_data_format()
    if data_format not in ('channels_first', 'channels_last'):
        raise ValueError('preprocess_input: unknown data_format %r. Expected "channels_first" or '
                         '"channels_last".' % (data_format,))
    if mode not in _MODES:
        raise ValueError('preprocess_input: unknown mode %r. Expected one of %s.' % (mode, ', '.join(_MODES)))
    if K.is_keras_tensor(x) or isinstance(x, K.Tensor):
        return _preprocess_tensor(x, data_format, mode)
    x = np.asarray(x) if not isinstance(x, np.ndarray) else x
    if not issubclass(x.dtype.type, np.floating):
        x = x.astype(K.floatx(), copy=False)
    return _preprocess_array(x, data_format, mode)


def _channel_axis(ndim, data_format):
    if ndim not in (3, 4):
        raise ValueError('preprocess_input expects one image (3 axes) or a batch (4 axes). Received an array '
                         'with %d axes.' % ndim)
    return (0 if ndim == 3 else 1) if data_format == 'channels_first' else ndim - 1


def _per_channel(values, ndim, axis):
    shape = [1] * ndim
    shape[axis] = len(values)
    return np.array(values, dtype=K.floatx()).reshape(shape)


def _preprocess_array(x, data_format, mode):
    if mode == 'tf':
        x /= 127.5
        x -= 1.
        return x
    axis = _channel_axis(x.ndim, data_format)
    if mode == 'torch':
        x /= 255.
        x -= _per_channel(_TORCH_MEAN, x.ndim, axis).astype(x.dtype)
        x /= _per_channel(_TORCH_STD, x.ndim, axis).astype(x.dtype)
        return x
    x = np.flip(x, axis=axis)  # RGB -> BGR (a view, as Keras's x[..., ::-1])
    x -= _per_channel(_CAFFE_MEAN, x.ndim, axis).astype(x.dtype)
    return x


def _preprocess_tensor(x, data_format, mode):
    if mode == 'tf':
        return x / 127.5 - 1.
    ndim = len(K.int_shape(x))
    axis = _channel_axis(ndim, data_format)
    if mode == 'torch':
        return (x / 255. - K.constant(_per_channel(_TORCH_MEAN, ndim, axis))) \
            / K.constant(_per_channel(_TORCH_STD, ndim, axis))
    return K.reverse(x, axis) - K.constant(_per_channel(_CAFFE_MEAN, ndim, axis))


def decode_predictions(preds, top=5, **kwargs):
    """``[[(class_id, class_name, score), ...], ...]``: the ``top`` classes of each row of
    ``preds`` (shape ``(samples, 1000)``), best first.

    The class names come from Keras's ``imagenet_class_index.json``, fetched
    once through ``kcore.utils.get_file`` into Keras's cache (``~/.keras/models``).
    """
    if kwargs:
        raise TypeError('decode_predictions() got unexpected keyword arguments %s.' % sorted(kwargs))
    preds = np.asarray(preds)
    if preds.ndim != 2 or preds.shape[1] != 1000:
        raise ValueError('`decode_predictions` expects a batch of predictions (i.e. a 2D array of shape '
                         '(samples, 1000)). Found array with shape: %s' % (preds.shape,))
    index = class_index()
    results = []
    for pred in preds:
        best = np.argsort(pred, kind='stable')[::-1][:top]
        results.append([tuple(index[str(i)]) + (pred[i],) for i in best])
    return results


def class_index():
    """The ImageNet class index ``{'0': ['n01440764', 'tench'], ...}`` (fetched once, then cached)."""
    global _class_index
    if _class_index is None:
        from kcore_applications.weights import fetch
        path = fetch('imagenet_class_index.json', CLASS_INDEX_PATH, CLASS_INDEX_HASH)
        _class_index = read_class_index(path)
    return _class_index


def read_class_index(path):
    """Read and check a class-index JSON file: bounded in size, 1000 entries of two strings."""
    size = os.path.getsize(path)
    if size > MAX_CLASS_INDEX_BYTES:
        raise ValueError('The ImageNet class index %r is %d bytes; the real file is about 35 kB (limit %d). '
                         'Delete it so that it is downloaded again.' % (path, size, MAX_CLASS_INDEX_BYTES))
    with open(path, 'rb') as f:
        raw = f.read(MAX_CLASS_INDEX_BYTES + 1)
    try:
        data = json.loads(raw.decode('utf-8'))
    except (UnicodeDecodeError, ValueError) as e:
        raise ValueError('The ImageNet class index %r is not valid JSON (%s). Delete it so that it is '
                         'downloaded again.' % (path, e)) from None
    ok = (isinstance(data, dict) and set(data) == {str(i) for i in range(1000)}
          and all(isinstance(v, list) and len(v) == 2 and all(isinstance(s, str) for s in v)
                  for v in data.values()))
    if not ok:
        raise ValueError('The ImageNet class index %r does not have the expected form: keys "0".."999", each '
                         'mapped to [wordnet_id, class_name]. Delete it so that it is downloaded again.' % path)
    return data


def obtain_input_shape(input_shape, default_size, min_size, data_format, require_flatten, weights=None):
    """The model's input shape: the default, or ``input_shape`` checked against the
    model's rules (3 axes, at least ``min_size`` pixels, 3 channels for ImageNet
    weights, fixed for a model with its classifier)."""
    channels_first = data_format == 'channels_first'
    if weights != 'imagenet' and input_shape and len(input_shape) == 3:
        channels = input_shape[0] if channels_first else input_shape[-1]
        if channels not in (1, 3):
            warnings.warn('This model usually expects 1 or 3 input channels. However, it was passed an '
                          'input_shape with %s input channels.' % (channels,), stacklevel=3)
        default_shape = ((channels, default_size, default_size) if channels_first
                         else (default_size, default_size, channels))
    else:
        default_shape = (3, default_size, default_size) if channels_first else (default_size, default_size, 3)
    if weights == 'imagenet' and require_flatten:
        if input_shape is not None and tuple(input_shape) != default_shape:
            raise ValueError('When setting `include_top=True` and loading `imagenet` weights, `input_shape` '
                             'should be %s. Received: input_shape=%s.' % (default_shape, tuple(input_shape)))
        return default_shape
    if input_shape:
        input_shape = tuple(input_shape)
        if len(input_shape) != 3:
            raise ValueError('`input_shape` must be a tuple of three integers. Received: input_shape=%s.'
                             % (input_shape,))
        channels = input_shape[0] if channels_first else input_shape[-1]
        spatial = input_shape[1:] if channels_first else input_shape[:2]
        if channels != 3 and weights == 'imagenet':
            raise ValueError('The input must have 3 channels; got `input_shape=%s`' % (input_shape,))
        if any(s is not None and s < min_size for s in spatial):
            raise ValueError('Input size must be at least %dx%d; got `input_shape=%s`'
                             % (min_size, min_size, input_shape))
    elif require_flatten:
        input_shape = default_shape
    else:
        input_shape = (3, None, None) if channels_first else (None, None, 3)
    if require_flatten and None in input_shape:
        raise ValueError('If `include_top` is True, you should specify a static `input_shape`. Got '
                         '`input_shape=%s`' % (input_shape,))
    return input_shape
