"""Every registered optimizer (kcore's and every installed plugin's) through ``optimizer_test``.

Each is built with its defaults, or with the ``kwargs`` of the ``example=`` it
was registered with; hypothesis varies the quadratic it descends and the data
of the model it trains and saves.

Each runs once per device backend (the ``kcore_backend`` fixture of
``kcore.testing.pytest_plugin``): on NumPy here, and on CUDA, marked ``gpu``, where
kcore-gpu finds a device.
"""
import pytest
from hypothesis import HealthCheck, given, settings

from kcore.testing import optimizer_test, registered_examples, registered_names
from kcore.testing import strategies as kst


@pytest.mark.parametrize('name', registered_names('optimizers'))
@settings(max_examples=3, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=kst.SEEDS)
def test_registered_optimizer_conforms(kcore_backend, name, seed):
    cls, examples = registered_examples('optimizers', name)
    for example in examples or [{}]:
        optimizer_test(cls, example.get('kwargs'), seed=seed)


def test_aliases_are_not_tested_twice():
    names = registered_names('optimizers')
    assert 'Adam' in names and 'adam' not in names
