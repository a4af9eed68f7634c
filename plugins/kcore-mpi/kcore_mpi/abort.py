"""A failure on one rank ends the whole job.

An uncaught exception on one rank would leave the others waiting forever in
their next collective.  The hook prints the failing rank's traceback, then
calls ``MPI_Abort``, which makes the MPI launcher kill every rank and exit
non-zero (ChainerMN's approach).
"""
import sys

_installed = []


def install(comm):
    """Chain an abort onto ``sys.excepthook`` (once per process)."""
    if _installed:
        return
    previous = sys.excepthook

    def abort_on_uncaught(exc_type, exc, tb):
        try:
            sys.stderr.write('kcore-mpi: rank %d of %d raised an uncaught exception; aborting every rank.\n'
                             % (comm.Get_rank(), comm.Get_size()))
            previous(exc_type, exc, tb)
            sys.stderr.flush()
            sys.stdout.flush()
        finally:
            comm.Abort(1)

    sys.excepthook = abort_on_uncaught
    _installed.append(abort_on_uncaught)
