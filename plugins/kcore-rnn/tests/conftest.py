"""kcore-rnn's tests run with one BLAS thread when threadpoolctl is there.

The recurrent loops multiply small matrices once per step; on a busy machine
OpenBLAS's worker threads then spend far longer waiting for a core than
computing (the example tests took ten times as long with two threads on the
shared 2-core CI machine).  The limit is scoped to each test here and lifted
after it; results do not depend on it.
"""
import pytest

try:
    from threadpoolctl import threadpool_limits
except ImportError:  # not a dependency: without it the tests just run slower
    threadpool_limits = None


@pytest.fixture(autouse=True)
def one_blas_thread():
    if threadpool_limits is None:
        yield
        return
    with threadpool_limits(limits=1, user_api='blas'):
        yield
