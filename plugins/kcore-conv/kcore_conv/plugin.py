"""kcore-conv's hooks (registrations only; the code lives beside this module)."""
from kcore.plugins import hookimpl


@hookimpl
def register_kernels(register):
    from kcore_conv.kernels import KERNELS
    for name, fn in KERNELS.items():
        register(fn, name=name)


@hookimpl
def register_ops(register):
    from kcore_conv.ops import OPS
    for fn in OPS:
        register(fn)


@hookimpl
def register_layers(register):
    from kcore_conv.catalog import LAYERS
    for cls, aliases, example in LAYERS:
        register(cls, aliases=aliases, example=example)
