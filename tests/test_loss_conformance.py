"""Every registered loss (kcore's and every installed plugin's) through ``loss_test``.

Functions and ``Loss`` classes alike, one test per canonical name (aliases
dropped).  Data come from the loss's ``example=`` when it was registered with
one (class-index targets, say), otherwise from the kit's default; hypothesis
varies the batch size and the values.

Each runs once per device backend (the ``kcore_backend`` fixture of
``kcore.testing.pytest_plugin``): on NumPy here, and on CUDA, marked ``gpu``, where
kcore-gpu finds a device.
"""
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kcore.errors import add_context
from kcore.testing import loss_test, registered_by, registered_examples, registered_names
from kcore.testing import strategies as kst


@pytest.mark.parametrize('name', registered_names('losses'))
@settings(max_examples=3, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_registered_loss_conforms(kcore_backend, name, data):
    loss, examples = registered_examples('losses', name)
    example = (examples or [{}])[data.draw(st.integers(0, max(len(examples), 1) - 1), label='example')]
    y_true, y_pred = data.draw(kst.loss_inputs(example), label='y_true, y_pred')
    try:
        loss_test(loss, example.get('kwargs'), y_true=y_true, y_pred=y_pred)
    except AssertionError as e:
        raise add_context(e, 'Loss %r is registered by %s. If it needs other data than the default, register it '
                             'with example={...} (see kcore.testing.data).' % (name, registered_by('losses', name)))


def test_every_loss_kind_is_covered():
    names = registered_names('losses')
    assert 'mean_squared_error' in names and 'MeanSquaredError' in names
    assert 'mse' not in names  # an alias: the same function is tested once
