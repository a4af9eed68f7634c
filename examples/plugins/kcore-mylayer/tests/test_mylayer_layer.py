"""MyLayer through kcore's layer kit, and against its NumPy formula ``x @ kernel``.

Only kcore's public API, ``kcore.testing`` and hypothesis: what any plugin's
tests can use.
"""
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import kcore
from kcore.testing import layer_test, registered_examples, registered_names
from kcore.testing import strategies as kst
from kcore_mylayer.layers import MyLayer


def test_mylayer_passes_the_layer_kit():
    # output shape and dtype, config, HDF5 save/load in a model, gradients, training
    out = layer_test(MyLayer, {'output_dim': 3}, input_shape=(2, 4))
    assert out.shape == (2, 3) and out.dtype == np.float32


@given(kwargs=kst.arguments({'output_dim': st.integers(1, 4)}), x=kst.input_arrays((None, None, 3)))
def test_mylayer_on_any_batch_and_sequence_length(kwargs, x):
    out = layer_test(MyLayer, kwargs, input_data=x)
    assert out.shape == x.shape[:-1] + (kwargs['output_dim'],)


@given(x=kst.arrays(kst.shapes(min_rank=2, max_rank=3, max_side=4)), output_dim=st.integers(1, 3))
def test_mylayer_is_a_dot_with_its_kernel(x, output_dim):
    layer = MyLayer(output_dim)
    out = layer(x).numpy()
    kernel, = layer.get_weights()
    assert kernel.shape == (x.shape[-1], output_dim)
    np.testing.assert_allclose(out, x.astype(np.float64) @ kernel, rtol=1e-5, atol=1e-6)


def test_the_registered_examples_conform():
    # the same cases kcore's own conformance test runs, restricted to this distribution
    assert registered_names('layers', distribution='kcore-mylayer') == ['MyLayer']
    cls, examples = registered_examples('layers', 'MyLayer')
    assert cls is MyLayer and len(examples) == 2
    for example in examples:
        layer_test(cls, example['kwargs'], input_shape=example['input_shape'])


def test_mylayer_is_found_by_name_through_kcore():
    assert kcore.layers.MyLayer is MyLayer
    config = kcore.saving.serialize(MyLayer(2))
    assert config['class_name'] == 'MyLayer' and config['registered_by'].startswith('kcore-mylayer')
    assert type(kcore.saving.deserialize(config, 'layers')) is MyLayer

