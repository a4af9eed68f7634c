"""kcore-losses's hooks (registrations only; the code lives beside this module)."""
from kcore.plugins import hookimpl


def _register_all(register, table):
    for obj, aliases in table:
        register(obj, aliases=aliases)


@hookimpl
def register_losses(register):
    from kcore_losses.losses import REGISTERED
    _register_all(register, REGISTERED)


@hookimpl
def register_metrics(register):
    from kcore_losses.metrics import REGISTERED
    _register_all(register, REGISTERED)
