"""The optional libraries of ``kcore.preprocessing.image``: Pillow (reading, writing,
brightness) and SciPy (the affine transform), installed by ``pip install "kcore[image]"``."""
import importlib

EXTRA_HINT = 'Install them with: pip install "kcore[image]" (Pillow and SciPy).'


def require(module, what):
    """Import ``module``, or raise an ImportError that says what needs it and which extra installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise ImportError('kcore.preprocessing.image: %s needs the %r module, which is not installed. %s'
                          % (what, module.split('.')[0], EXTRA_HINT)) from e


Image = require('PIL.Image', 'reading and writing images')
ImageEnhance = require('PIL.ImageEnhance', 'brightness shifts')
ndimage = require('scipy.ndimage', 'the affine transforms (rotation, shift, shear, zoom)')
