"""kcore-gpu on a CUDA device (``pytest -m gpu``; skipped without CuPy and a device).

Every override is compared with the generic kernel computed on the CPU backend
(NumPy) from the same inputs: outputs and the vector-Jacobian products for a
random cotangent, in float64.  Then one short training run per layer family on
the GPU is compared with the same run on the CPU (same initial weights, same data).
"""
import numpy as np
import pytest

from kcore import plugins
from kcore.backend.device import set_backend
from kcore.errors import BackendError

pytestmark = pytest.mark.gpu


def _usable():
    try:
        plugins.get('backends', 'cuda').check_available()
        return True
    except BackendError:
        return False


USABLE = _usable()
needs_device = pytest.mark.skipif(not USABLE, reason='needs CuPy and a CUDA device')


@pytest.fixture
def cuda():
    set_backend('cuda')
    try:
        import cupy
        yield cupy
    finally:
        set_backend('numpy')


def _to_host(a):
    if isinstance(a, tuple):
        return tuple(_to_host(x) for x in a)
    return None if a is None else np.asarray(a.get() if hasattr(a, 'get') else a)


def _close(got, want, what):
    if isinstance(want, tuple):
        assert len(got) == len(want), what
        for i, (g, w) in enumerate(zip(got, want)):
            _close(g, w, '%s[%d]' % (what, i))
        return
    if want is None:
        assert got is None, what
        return
    np.testing.assert_allclose(_to_host(got), want, rtol=1e-7, atol=1e-9, err_msg=what)


def _reference(name, args, params):
    """The generic kernel's output and VJP function, on the NumPy backend."""
    set_backend('numpy')
    try:
        return plugins.registry('kernels').get(name)(*args, **params)
    finally:
        set_backend('cuda')


def compare_with_generic(cupy, name, args, params, seed=0):
    from kcore_gpu.kernels import KERNELS
    rng = np.random.default_rng(seed)
    dev = [cupy.asarray(a) if isinstance(a, np.ndarray) else a for a in args]
    override = KERNELS[name]
    assert override.supports(*dev, **params), 'the CUDA kernel declined: %s' % name
    out, vjp = override(*dev, **params)
    want, want_vjp = _reference(name, args, params)
    _close(out, want, name + ' output')
    cot = (tuple(None if w is None else rng.standard_normal(w.shape) for w in want) if isinstance(want, tuple)
           else rng.standard_normal(want.shape))
    needs = tuple(isinstance(a, np.ndarray) and a.dtype.kind == 'f' for a in args)
    dev_cot = (tuple(None if c is None else cupy.asarray(c) for c in cot) if isinstance(cot, tuple)
               else cupy.asarray(cot))
    got_g = vjp(dev_cot, needs)
    set_backend('numpy')
    try:
        want_g = want_vjp(cot, needs)
    finally:
        set_backend('cuda')
    for i, need in enumerate(needs):
        if need:
            _close(got_g[i], want_g[i], '%s gradient %d' % (name, i))


R = np.random.default_rng(1)


def _n(*shape):
    return R.standard_normal(shape)


def _transpose_case(rank, stride, padding, data_format):
    from kcore_conv import geometry
    sizes, k, f, c = (5,) * rank, (3,) * rank, 2, 3
    out = tuple(geometry.transpose_output_length(n, kk, padding, None, stride) for n, kk in zip(sizes, k))
    x = _n(2, *sizes, c) if data_format == 'channels_last' else _n(2, c, *sizes)
    return ('conv%dd_transpose' % rank, (x, _n(*k, f, c), _n(f)),
            dict(output_sizes=out, strides=(stride,) * rank, padding=padding, dilation_rate=(1,) * rank,
                 data_format=data_format))


