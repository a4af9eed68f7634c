"""The hooks kcore calls: each registers this package's objects by name."""
from kcore.plugins import hookimpl


@hookimpl
def register_layers(register):
    from kcore_mylayer.layers import MyLayer
    register(MyLayer, example=[{'kwargs': {'output_dim': 3}, 'input_shape': (2, 4)},
                               {'kwargs': {'output_dim': 2}, 'input_shape': (2, 5, 4)}])


@hookimpl
def register_losses(register):
    from kcore_mylayer.losses import PinballLoss, pinball_loss
    register(pinball_loss, aliases=('quantile_loss',))
    register(PinballLoss)


@hookimpl
def register_optimizers(register):
    from kcore_mylayer.optimizers import Lion
    register(Lion, aliases=('lion',))
