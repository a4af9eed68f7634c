"""Names that Keras 2's modules re-export from elsewhere in Keras, as lazy targets.

Keras 2 scripts import helpers through whichever module happened to import them
(``from keras.layers.core import K``, ``from keras.engine.training import
to_list``).  kcore's modules at those paths resolve such names on first use
through ``kcore.plugins.module_getattr(kind, extra)``; this table is the
``extra``: name -> module (same attribute name), or ``(module, attribute)``
where None means the module itself.  Plain strings only: nothing is imported
here, so any level of kcore may use the table without importing upwards.
"""

MODULES = {
    'K': ('kcore.backend', None),
    'activations': ('kcore.activations', None),
    'initializers': ('kcore.initializers', None),
    'regularizers': ('kcore.regularizers', None),
    'constraints': ('kcore.constraints', None),
    'losses': ('kcore.losses', None),
    'optimizers': ('kcore.optimizers', None),
    'metrics_module': ('kcore.metrics', None),
    'cbks': ('kcore.callbacks', None),
    'layer_module': ('kcore.layers', None),
    'conv_utils': ('kcore.utils.conv_utils', None),
    'generic_utils': ('kcore.utils.generic_utils', None),
    'losses_utils': ('kcore.utils.losses_utils', None),
    'metrics_utils': ('kcore.utils.metrics_utils', None),
    'recurrent': ('kcore.layers.recurrent', None),
    'saving': ('kcore.engine.saving', None),
    'network': ('kcore.engine.network', None),
    'training_utils': ('kcore.engine.training_utils', None),
    'training_arrays': ('kcore.engine.training_arrays', None),
    'training_generator': ('kcore.engine.training_generator', None),
}

HELPERS = dict.fromkeys(
    ('has_arg', 'to_list', 'unpack_singleton', 'object_list_uid', 'is_all_none', 'slice_arrays',
     'transpose_shape', 'serialize_keras_object', 'deserialize_keras_object', 'Progbar'),
    'kcore.utils.generic_utils')
HELPERS.update({
    'Layer': 'kcore.layers.base',
    'InputSpec': 'kcore.layers.input_spec',
    'Input': 'kcore.layers.input_layer',
    'InputLayer': 'kcore.layers.input_layer',
    'Model': 'kcore.models.model',
    'Sequential': 'kcore.models.sequential',
    'Network': 'kcore.engine.network',
    'Node': 'kcore.models.symbolic',
    'count_params': 'kcore.utils.layer_utils',
    'get_source_inputs': 'kcore.utils.layer_utils',
    'print_layer_summary': ('kcore.utils.layer_utils', 'print_summary'),
    'disable_tracking': 'kcore.engine.base_layer',
    'ask_to_proceed_with_overwrite': 'kcore.utils.io_utils',
    'Sequence': 'kcore.training.data',
    'GeneratorEnqueuer': 'kcore.utils.enqueuers',
    'OrderedEnqueuer': 'kcore.utils.enqueuers',
    'Recurrent': 'kcore.legacy.recurrent',
    'standardize_input_data': 'kcore.engine.training_utils',
    'Callback': 'kcore.training.callbacks',
    'concatenate': 'kcore.layers.merge',
    'Lambda': 'kcore.layers.lambda_layer',
    'clone_model': 'kcore.models',
    'Wrapper': ('kcore.layers.wrappers', 'Wrapper'),
    'H5Dict': 'kcore.utils.io_utils',
    'ConvRecurrent2D': 'kcore.legacy.recurrent',
})

#: everything a legacy module path may re-export
COMMON = dict(MODULES, **HELPERS)


def resolve(target, name):
    """The object a table entry points at (imported now)."""
    import importlib
    module, attr = (target, name) if isinstance(target, str) else target
    module = importlib.import_module(module)
    return module if attr is None else getattr(module, attr)


def module_getattr(module_name, names):
    """A module ``__getattr__`` for the ``names`` (keys of ``COMMON``) a Keras 2 module re-exports."""
    def __getattr__(name):
        if name in names:
            return resolve(COMMON[name], name)
        raise AttributeError('module %r has no attribute %r' % (module_name, name))
    return __getattr__
