"""Every registered layer (kcore's and every installed plugin's) through ``layer_test``.

The cases come from the ``example=`` each layer is registered with; hypothesis
varies the batch size and the input values.  ``layer_test``'s default checks
run: output shape and dtype, symbolic use, config round trip, HDF5 save/load
inside a model, gradients, a few training steps.  A layer registered without
an example fails here by name, so no layer escapes the generic checks.

Each runs once per device backend (the ``kcore_backend`` fixture of
``kcore.testing.pytest_plugin``): on NumPy here, and on CUDA, marked ``gpu``, where
kcore-gpu finds a device.
"""
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kcore.testing import layer_test, registered_by, registered_examples, registered_names
from kcore.testing import strategies as kst


def _examples(name):
    cls, examples = registered_examples('layers', name)
    if not examples:
        pytest.fail('Layer %r (registered by %s) has no example=..., so the generic layer test cannot run it. '
                    'Register it with example={"kwargs": {...}, "input_shape": (batch, ...)}.'
                    % (name, registered_by('layers', name)))
    if 'skip' in examples[0]:
        pytest.skip('%s: %s' % (name, examples[0]['skip']))
    return cls, examples


@pytest.mark.parametrize('name', registered_names('layers'))
@settings(max_examples=4, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=kst.batch_sizes(1, 4), seed=kst.SEEDS, data=st.data())
def test_registered_layer_conforms(kcore_backend, name, batch, seed, data):
    cls, examples = _examples(name)
    example = examples[data.draw(st.integers(0, len(examples) - 1), label='example')]
    factory = example.get('factory')
    layer_test(None if factory else cls, example.get('kwargs'), factory=factory,
               input_data=kst.example_data(example, batch, seed), call_kwargs=example.get('call_kwargs'),
               seed=seed)


def test_a_layer_without_an_example_is_reported_by_name():
    from kcore.layers import Layer
    from kcore.plugins import registered

    class Unexampled(Layer):
        pass
    with registered(Unexampled):
        assert 'Unexampled' in registered_names('layers')
        with pytest.raises(pytest.fail.Exception, match="'Unexampled'.*no example"):
            _examples('Unexampled')
