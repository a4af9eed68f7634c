"""Lion against the update rule published by Chen et al. (2023), and through kcore's optimizer kit."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import kcore
from kcore import backend as K
from kcore.testing import optimizer_test
from kcore.testing import strategies as kst
from kcore_mylayer.optimizers import Lion


def lion_reference(w, gradients, learning_rate, beta_1, beta_2, weight_decay):
    """Algorithm 2 of the paper, in float64: for each gradient g,
    c = b1 m + (1 - b1) g;  w = w - lr (sign(c) + wd w);  m = b2 m + (1 - b2) g."""
    w, m = w.astype(np.float64), np.zeros_like(w, dtype=np.float64)
    for g in gradients:
        c = beta_1 * m + (1.0 - beta_1) * g
        w = w - learning_rate * (np.sign(c) + weight_decay * w)
        m = beta_2 * m + (1.0 - beta_2) * g
    return w, m


@given(w=kst.arrays((3, 2), 'float64'), grads=st.lists(kst.arrays((3, 2), 'float64'), min_size=1, max_size=4),
       learning_rate=st.floats(1e-4, 0.1), beta_1=st.floats(0.0, 0.99), beta_2=st.floats(0.0, 0.999),
       weight_decay=st.sampled_from([0.0, 0.01, 0.1]))
def test_lion_follows_the_published_rule(w, grads, learning_rate, beta_1, beta_2, weight_decay):
    optimizer = Lion(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, weight_decay=weight_decay)
    variable = K.variable(w, dtype='float64')
    for g in grads:
        optimizer.apply_gradients([(K.constant(g, dtype='float64'), variable)])
    want_w, want_m = lion_reference(w, grads, learning_rate, beta_1, beta_2, weight_decay)
    np.testing.assert_allclose(K.get_value(variable), want_w, rtol=1e-12, atol=1e-12)
    momentum, = [array for name, array in optimizer.state([variable]) if name.endswith('momentum')]
    np.testing.assert_allclose(momentum, want_m, rtol=1e-12, atol=1e-12)
    assert optimizer.iterations == len(grads)


def test_every_weight_moves_by_exactly_the_learning_rate():
    optimizer = Lion(learning_rate=0.01)
    variable = K.variable(np.zeros(4))
    optimizer.apply_gradients([(K.constant([3.0, -1e-6, 20.0, -0.5]), variable)])
    np.testing.assert_allclose(K.get_value(variable), [-0.01, 0.01, -0.01, 0.01])


@pytest.mark.parametrize('kwargs', [{}, {'learning_rate': 1e-3, 'beta_1': 0.95, 'beta_2': 0.98},
                                    {'learning_rate': 3e-4, 'weight_decay': 0.1}])
def test_lion_passes_the_optimizer_kit(kwargs):
    # config round trip, descent on a quadratic, float32 kept, state round trip, saved with a model
    optimizer_test(Lion, kwargs)


def test_names_resolve_through_kcore():
    assert kcore.optimizers.Lion is Lion
    assert isinstance(kcore.optimizers.get('lion'), Lion)


def test_betas_outside_zero_one_are_a_clear_error():
    with pytest.raises(ValueError, match=r'beta_1 and beta_2 must be in \[0, 1\]. Received: beta_1=1.5'):
        Lion(beta_1=1.5)
