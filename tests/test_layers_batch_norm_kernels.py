"""BatchNormalization's named kernels (``batch_norm_train``, ``batch_norm_inference``):
finite-difference gradients, the inference formula on the chunked and the generic path,
and the layer running through the kernel table (so a backend's override takes effect)."""
import types

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kcore import layers, plugins
from kcore.autodiff import apply
from kcore.backend.device import ACTIVE, Backend, set_backend
from kcore.layers import batch_norm_kernels as bnk
from kcore.layers import channel_moments as cm
from kcore.plugins import hookimpl
from kcore.testing import check_gradients, isolated
from kcore.testing import strategies as kst


def _params(rng, c, which):
    gamma = rng.normal(size=c) if which in ('both', 'gamma') else None
    beta = rng.normal(size=c) if which in ('both', 'beta') else None
    return gamma, beta


@given(shape=kst.shapes(min_rank=2, max_rank=4, min_side=2, max_side=4), seed=kst.SEEDS,
       which=st.sampled_from(['both', 'gamma', 'beta', 'none']))
def test_batch_norm_train_gradients(shape, seed, which):
    rng = np.random.default_rng(seed)
    x = rng.normal(1.0, 2.0, size=shape)
    gamma, beta = _params(rng, shape[-1], which)
    axes = tuple(range(len(shape) - 1))
    args = [a for a in (gamma, beta) if a is not None]

    def fn(x, *p):
        it = iter(p)
        g = next(it) if gamma is not None else None
        b = next(it) if beta is not None else None
        return apply('batch_norm_train', x, g, b, axes=axes, epsilon=1e-3)[0]
    check_gradients(fn, [x] + args)


def test_batch_norm_train_over_a_channels_first_axis_matches_the_formula():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4, 3, 5))
    gamma, beta = rng.normal(size=(1, 3, 1)), rng.normal(size=(1, 3, 1))
    y, mean, var = apply('batch_norm_train', x, gamma, beta, axes=(0, 2), epsilon=1e-3)
    m, v = x.mean(axis=(0, 2), keepdims=True), x.var(axis=(0, 2), keepdims=True)
    np.testing.assert_allclose(y.numpy(), (x - m) / np.sqrt(v + 1e-3) * gamma + beta, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(mean.numpy(), m, rtol=1e-12)
    np.testing.assert_allclose(var.numpy(), v, rtol=1e-10)
    check_gradients(lambda x, g, b: apply('batch_norm_train', x, g, b, axes=(0, 2), epsilon=1e-3)[0],
                    [x, gamma, beta])


@given(shape=kst.shapes(min_rank=1, max_rank=4, min_side=1, max_side=5), seed=kst.SEEDS,
       which=st.sampled_from(['both', 'gamma', 'beta', 'none']), chunked=st.booleans())
def test_batch_norm_inference_matches_the_formula(shape, seed, which, chunked):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(bnk, 'CHUNK_ELEMENTS', 7)  # several chunks, a ragged last one
        rng = np.random.default_rng(seed)
        x = rng.normal(size=shape)
        c = shape[-1]
        mean, var = rng.normal(size=c), rng.uniform(0.5, 2.0, size=c)
        gamma, beta = _params(rng, c, which)
        if not chunked:
            x = np.repeat(x, 2, axis=-1)[..., ::2]  # a strided view: the generic path
        assert bnk._per_channel_last(x, (mean, var, gamma, beta)) == x.flags.c_contiguous
        y, _ = bnk.batch_norm_inference(x, mean, var, gamma, beta, 1e-3)
        want = (x - mean) / np.sqrt(var + 1e-3) * (1.0 if gamma is None else gamma) + (0.0 if beta is None else beta)
        np.testing.assert_allclose(y, want, rtol=1e-10, atol=1e-12)


@given(shape=kst.shapes(min_rank=2, max_rank=4, min_side=1, max_side=4), seed=kst.SEEDS,
       which=st.sampled_from(['both', 'gamma', 'beta', 'none']))
def test_batch_norm_inference_gradients(shape, seed, which):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape)
    c = shape[-1]
    mean, var = rng.normal(size=c), rng.uniform(0.5, 2.0, size=c)
    gamma, beta = _params(rng, c, which)
    args = [a for a in (gamma, beta) if a is not None]

    def fn(x, mean, var, *p):
        it = iter(p)
        g = next(it) if gamma is not None else None
        b = next(it) if beta is not None else None
        return apply('batch_norm_inference', x, mean, var, g, b, epsilon=1e-3)
    check_gradients(fn, [x, mean, var] + args)


def test_inference_keeps_the_layers_float32_arithmetic():
    rng = np.random.default_rng(0)
    bn = layers.BatchNormalization()
    x = rng.normal(size=(6, 4)).astype(np.float32)
    bn(x)
    bn.moving_mean.assign(rng.normal(size=4).astype(np.float32))
    bn.moving_variance.assign(rng.uniform(0.5, 2, size=4).astype(np.float32))
    bn.gamma.assign(rng.normal(size=4).astype(np.float32))
    bn.beta.assign(rng.normal(size=4).astype(np.float32))
    y = bn(x, training=False).numpy()
    inv = np.float32(1) / np.sqrt(bn.moving_variance.numpy() + np.float32(1e-3))
    scale = inv * bn.gamma.numpy()
    want = x * scale + (-bn.moving_mean.numpy() * scale + bn.beta.numpy())
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, want)


class _Recorder(Backend):
    """NumPy under another name, with batch-norm kernels that count their calls."""
    name = 'bn_recorder'


def _recording_plugin(calls):
    def wrap(name):
        generic = bnk.KERNELS[name]

        def override(*args, **params):
            calls.append(name)
            return generic(*args, **params)
        return override

    module = types.ModuleType('bn_recorder_plugin')
    module.register_backends = hookimpl(lambda register: register(_Recorder()))
    module.register_kernels = hookimpl(
        lambda register: [register(wrap(n), name=n, backend='bn_recorder') for n in bnk.KERNELS])
    return module


def test_the_layer_runs_a_backends_batch_norm_kernels():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(8, 3, 3, 2)).astype(np.float32)

    def run():
        bn = layers.BatchNormalization(axis=-1)
        train = bn(x, training=True).numpy()
        return train, bn(x, training=False).numpy()
    generic = run()
    calls = []
    with isolated():
        with plugins.registered(_recording_plugin(calls)):
            set_backend('bn_recorder')
            try:
                overridden = run()
            finally:
                set_backend('numpy')
    assert calls == ['batch_norm_train', 'batch_norm_inference']
    for a, b in zip(generic, overridden):
        np.testing.assert_array_equal(a, b)
    assert ACTIVE.backend.name == 'numpy'


def test_chunk_size_is_shared_with_the_training_path():
    assert bnk.CHUNK_ELEMENTS == cm.CHUNK_ELEMENTS
