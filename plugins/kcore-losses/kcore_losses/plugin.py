"""kcore-losses's hooks (registrations only; the code lives beside this module)."""
from kcore.plugins import hookimpl


def _register_all(register, table):
    for obj, aliases in table:
        register(obj, aliases=aliases)


@hookimpl
def register_losses(register):
    """Hook: register the losses of kcore-losses."""
    from kcore_losses.losses import REGISTERED
    _register_all(register, REGISTERED)


@hookimpl
def register_metrics(register):
    """Hook: register the metrics of kcore-losses."""
    from kcore_losses.metrics import REGISTERED
    _register_all(register, REGISTERED)
