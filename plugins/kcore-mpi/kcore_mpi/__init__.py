"""kcore-mpi: data-parallel training over MPI.

Users reach the strategy through kcore's registry
(``kcore.distribute.MPIDataParallel``); it is also importable from here.
Importing this package does not start MPI: creating the strategy does.
"""


def __getattr__(name):
    if name == 'MPIDataParallel':
        from kcore_mpi.strategy import MPIDataParallel
        return MPIDataParallel
    raise AttributeError("module 'kcore_mpi' has no attribute %r" % name)


__all__ = ['MPIDataParallel']
