"""The fused sequence kernels reproduce, bit for bit, the outputs and gradients saved
from them before their shared time loop was extracted (``rnn_golden.py``): seeded
cases over masks, dropout, go_backwards, return_sequences, zero_output_for_mask,
bias, GRU's two variants, float32 and float64."""
import numpy as np
import pytest

import rnn_golden


@pytest.fixture(scope='module')
def saved():
    with np.load(rnn_golden.PATH, allow_pickle=False) as f:
        return {k: f[k] for k in f.files}


@pytest.mark.parametrize('name,kind,dtype,options', rnn_golden.cases(), ids=[c[0] for c in rnn_golden.cases()])
def test_kernel_outputs_and_gradients_are_bit_identical_to_the_saved_ones(saved, name, kind, dtype, options):
    got = rnn_golden.compute(kind, dtype, options)
    want = [saved['%s/%d' % (name, i)] for i in range(sum(k.startswith(name + '/') for k in saved))]
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.dtype == w.dtype and g.shape == w.shape
        np.testing.assert_array_equal(g, w)
