"""Global settings: ``~/.kcore/kcore.json``, the environment, and code.

Precedence, lowest first: built-in defaults, the JSON file
(``$KCORE_HOME/kcore.json``, ``KCORE_HOME`` defaulting to ``~/.kcore``), the
environment (``KCORE_BACKEND``, ``KCORE_FLOATX``), then calls such as
``K.set_floatx``.  The file uses the keys of Keras's ``keras.json``; the Keras 1
key ``image_dim_ordering`` ('tf'/'th') is read too, with a deprecation warning.
The file is read once, at import; kcore never writes it.
"""
import json
import os
import warnings
from kcore._deprecated import warn_renamed

_DEFAULTS = {
    'backend': 'numpy',
    'floatx': 'float32',
    'epsilon': 1e-07,
    'image_data_format': 'channels_last',
}
_FLOATX = ('float16', 'float32', 'float64')
_DATA_FORMATS = ('channels_last', 'channels_first')

settings = dict(_DEFAULTS)


def kcore_home():
    """The folder holding ``kcore.json``: ``$KCORE_HOME`` or ``~/.kcore``."""
    return os.environ.get('KCORE_HOME') or os.path.join(os.path.expanduser('~'), '.kcore')


def config_path():
    """The path of the settings file, ``kcore.json`` in ``kcore_home()``."""
    return os.path.join(kcore_home(), 'kcore.json')


def _read_file(path):
    try:
        with open(path, encoding='utf-8') as f:
            data = json.load(f)
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as e:
        warnings.warn('kcore: ignoring unreadable config file %s (%s).' % (path, e), RuntimeWarning)
        return {}
    if not isinstance(data, dict):
        warnings.warn('kcore: ignoring config file %s: expected a JSON object.' % path, RuntimeWarning)
        return {}
    if 'image_dim_ordering' in data and 'image_data_format' not in data:
        warn_renamed('"image_dim_ordering" in %s' % path, '"image_data_format"')
        data['image_data_format'] = {'tf': 'channels_last', 'th': 'channels_first'}.get(
            data['image_dim_ordering'], data['image_dim_ordering'])
    return data


def load():
    """(Re)load settings from defaults, the file and the environment."""
    settings.clear()
    settings.update(_DEFAULTS)
    data = _read_file(config_path())
    for key in _DEFAULTS:
        if key in data:
            settings[key] = data[key]
    if os.environ.get('KCORE_BACKEND'):
        settings['backend'] = os.environ['KCORE_BACKEND']
    if os.environ.get('KCORE_FLOATX'):
        settings['floatx'] = os.environ['KCORE_FLOATX']
    try:
        set_floatx(settings['floatx'])
        set_epsilon(settings['epsilon'])
        set_image_data_format(settings['image_data_format'])
    except ValueError as e:
        warnings.warn('kcore: bad value in %s (%s); using defaults.' % (config_path(), e), RuntimeWarning)
        for key in ('floatx', 'epsilon', 'image_data_format'):
            settings[key] = _DEFAULTS[key]


def floatx():
    """The default float type, as a string ('float32')."""
    return settings['floatx']


def set_floatx(value):
    """Set the default float dtype of weights and tensors (``K.set_floatx``).

    Args:
        value: ``'float16'``, ``'float32'`` (the default) or ``'float64'``.

    Raises:
        ValueError: ``value`` is another name.
    """
    if value not in _FLOATX:
        raise ValueError('Unknown floatx %r. Expected one of %s.' % (value, ', '.join(_FLOATX)))
    settings['floatx'] = str(value)


def epsilon():
    """The fuzz factor used to keep logs and divisions finite (1e-7)."""
    return settings['epsilon']


def set_epsilon(value):
    """Set the fuzz factor that ``K.epsilon()`` returns.

    Args:
        value: A positive number; 1e-7 by default.

    Raises:
        ValueError: ``value`` is not positive.
    """
    value = float(value)
    if not value > 0:
        raise ValueError('epsilon must be a positive number. Received: %r.' % value)
    settings['epsilon'] = value


def image_data_format():
    """The default ``data_format`` of image layers (``K.image_data_format``).

    Returns:
        ``'channels_last'`` (the default) or ``'channels_first'``.
    """
    return settings['image_data_format']


def set_image_data_format(value):
    """Set the default ``data_format`` of image layers (``K.set_image_data_format``).

    Args:
        value: ``'channels_last'`` or ``'channels_first'``.

    Raises:
        ValueError: ``value`` is anything else.
    """
    if value not in _DATA_FORMATS:
        raise ValueError('Unknown image_data_format %r. Expected one of %s.'
                         % (value, ', '.join(_DATA_FORMATS)))
    settings['image_data_format'] = str(value)


def normalize_data_format(value):
    """``None`` means the configured format; anything else is validated."""
    if value is None:
        return image_data_format()
    value = str(value).lower()
    if value not in _DATA_FORMATS:
        raise ValueError('data_format must be one of %s. Received: data_format=%r.'
                         % (', '.join(_DATA_FORMATS), value))
    return value


load()

__all__ = ['settings', 'kcore_home', 'config_path', 'load', 'floatx', 'set_floatx', 'epsilon', 'set_epsilon',
           'image_data_format', 'set_image_data_format', 'normalize_data_format']
