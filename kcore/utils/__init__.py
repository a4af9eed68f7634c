"""Utilities Keras scripts import from ``keras.utils``.  The submodules keep Keras 2's paths
(``kcore.utils.np_utils``, ``generic_utils``, ``conv_utils``, ``layer_utils``, ``io_utils``,
``losses_utils``, ``multi_gpu_utils``); names and submodules load on first use, since the
training loop imports ``kcore.utils.nest`` early and must not pull in the rest."""
import importlib

from kcore.runtime import rng

_NAMES = {
    'Sequence': 'kcore.training.data',
    'Progbar': 'kcore.utils.progbar',
    'to_categorical': 'kcore.utils.np_utils', 'normalize': 'kcore.utils.np_utils',
    'multi_gpu_model': 'kcore.utils.multi_gpu_utils',
    'HDF5Matrix': 'kcore.utils.io_utils', 'H5Dict': 'kcore.utils.io_utils',
    'convert_all_kernels_in_model': 'kcore.utils.layer_utils', 'get_source_inputs': 'kcore.utils.layer_utils',
    'print_summary': 'kcore.utils.layer_utils',
    'get_file': 'kcore.utils.data_utils', 'validate_file': 'kcore.utils.data_utils',
    'model_to_dot': 'kcore.utils.vis_utils', 'plot_model': 'kcore.utils.vis_utils',
    'plot_history': 'kcore.utils.history_plot',
    'GeneratorEnqueuer': 'kcore.utils.enqueuers', 'OrderedEnqueuer': 'kcore.utils.enqueuers',
}
_NAMES.update({name: 'kcore.utils.generic_utils' for name in (
    'CustomObjectScope', 'custom_object_scope', 'get_custom_objects', 'serialize_keras_object',
    'deserialize_keras_object')})
_SUBMODULES = ('np_utils', 'generic_utils', 'conv_utils', 'layer_utils', 'io_utils', 'losses_utils',
               'multi_gpu_utils', 'data_utils', 'vis_utils', 'metrics_utils', 'test_utils')


def __getattr__(name):
    if name in _NAMES:
        return getattr(importlib.import_module(_NAMES[name]), name)
    if name in _SUBMODULES:
        return importlib.import_module('kcore.utils.' + name)
    raise AttributeError("module 'kcore.utils' has no attribute %r" % name)


def __dir__():
    return sorted(set(globals()) | set(_NAMES) | set(_SUBMODULES))


def set_random_seed(seed):
    """Seed Python's, NumPy's and kcore's generators: the same script then gives
    bit-identical weights and training history on the CPU."""
    rng.set_seed(seed)
