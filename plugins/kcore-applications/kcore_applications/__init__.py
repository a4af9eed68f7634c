"""kcore-applications: Keras's ready-made image models on kcore.

Users reach them as ``kcore.applications.ResNet50`` and
``kcore.applications.resnet50.preprocess_input``; this package registers its
modules and constructors under those paths (see ``plugin.py``).
"""
__version__ = '0.1.0'
