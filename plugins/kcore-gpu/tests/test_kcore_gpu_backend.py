"""kcore-gpu: the cuda backend is registered, costs nothing until chosen, and without CuPy
or a CUDA device gives one BackendError that says what to install."""
import importlib.util
import json
import subprocess
import sys

import numpy as np
import pytest

from kcore import plugins
from kcore.backend.device import ACTIVE, set_backend
from kcore.errors import BackendError

HAS_CUPY = importlib.util.find_spec('cupy') is not None
INSTALL_LINE = 'pip install "kcore-gpu[cuda12]"'


def _cuda_usable():
    try:
        plugins.get('backends', 'cuda').check_available()
        return True
    except BackendError:
        return False


def test_registered_under_cuda_and_cupy():
    from kcore_gpu.backend import CudaBackend
    backend = plugins.get('backends', 'cuda')
    assert isinstance(backend, CudaBackend) and plugins.get('backends', 'cupy') is backend
    record = next(p for p in plugins.plugins() if p['distribution'] == 'kcore-gpu')
    assert record['registered']['backends'] == ['cuda', 'cupy']
    assert all(k.endswith('@cuda') for k in record['registered']['kernels'])


def _run(code, **env):
    import os
    full_env = {k: v for k, v in os.environ.items() if not k.startswith('KCORE_')}
    full_env.update(env)
    return subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env=full_env, timeout=60)


def test_looking_the_backend_up_imports_no_cupy():
    proc = _run('import sys, kcore; kcore.plugins.get("backends", "cuda"); '
                'kcore.plugins.plugins(); print("cupy" in sys.modules)')
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == 'False'


@pytest.mark.skipif(HAS_CUPY, reason='CuPy is installed here')
@pytest.mark.parametrize('name', ['cuda', 'cupy'])
def test_without_cupy_one_error_with_the_install_line(name):
    with pytest.raises(BackendError) as info:
        set_backend(name)
    message = str(info.value)
    assert 'needs CuPy, which is not installed' in message and INSTALL_LINE in message
    assert message.endswith('Available backends: numpy.')
    assert ACTIVE.backend.name == 'numpy'
    assert plugins.get('backends', 'cuda').device_count() == 0


@pytest.mark.skipif(HAS_CUPY, reason='CuPy is installed here')
def test_configured_cuda_without_cupy_fails_at_import_with_the_install_line(tmp_path):
    for env in ({'KCORE_BACKEND': 'cuda'},
                {'KCORE_HOME': str(tmp_path)}):
        (tmp_path / 'kcore.json').write_text(json.dumps({'backend': 'cuda'}))
        proc = _run('import kcore', **env)
        assert proc.returncode == 1
        last = proc.stderr.strip().splitlines()[-1]
        assert last.startswith('kcore.errors.BackendError: The cuda backend needs CuPy'), proc.stderr
        assert INSTALL_LINE in last


@pytest.mark.skipif(not HAS_CUPY or _cuda_usable(), reason='needs CuPy without a usable CUDA device')
def test_cupy_without_a_device_says_so():
    with pytest.raises(BackendError, match='no usable CUDA device|found no CUDA device'):
        set_backend('cuda')


@pytest.mark.gpu
@pytest.mark.skipif(not _cuda_usable(), reason='needs CuPy and a CUDA device')
def test_on_a_cuda_device_ops_and_gradients_match_numpy():
    from kcore import backend as K
    from kcore.autodiff import Tensor, gradients
    from kcore.testing import check_gradients
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 5)).astype(np.float32)
    w = rng.standard_normal((5, 3)).astype(np.float32)

    def loss(a, b):
        return K.sum(K.softmax(K.tanh(a @ b) * 2.0) ** 2)

    expected = loss(Tensor(x), Tensor(w)).numpy()
    set_backend('cuda')
    try:
        import cupy
        assert ACTIVE.xp is cupy
        a, b = Tensor(cupy.asarray(x), True), Tensor(cupy.asarray(w), True)
        out = loss(a, b)
        assert isinstance(out.data, cupy.ndarray)
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5)
        ga, gb = gradients(out, [a, b])
        assert isinstance(ga, cupy.ndarray) and gb.shape == (5, 3)
        check_gradients(loss, [x, w])
        assert K.random_uniform((3,), seed=1).numpy().shape == (3,)
    finally:
        set_backend('numpy')
