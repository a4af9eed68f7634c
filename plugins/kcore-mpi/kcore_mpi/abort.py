"""A failure on one rank ends the whole job.

An uncaught exception on one rank would leave the others waiting forever in
their next collective.  The hook prints the failing rank's traceback, then
calls ``MPI_Abort``, which makes the MPI launcher kill every rank and exit
non-zero (ChainerMN's approach).

A rank that leaves without an exception (``sys.exit(0)`` in the middle of
training) would hang the others too, so at exit each rank waits at most
``timeout`` seconds for every other rank to reach its own exit, then aborts.
"""
import atexit
import sys
import time

_installed = []

# MPI_Abort kills the ranks at once, and the launcher may drop what it has not yet
# forwarded from their pipes: give it a moment to pass the last words on.
DRAIN_SECONDS = 1.0


def _abort(comm):
    sys.stderr.flush()
    sys.stdout.flush()
    time.sleep(DRAIN_SECONDS)
    comm.Abort(1)


def install(comm):
    """Chain an abort onto ``sys.excepthook`` (once per process)."""
    if _installed.count('excepthook'):
        return
    previous = sys.excepthook

    def abort_on_uncaught(exc_type, exc, tb):
        try:
            sys.stderr.write('kcore-mpi: rank %d of %d raised an uncaught exception; aborting every rank.\n'
                             % (comm.Get_rank(), comm.Get_size()))
            previous(exc_type, exc, tb)
        finally:
            _abort(comm)

    sys.excepthook = abort_on_uncaught
    _installed.append('excepthook')


def install_exit_guard(comm, timeout):
    """At interpreter exit, wait up to ``timeout`` s for every rank to exit too, or abort."""
    if timeout is None or _installed.count('exit guard'):
        return

    def wait_for_every_rank():
        request = comm.Ibarrier()
        deadline = time.monotonic() + timeout
        while not request.Test():
            if time.monotonic() > deadline:
                sys.stderr.write('kcore-mpi: rank %d of %d reached its end, but not every rank did within %g s: '
                                 'aborting so that the job does not hang (the others may wait in a collective '
                                 'this rank left). If ranks legitimately end far apart, pass '
                                 'MPIDataParallel(exit_timeout=None or more seconds).\n'
                                 % (comm.Get_rank(), comm.Get_size(), timeout))
                _abort(comm)
            time.sleep(0.01)

    atexit.register(wait_for_every_rank)
    _installed.append('exit guard')
