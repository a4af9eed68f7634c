"""kcore-rnn's hooks (registrations only; the code lives beside this module)."""
from kcore.plugins import hookimpl


@hookimpl
def register_kernels(register):
    """Hook: register the recurrent kernels."""
    from kcore_rnn.kernels import EXAMPLES, KERNELS
    for name, fn in KERNELS.items():
        if name in EXAMPLES:
            register(fn, name=name, example=EXAMPLES[name])
        else:
            register(fn, name=name)


@hookimpl
def register_layers(register):
    """Hook: register the recurrent layers and cells."""
    from kcore_rnn.catalog import LAYERS
    for cls, aliases, example in LAYERS:
        register(cls, aliases=aliases, example=example)
