"""The fused per-channel batch-norm kernel (``kcore.layers.channel_moments``): the same
results as the generic ``normalize_moments`` path, finite-difference gradients,
chunking, and reproducibility across BLAS thread counts."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kcore.autodiff import apply
from kcore.layers import channel_moments as cm
from kcore.layers import normalization
from kcore.testing import check_gradients
from kcore.testing import strategies as kst


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(cm, 'CHUNK_ELEMENTS', 12)  # several chunks, a ragged last one


def _generic(x, gamma, beta, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(normalization, 'fused_path_applies', lambda *a: False)
        return normalization.normalize_moments(x, gamma, beta, tuple(range(x.ndim - 1)), 1e-3)


@given(shape=kst.shapes(min_rank=2, max_rank=4, min_side=1, max_side=5), seed=kst.SEEDS,
       params=st.sampled_from(['both', 'gamma', 'beta', 'none']))
def test_fused_path_matches_the_generic_kernel(shape, seed, params):
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(cm, 'CHUNK_ELEMENTS', 12)
        rng = np.random.default_rng(seed)
        x = rng.normal(2.0, 3.0, size=shape)
        c = shape[-1]
        gamma = rng.normal(size=c) if params in ('both', 'gamma') else None
        beta = rng.normal(size=c) if params in ('both', 'beta') else None
        g = rng.normal(size=shape)
        assert cm.fused_path_applies(x, gamma, beta, tuple(range(x.ndim - 1)))
        (y, mean, var), vjp = cm.channel_moments(x, gamma, beta, 1e-3)
        (y0, mean0, var0), vjp0 = _generic(x, gamma, beta, monkeypatch)
        np.testing.assert_allclose(y, y0, rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(mean, mean0, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(var, var0, rtol=1e-10, atol=1e-12)
        for a, b in zip(vjp((g, None, None), (True, True, True)), vjp0((g, None, None), (True, True, True))):
            if b is None:
                assert a is None
            else:
                np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)


@given(shape=kst.shapes(min_rank=2, max_rank=4, min_side=2, max_side=4), seed=kst.SEEDS)
def test_fused_path_gradients(shape, seed):
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(cm, 'CHUNK_ELEMENTS', 12)
        rng = np.random.default_rng(seed)
        x = rng.normal(size=shape)
        gamma, beta = rng.normal(size=shape[-1]), rng.normal(size=shape[-1])
        axes = tuple(range(len(shape) - 1))
        check_gradients(lambda x, gamma, beta: apply('normalize_moments', x, gamma, beta, axes=axes,
                                                     epsilon=1e-3)[0], [x, gamma, beta])
        check_gradients(lambda x: apply('normalize_moments', x, None, None, axes=axes, epsilon=1e-3)[0], [x])


def test_float32_with_a_large_mean_stays_accurate(small_chunks):
    rng = np.random.default_rng(1)
    x = rng.normal(50.0, 2.0, size=(40, 5, 3)).astype(np.float32)
    gamma, beta = np.full(3, 1.5, np.float32), np.full(3, 0.5, np.float32)
    (y, mean, var), vjp = cm.channel_moments(x, gamma, beta, 1e-3)
    assert y.dtype == mean.dtype == var.dtype == np.float32
    x64 = x.astype(np.float64)
    ref = (x64 - x64.mean((0, 1))) / np.sqrt(x64.var((0, 1)) + 1e-3) * 1.5 + 0.5
    np.testing.assert_allclose(y, ref, atol=2e-4)
    np.testing.assert_allclose(var.ravel(), x64.var((0, 1)), rtol=1e-5)
    g = rng.normal(size=x.shape).astype(np.float32)
    gx = vjp((g, None, None), (True, False, False))[0]
    xhat = (x64 - x64.mean((0, 1))) / np.sqrt(x64.var((0, 1)) + 1e-3)
    g64 = g.astype(np.float64)
    ref_gx = 1.5 / np.sqrt(x64.var((0, 1)) + 1e-3) * (g64 - g64.mean((0, 1)) - xhat * (g64 * xhat).mean((0, 1)))
    np.testing.assert_allclose(gx, ref_gx, atol=5e-4)


def test_declines_what_it_does_not_handle():
    x = np.zeros((4, 3, 2))
    assert not cm.fused_path_applies(x, None, None, (0,))          # not every leading axis
    assert not cm.fused_path_applies(x, None, None, (1, 2))        # channels first
    assert not cm.fused_path_applies(x[:, ::2], None, None, (0, 1))  # not contiguous
    assert not cm.fused_path_applies(x, np.ones((3, 2)), None, (0, 1))  # a parameter per position
    assert cm.fused_path_applies(x, np.ones((1, 1, 2)), None, (0, 1))


def test_results_do_not_depend_on_the_blas_thread_count():
    threadpoolctl = pytest.importorskip('threadpoolctl')
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((16, 8, 8, 32)) * 3 + 1).astype(np.float32)
    g = rng.standard_normal(x.shape).astype(np.float32)
    gamma, beta = rng.standard_normal(32).astype(np.float32), rng.standard_normal(32).astype(np.float32)
    runs = []
    for threads in (1, 2, 4):
        with threadpoolctl.threadpool_limits(threads, user_api='blas'):
            (y, mean, var), vjp = cm.channel_moments(x, gamma, beta, 1e-3)
            runs.append((y, mean, var) + vjp((g, None, None), (True, True, True)))
    for run in runs[1:]:
        for a, b in zip(runs[0], run):
            np.testing.assert_array_equal(a, b)
