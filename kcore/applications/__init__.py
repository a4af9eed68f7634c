"""Ready-made models (``kcore.applications.ResNet50``, ``kcore.applications.vgg16``).

Nothing here names a model: the constructors come from the ``applications``
registry and the modules (``vgg16``, ``resnet50``, ``mobilenet_v2``, ...) from
the ``modules`` registry, both filled by plugins (``pip install
kcore-applications``).  A name no installed plugin provides raises an error
that says what to install.
"""
from kcore.errors import UnknownNameError as _UnknownNameError
from kcore.plugins import modules as _modules
from kcore.plugins import registry as _registry


def __getattr__(name):
    if name.startswith('__'):
        raise AttributeError(name)
    module = _modules.submodule(__name__, name)
    if module is not None:
        return module
    try:
        return _modules.resolve(_registry('applications').get(name))
    except _UnknownNameError as e:
        raise AttributeError(str(e)) from None


def __dir__():
    prefix = __name__ + '.'
    subs = [n[len(prefix):] for n in _registry('modules').names() if n.startswith(prefix)]
    return sorted(set(globals()) | set(_registry('applications').names()) | {s for s in subs if '.' not in s})


__all__ = []
