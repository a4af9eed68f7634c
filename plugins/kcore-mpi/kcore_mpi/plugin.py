"""kcore-mpi's hooks: the ``MPIDataParallel`` strategy."""
from kcore.plugins import hookimpl


@hookimpl
def register_strategies(register):
    """Hook: register the ``MPIDataParallel`` distribution strategy."""
    from kcore_mpi.strategy import MPIDataParallel
    register(MPIDataParallel)
