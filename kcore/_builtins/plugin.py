"""Hook implementations for kcore's built-ins (layers, losses, optimizers, ...).

Each hook imports its modules when it runs, so ``import kcore`` stays light.
"""
from kcore.plugins import hookimpl


@hookimpl
def register_backends(register):
    from kcore.backend.device import NumpyBackend
    register(NumpyBackend())


@hookimpl
def register_kernels(register):
    from kcore._builtins.layers import LAYER_KERNELS
    from kcore.autodiff.primitives import KERNELS
    for name, fn in list(KERNELS.items()) + list(LAYER_KERNELS.items()):
        register(fn, name=name)


@hookimpl
def register_activations(register):
    from kcore.activations import BUILTINS
    for name, fn, aliases in BUILTINS:
        register(fn, name=name, aliases=aliases)


def _classes(register, items):
    for cls, aliases in items:
        register(cls, aliases=aliases)


@hookimpl
def register_initializers(register):
    from kcore.initializers import BUILTINS
    _classes(register, BUILTINS)


@hookimpl
def register_regularizers(register):
    from kcore.regularizers import BUILTINS
    _classes(register, BUILTINS)


@hookimpl
def register_constraints(register):
    from kcore.constraints import BUILTINS
    _classes(register, BUILTINS)


@hookimpl
def register_layers(register):
    from kcore._builtins.layers import LAYERS
    for cls, aliases, example in LAYERS:
        register(cls, aliases=aliases, example=example)


@hookimpl
def register_losses(register):
    from kcore.training.losses import BUILTIN_CLASSES, BUILTIN_FUNCTIONS
    # the generic loss test's default data are same-shape floats; these take class indices
    labels = {'example': {'y_true_shape': (2,), 'y_true_dtype': 'int32', 'y_true_range': (0, 3)}}
    for name, fn, aliases in BUILTIN_FUNCTIONS:
        register(fn, name=name, aliases=aliases, **(labels if name.startswith('sparse_') else {}))
    for cls in BUILTIN_CLASSES:
        register(cls, **(labels if cls.__name__.startswith('Sparse') else {}))


@hookimpl
def register_metrics(register):
    from kcore.training.metrics import BUILTIN_CLASSES, BUILTIN_FUNCTIONS
    for name, fn, aliases in BUILTIN_FUNCTIONS:
        register(fn, name=name, aliases=aliases)
    for cls in BUILTIN_CLASSES:
        register(cls)
    from kcore.training.keras2_metrics import CLASSES
    for cls in CLASSES:
        register(cls)


@hookimpl
def register_optimizers(register):
    from kcore.training.optimizers import BUILTINS
    _classes(register, BUILTINS)


@hookimpl
def register_schedules(register):
    from kcore.training.schedules import BUILTINS
    for cls in BUILTINS:
        register(cls)


@hookimpl
def register_callbacks(register):
    from kcore.training.callbacks import BUILTINS
    for cls in BUILTINS:
        register(cls)
