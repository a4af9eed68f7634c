"""Training on several processes: strategies, found by name through the plugins.

    strategy = kcore.distribute.MPIDataParallel()   # pip install kcore-mpi
    with strategy.scope():
        model = build_model()
        model.compile(...)
    model.fit(x, y, batch_size=64)                   # batch_size is the global batch

Engines register ``Strategy`` subclasses with the ``register_strategies`` hook;
``kcore.distribute.<Name>`` resolves them like ``kcore.layers.<Name>`` (an
unknown name says which package to install).  ``Strategy`` itself is the
single-process behaviour, and ``get_strategy()`` the one in effect.
"""
from kcore.distribute.strategy import Strategy, get_strategy
from kcore.plugins import module_getattr as _module_getattr

__getattr__ = _module_getattr('strategies')

__all__ = ['Strategy', 'get_strategy']
