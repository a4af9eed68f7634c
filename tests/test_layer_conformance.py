"""Every registered layer (kcore's and every installed plugin's) through ``layer_test``.

The cases come from the ``example=`` each layer is registered with; hypothesis
varies the batch size and the input values.  A layer registered without an
example fails here by name, so no layer escapes the generic checks.
"""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kcore.plugins import registry
from kcore.testing import layer_test
from kcore.testing import strategies as kst


def _layer_names():
    """Canonical names (aliases dropped), one per class."""
    names, seen = [], set()
    for entry in registry('layers').entries():
        if entry.alias_of is None and id(entry.obj) not in seen:
            seen.add(id(entry.obj))
            names.append(entry.name)
    return sorted(names)


def _examples(name):
    entry = registry('layers').entry(name)
    example = entry.meta.get('example')
    if not example:
        pytest.fail('Layer %r (registered by %s) has no example=..., so the generic layer test cannot run it. '
                    'Register it with example={"kwargs": {...}, "input_shape": (batch, ...)}.'
                    % (name, entry.source))
    if isinstance(example, dict) and 'skip' in example:
        pytest.skip('%s: %s' % (name, example['skip']))
    return entry.obj, example if isinstance(example, list) else [example]


@pytest.mark.parametrize('name', _layer_names())
@settings(max_examples=4)
@given(batch=kst.batch_sizes(1, 4), seed=kst.SEEDS, data=st.data())
def test_registered_layer_conforms(name, batch, seed, data):
    cls, examples = _examples(name)
    example = examples[data.draw(st.integers(0, len(examples) - 1), label='example')]
    factory = example.get('factory')
    layer_test(None if factory else cls, example.get('kwargs'), factory=factory,
               input_data=kst.example_data(example, batch, seed), call_kwargs=example.get('call_kwargs'))


def test_a_layer_without_an_example_is_reported_by_name():
    from kcore.layers import Layer

    class Unexampled(Layer):
        pass
    from kcore.plugins import registered
    with registered(Unexampled):
        assert 'Unexampled' in _layer_names()
        with pytest.raises(pytest.fail.Exception, match="'Unexampled'.*no example"):
            _examples('Unexampled')