CASES = [
    ('relu', (_n(4, 5),), {}), ('elu', (_n(4, 5),), {'alpha': 0.7}), ('leaky_relu', (_n(4, 5),), {'alpha': 0.1}),
    ('sigmoid', (_n(4, 5) * 20,), {}), ('tanh', (_n(4, 5),), {}),
    ('dropout_mask', (_n(4, 5), R.random((4, 5)) > 0.3, 1 / 0.7), {}),
    ('softmax_cross_entropy', (_n(6, 7) * 5, R.dirichlet(np.ones(7), 6)), {}),
    ('sigmoid_cross_entropy', (_n(6, 7) * 5, R.random((6, 7))), {}),
    ('take', (_n(7, 3), np.array([[0, 6, 6, 2], [3, 3, 0, 1]])), {}),
    ('conv1d', (_n(2, 9, 4), _n(3, 4, 6), _n(6)), dict(strides=(1,), padding='causal', dilation_rate=(2,),
                                                       data_format='channels_last', activation=None)),
    ('conv2d', (_n(2, 7, 6, 4), _n(3, 3, 4, 6), _n(6)), dict(strides=(2, 1), padding='same',
                                                             dilation_rate=(1, 1), data_format='channels_last',
                                                             activation='relu')),
    ('conv2d', (_n(2, 4, 7, 6), _n(3, 2, 2, 6), None), dict(strides=(1, 1), padding='valid',
                                                            dilation_rate=(2, 1), data_format='channels_first',
                                                            activation=None)),  # 2 groups
    ('conv2d', (_n(2, 5, 5, 4), _n(1, 1, 4, 3), None), dict(strides=(1, 1), padding='valid',
                                                            dilation_rate=(1, 1), data_format='channels_last',
                                                            activation=None)),  # pointwise
    ('conv3d', (_n(1, 5, 4, 6, 2), _n(2, 2, 3, 2, 3), _n(3)), dict(strides=(1, 2, 1), padding='same',
                                                                   dilation_rate=(1, 1, 1),
                                                                   data_format='channels_last', activation=None)),
    _transpose_case(1, 2, 'valid', 'channels_last'), _transpose_case(2, 2, 'same', 'channels_first'),
    _transpose_case(3, 1, 'same', 'channels_last'),
    ('depthwise_conv2d', (_n(2, 6, 6, 3), _n(3, 3, 3, 2), _n(6)), dict(strides=(1, 1), padding='same',
                                                                       dilation_rate=(1, 1),
                                                                       data_format='channels_last',
                                                                       activation=None)),
    ('max_pool2d', (_n(2, 7, 6, 3),), dict(pool_size=(3, 2), strides=(2, 2), padding='same',
                                           data_format='channels_last')),
    ('max_pool1d', (np.round(_n(2, 3, 8)),), dict(pool_size=(2,), strides=(2,), padding='valid',
                                                  data_format='channels_first')),  # ties
    ('avg_pool2d', (_n(2, 7, 6, 3),), dict(pool_size=(3, 3), strides=(2, 1), padding='same',
                                           data_format='channels_last')),
    ('avg_pool3d', (_n(1, 4, 4, 4, 2),), dict(pool_size=(2, 2, 2), strides=(2, 2, 2), padding='valid',
                                              data_format='channels_last')),
    ('normalize_moments', (_n(4, 3, 5), _n(5), _n(5)), dict(axes=(0, 1), epsilon=1e-3)),
    ('batch_norm_train', (_n(6, 4), _n(4), None), dict(axes=(0,), epsilon=1e-3)),
    ('batch_norm_inference', (_n(3, 2, 4), _n(4), R.random(4) + 0.5, _n(4), _n(4)), dict(epsilon=1e-3)),
    ('bias_activation', (_n(5, 3), _n(3)), dict(activation='relu')),
    ('bias_activation', (_n(2, 5, 3), _n(3)), dict(activation='sigmoid')),
    ('bias_activation', (_n(5, 3), _n(3)), dict(activation='tanh')),
    ('bias_activation', (_n(5, 3), _n(3)), dict(activation='linear')),
    ('lstm_sequence', (_n(3, 4, 2), _n(2, 12), _n(3, 12), _n(12), np.zeros((3, 3)), np.zeros((3, 3))),
     dict(return_sequences=True)),
    ('gru_sequence', (_n(3, 4, 2), _n(2, 9), _n(3, 9), _n(2, 9), _n(3, 3)), dict(reset_after=True)),
    ('gru_sequence', (_n(3, 4, 2), _n(2, 9), _n(3, 9), _n(9), _n(3, 3)),
     dict(reset_after=False, return_sequences=True, go_backwards=True)),
]


