"""kcore-conv's hooks (registrations only; the code lives beside this module)."""
from kcore.plugins import hookimpl


@hookimpl
def register_kernels(register):
    """Hook: register the convolution and pooling kernels: the generic (device-neutral) ones
    under their op names, with the examples the override check runs, and the NumPy backend's
    overrides as ``name@numpy``."""
    from kcore_conv.kernels import EXAMPLES, KERNELS, NUMPY_KERNELS
    for name, fn in KERNELS.items():
        if name in EXAMPLES:
            register(fn, name=name, example=EXAMPLES[name])
        else:
            register(fn, name=name)
    for name, fn in NUMPY_KERNELS.items():
        register(fn, name=name, backend='numpy')


@hookimpl
def register_ops(register):
    """Hook: register the backend ops (``K.conv2d``, ``K.pool2d``, ...)."""
    from kcore_conv.ops import OPS
    for fn in OPS:
        register(fn)


@hookimpl
def register_layers(register):
    """Hook: register the convolution, pooling and reshaping layers."""
    from kcore_conv.catalog import LAYERS
    for cls, aliases, example in LAYERS:
        register(cls, aliases=aliases, example=example)
