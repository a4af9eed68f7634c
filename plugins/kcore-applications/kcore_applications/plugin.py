"""kcore-applications's hooks (registrations only; the models live beside this module).

``kcore.applications.ResNet50`` is Keras 2.3's ``keras.applications.ResNet50``
(from ``resnet50``); ``resnet.ResNet50`` is the newer-named variant and is
reached through its module only, as in Keras.
"""
from kcore.plugins import hookimpl

from kcore_applications.catalog import MODULES


@hookimpl
def register_modules(register):
    """Hook: register the ``kcore.applications.<model>`` modules."""
    for name in MODULES:
        register('kcore_applications.' + name, name='kcore.applications.' + name)


@hookimpl
def register_applications(register):
    """Hook: register the application constructors (``ResNet50``, ``VGG16``, ...)."""
    for module, names in MODULES.items():
        for name in names:
            register('kcore_applications.%s:%s' % (module, name), name=name)


@hookimpl
def register_layers(register):
    """Hook: register the layers the applications' saved models need (``CustomScaleLayer``)."""
    from kcore_applications.layers import CustomScaleLayer
    register(CustomScaleLayer, example={'kwargs': {'scale': 0.17}, 'input_shape': [(2, 3, 4), (2, 3, 4)]})