@needs_device
@pytest.mark.parametrize('name, args, params', CASES, ids=['%s-%d' % (c[0], i) for i, c in enumerate(CASES)])
def test_override_matches_the_generic_kernel(cuda, name, args, params):
    compare_with_generic(cuda, name, args, params)


@needs_device
@pytest.mark.parametrize('name, args, params', CASES, ids=['%s-%d' % (c[0], i) for i, c in enumerate(CASES)])
def test_public_check_override_runs_the_cuda_kernel(name, args, params):
    """kcore.testing.check_override: the override against the generic kernel, both under cuda."""
    from kcore.testing import check_override
    assert check_override(name, 'cuda', list(args), dict(params)) is True


@needs_device
@pytest.mark.parametrize('name, slots, hyper', [
    ('sgd_update', ('velocity',), (0.1, 0.9, True)),
    ('sgd_update', (None,), (0.1, 0.0, False)),
    ('rmsprop_update', ('velocity', 'momentum', 'average'), (0.01, 0.9, 0.5, 1e-7)),
    ('rmsprop_update', ('velocity', None, None), (0.01, 0.9, 0.0, 1e-7)),
    ('adam_update', ('m', 'v', 'v_hat'), (0.01, 0.9, 0.999, 1e-7)),
    ('adam_update', ('m', 'v', None), (0.01, 0.9, 0.999, 1e-7)),
    ('adamax_update', ('m', 'u'), (0.01, 0.9, 0.999, 1e-7)),
    ('nadam_update', ('m', 'v'), (0.01, 0.9, 0.999, 1e-7, 0.3, 0.6, 1.2)),
    ('adagrad_update', ('accumulator',), (0.01, 1e-7)),
    ('adadelta_update', ('grad', 'delta'), (1.0, 0.95, 1e-7)),
])
def test_optimizer_update_matches_the_generic_kernel(cuda, name, slots, hyper):
    from kcore_gpu.kernels import KERNELS
    rng = np.random.default_rng(2)
    g, w = rng.standard_normal(50), rng.standard_normal(50)
    state = [None if s is None else np.abs(rng.standard_normal(50)) for s in slots]
    host = [w.copy()] + [None if s is None else s.copy() for s in state]
    dev = [cuda.asarray(w)] + [None if s is None else cuda.asarray(s) for s in state]
    for _ in range(3):
        KERNELS[name](cuda.asarray(g), *dev, *hyper)
        set_backend('numpy')
        plugins.registry('kernels').get(name)(g, *host, *hyper)
        set_backend('cuda')
    for h, d in zip(host, dev):
        if h is not None:
            np.testing.assert_allclose(d.get(), h, rtol=1e-12, atol=1e-14)


def _train(build, x, y, weights, backend, loss='categorical_crossentropy', optimizer='adam'):
    set_backend(backend)
    model = build()
    model.set_weights(weights)
    model.compile(optimizer, loss)
    history = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    return history.history['loss']


