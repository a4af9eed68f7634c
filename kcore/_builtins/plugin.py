"""Hook implementations for kcore's built-ins (layers, losses, optimizers, ...).

The plugin manager imports this module on the first name look-up, after ``import
kcore`` has finished, so it may import every floor of kcore.
"""
from kcore import activations, constraints, initializers, regularizers
from kcore._builtins import layers
from kcore.autodiff import fused, primitives
from kcore.plugins import hookimpl
from kcore.runtime import ctc
from kcore.runtime.device import NumpyBackend
from kcore.training import callbacks, losses, metrics, optimizers, schedules, update_kernels


@hookimpl
def register_backends(register):
    register(NumpyBackend())


@hookimpl
def register_kernels(register):
    examples = {**fused.EXAMPLES, **update_kernels.EXAMPLES, **layers.LAYER_EXAMPLES}
    for name, fn in (list(primitives.KERNELS.items()) + list(layers.LAYER_KERNELS.items())
                     + list(update_kernels.KERNELS.items()) + list(ctc.KERNELS.items())):
        if name in examples:
            register(fn, name=name, example=examples[name])
        else:
            register(fn, name=name)


@hookimpl
def register_activations(register):
    for name, fn, aliases in activations.BUILTINS:
        register(fn, name=name, aliases=aliases)


def _classes(register, items):
    for cls, aliases in items:
        register(cls, aliases=aliases)


@hookimpl
def register_initializers(register):
    _classes(register, initializers.BUILTINS)


@hookimpl
def register_regularizers(register):
    _classes(register, regularizers.BUILTINS)


@hookimpl
def register_constraints(register):
    _classes(register, constraints.BUILTINS)


@hookimpl
def register_ops(register):
    # Keras 2's K functions beyond the core op set, so that they also record on symbolic tensors
    from kcore.runtime import keras2_ops
    for name in keras2_ops.DIFFERENTIABLE:
        register(getattr(keras2_ops, name), name=name)


@hookimpl
def register_layers(register):
    for cls, aliases, example in layers.LAYERS:
        register(cls, aliases=aliases, example=example)


@hookimpl
def register_losses(register):
    # the generic loss test's default data are same-shape floats; these take class indices
    labels = {'example': {'y_true_shape': (2,), 'y_true_dtype': 'int32', 'y_true_range': (0, 3)}}
    for name, fn, aliases in losses.BUILTIN_FUNCTIONS:
        register(fn, name=name, aliases=aliases, **(labels if name.startswith('sparse_') else {}))
    for cls in losses.BUILTIN_CLASSES:
        register(cls, **(labels if cls.__name__.startswith('Sparse') else {}))


@hookimpl
def register_metrics(register):
    for name, fn, aliases in metrics.BUILTIN_FUNCTIONS:
        register(fn, name=name, aliases=aliases)
    for cls in metrics.BUILTIN_CLASSES:
        register(cls)
    from kcore.training.keras2_metrics import CLASSES
    for cls in CLASSES:
        register(cls)


@hookimpl
def register_optimizers(register):
    _classes(register, optimizers.BUILTINS)


@hookimpl
def register_schedules(register):
    for cls in schedules.BUILTINS:
        register(cls)


@hookimpl
def register_callbacks(register):
    from kcore.training.tensorboard import TensorBoard
    for cls in callbacks.BUILTINS + [TensorBoard]:
        register(cls)
