"""kcore's pytest plugin: run a test once per device backend, and the ``gpu`` marker.

Load it from your ``conftest.py`` (kcore's own does)::

    pytest_plugins = ['kcore.testing.pytest_plugin']

A test that takes the ``kcore_backend`` fixture runs once per registered backend
(``numpy``, ``cuda`` when kcore-gpu is installed, ...), inside
``kcore.device(name)``, and receives the backend object.  A backend whose library
or device is missing here is skipped with the reason.  Runs on GPU backends carry
the ``gpu`` marker: ``pytest -m gpu`` selects them, ``pytest -m "not gpu"`` leaves
them out.  With hypothesis, add
``@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])``: the
device is meant to stay active across the generated examples.
"""
import pytest

from kcore.errors import BackendError
from kcore.runtime.device import device, find_backend
from kcore.testing.backends import backend_names, is_gpu


def pytest_configure(config):
    """Register the ``gpu`` marker."""
    config.addinivalue_line('markers', 'gpu: runs on a GPU backend (kcore-gpu); skipped when no device is found')


def pytest_generate_tests(metafunc):
    """Parametrize ``kcore_backend`` over every registered backend, GPU ones marked ``gpu``."""
    if 'kcore_backend' in metafunc.fixturenames:
        params = [pytest.param(name, id=name, marks=[pytest.mark.gpu] if is_gpu(name) else [])
                  for name in backend_names()]
        metafunc.parametrize('kcore_backend', params, indirect=True)


@pytest.fixture
def kcore_backend(request):
    """The backend a test runs on, active for the whole test (see the module docstring)."""
    name = getattr(request, 'param', 'numpy')
    try:
        backend = find_backend(name)
    except BackendError as e:
        pytest.skip('backend %r is not usable here: %s' % (name, e))
    with device(name):
        yield backend