def _families():
    import kcore
    from kcore import layers

    def mlp():
        return kcore.Sequential([layers.Dense(16, activation='elu', input_shape=(6,)), layers.Dropout(0.0),
                                 layers.Dense(3, activation='softmax')])

    def cnn():
        return kcore.Sequential([layers.Conv2D(4, 3, padding='same', activation='relu', input_shape=(8, 8, 2)),
                                 layers.BatchNormalization(), layers.MaxPooling2D(2),
                                 layers.DepthwiseConv2D(3, padding='same'), layers.AveragePooling2D(2),
                                 layers.Conv2DTranspose(2, 3, strides=2), layers.GlobalAveragePooling2D(),
                                 layers.Dense(3, activation='softmax')])

    def rnn():
        return kcore.Sequential([layers.Embedding(20, 5, input_length=6), layers.LSTM(7, return_sequences=True),
                                 layers.GRU(4), layers.Dense(3, activation='softmax')])
    rng = np.random.default_rng(3)
    y = np.eye(3)[rng.integers(0, 3, 32)]
    return [('mlp', mlp, rng.standard_normal((32, 6))), ('cnn', cnn, rng.standard_normal((32, 8, 8, 2))),
            ('rnn', rnn, rng.integers(0, 20, (32, 6)))], y


@needs_device
@pytest.mark.parametrize('family', ['mlp', 'cnn', 'rnn'])
def test_training_on_the_gpu_follows_the_cpu(family):
    from kcore import backend as K
    K.set_floatx('float64')
    try:
        families, y = _families()
        _, build, x = next(f for f in families if f[0] == family)
        set_backend('numpy')
        weights = build().get_weights()
        cpu = _train(build, x, y, weights, 'numpy')
        gpu = _train(build, x, y, weights, 'cuda')
    finally:
        set_backend('numpy')
        K.set_floatx('float32')
    np.testing.assert_allclose(gpu, cpu, rtol=1e-6)
    assert gpu[-1] < gpu[0]


@needs_device
def test_dropout_masks_follow_set_random_seed(cuda):
    from kcore import layers
    from kcore.utils import set_random_seed
    x = cuda.ones((64, 32), dtype=cuda.float32)
    outs = []
    for _ in range(2):
        set_random_seed(7)
        outs.append(layers.Dropout(0.5)(x, training=True))
    a, b = (np.asarray(o.numpy() if hasattr(o, 'numpy') else o.get()) for o in outs)
    np.testing.assert_array_equal(a, b)
    assert 0.3 < (a == 0).mean() < 0.7


@needs_device
def test_out_of_memory_says_what_was_asked_and_free(cuda):
    from kcore.errors import DeviceMemoryError
    free, total = cuda.cuda.runtime.memGetInfo()
    with pytest.raises(DeviceMemoryError, match=r'Out of memory on cuda:0: asked for .*, .* free'):
        cuda.empty(int(total) * 2, dtype=cuda.uint8)
    info = plugins.get('backends', 'cuda').memory_info()
    assert info['total'] == total and info['used'] >= 0 and info['pooled'] >= info['used']


@needs_device
def test_a_missing_device_index_names_the_devices_there_are():
    with pytest.raises(BackendError, match='Device cuda:99 does not exist'):
        set_backend('cuda:99')


@needs_device
def test_capture_step_replays_a_static_step(cuda):
    backend = plugins.get('backends', 'cuda')
    a = cuda.arange(8, dtype=cuda.float32)

    def step():
        a[...] = a * 2 + 1
    replay = backend.capture_step(step)
    if replay is None:
        pytest.skip('CUDA graph capture unavailable on this device/driver')
    before = a.get()  # after the eager warm-up and the capture (a capture does not execute)
    replay()
    np.testing.assert_allclose(a.get(), before * 2 + 1)


@needs_device
def test_kcore_info_reports_the_memory_pool(cuda, capsys):
    from kcore.cli import main
    cuda.zeros(1 << 20, dtype=cuda.uint8)
    assert main(['info']) == 0
    out = capsys.readouterr().out
    assert 'backend: cuda' in out and 'device: cuda:0' in out and 'memory pool: ' in out and ' used, ' in out
