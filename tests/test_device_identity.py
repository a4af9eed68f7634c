"""Device identity: the active backend is a context variable; ``kcore.device('twin:1')`` and
``KCORE_DEVICE`` choose backend and device; arrays of two devices in one op give a clear error.
Tested on a second CPU backend with two 'devices' (tests/helpers/twin_backend.py)."""
import contextvars
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import kcore
from kcore import backend as K
from kcore import plugins
from kcore.backend.device import ACTIVE
from kcore.errors import BackendError, DeviceMemoryError, DeviceMismatchError

from helpers.dists import fresh_plugins  # noqa: F401  (fixture)
from helpers.twin_backend import TwinArray, twin_plugin


@pytest.fixture
def twin(fresh_plugins):
    with plugins.registered(twin_plugin()):
        yield
    assert K.active_device() == 'cpu'


def test_a_device_block_chooses_backend_and_device_and_nests(twin):
    assert K.active_device() == 'cpu' and K.backend() == 'numpy'
    with kcore.device('twin:1') as backend:
        assert backend.name == 'twin' and backend.device_index == 1
        assert K.active_device() == 'twin:1' and K.backend() == 'twin' and ACTIVE.backend is backend
        x = K.variable(np.ones((2, 3)))
        assert isinstance(x.data, TwinArray) and x.data.device_id == 1
        y = K.dot(x, K.variable(np.ones((3, 2)))) + 1.0
        assert isinstance(y.data, TwinArray) and y.data.device_id == 1
        np.testing.assert_array_equal(K.get_value(y), np.full((2, 2), 4.0))
        with kcore.device('cpu'):
            assert K.active_device() == 'cpu' and type(K.variable(np.ones(2)).data) is np.ndarray
            with kcore.device('twin:0'):
                assert K.active_device() == 'twin:0' and K.variable(np.ones(2)).data.device_id == 0
        assert K.active_device() == 'twin:1' and K.variable(np.ones(2)).data.device_id == 1
    assert K.active_device() == 'cpu'


def test_the_same_device_is_the_same_backend_instance(twin):
    with kcore.device('twin:1') as one, kcore.device('twin:1') as again, kcore.device('twin') as zero:
        assert one is again and zero is not one and zero.device_index == 0
        assert plugins.get('backends', 'twin') is zero


def test_a_device_block_holds_for_its_own_thread_only(twin):
    seen = {}

    def look(key):
        seen[key] = K.active_device()

    with kcore.device('twin:1'):
        plain = threading.Thread(target=look, args=('plain',))
        carried = threading.Thread(target=contextvars.copy_context().run, args=(look, 'carried'))
        for t in (plain, carried):
            t.start()
            t.join()
    assert seen == {'plain': 'cpu', 'carried': 'twin:1'}


def test_set_backend_takes_a_device_and_sets_the_process_default(twin):
    K.set_backend('twin:1')
    try:
        seen = []
        t = threading.Thread(target=lambda: seen.append(K.active_device()))
        t.start()
        t.join()
        assert K.active_device() == 'twin:1' and seen == ['twin:1']  # every thread follows the default
        with kcore.device('numpy'):
            assert K.active_device() == 'cpu'
        assert K.active_device() == 'twin:1'
    finally:
        K.set_backend('cpu')
    assert K.active_device() == 'cpu'


def test_arrays_of_two_devices_in_one_op_name_the_op_the_devices_and_the_fix(twin):
    with kcore.device('twin:0'):
        a = K.variable(np.ones(3))
    with kcore.device('twin:1'):
        b = K.variable(np.ones(3))
        with pytest.raises(DeviceMismatchError) as info:
            a + b
    message = str(info.value)
    assert "Op 'add' got arrays on two devices, twin:0 and twin:1" in message
    assert 'the active device is twin:1' in message and "with kcore.device('twin:1')" in message
    assert info.value.devices == ('twin:0', 'twin:1') and isinstance(info.value, ValueError)
    assert isinstance(info.value.__cause__, ValueError)  # the device library's own error stays attached
    with kcore.device('cpu'):
        c = K.variable(np.ones((3, 1)))
    with kcore.device('twin:1'):
        with pytest.raises(DeviceMismatchError, match=r"Op '\w+' got arrays on two devices, twin:1 and cpu"):
            K.dot(K.reshape(b, (1, 3)), c)
        moved = K.constant(K.get_value(c))  # the fix the message suggests
        np.testing.assert_array_equal(K.get_value(K.dot(K.reshape(b, (1, 3)), moved)), [[3.0]])


def test_a_gradient_rule_given_arrays_of_two_devices_names_its_kernel(twin):
    from kcore.autodiff import gradients
    with kcore.device('twin:1'):
        x = K.variable(np.ones(3))
        y = K.tanh(x)
        host = np.ones(3)  # a cotangent that never moved to the device
        with pytest.raises(DeviceMismatchError, match=r"Op 'tanh \(gradient\)' got arrays on two devices, cpu and "
                                                      r'twin:1'):
            gradients(y, [x], output_gradient=host)
        (g,) = gradients(y, [x], output_gradient=K.ones(3))  # the same on the device works
        np.testing.assert_allclose(K.get_value(g) if hasattr(g, 'numpy') else np.asarray(g),
                                   1 - np.tanh(1.0) ** 2)


def test_an_op_that_fails_for_another_reason_keeps_its_error(twin):
    with kcore.device('twin:1'):
        with pytest.raises(ValueError) as info:
            K.dot(K.variable(np.ones((2, 3))), K.variable(np.ones((2, 3))))
    assert not isinstance(info.value, DeviceMismatchError)


def test_unknown_devices_are_one_clear_error(twin):
    with pytest.raises(BackendError, match=r'Device twin:5 does not exist: the twin backend has 2 devices here '
                                           r'\(twin:0, twin:1\)'):
        kcore.device('twin:5')
    with pytest.raises(BackendError, match=r"Bad device 'twin:one'"):
        kcore.device('twin:one')
    with pytest.raises(BackendError, match="Unknown backend 'tpu'"):
        kcore.device('tpu:0')
    assert K.active_device() == 'cpu'


def test_out_of_memory_says_how_much_was_asked_and_what_is_free():
    x = K.constant(np.ones((2, 2), dtype='float32'))
    with pytest.raises(DeviceMemoryError) as info:
        K.tile(x, (2 ** 22, 2 ** 22))
    message = str(info.value)
    assert message.startswith("Out of memory on cpu in op 'tile': asked for 256.0 TiB, ")
    assert info.value.requested == 2 ** 48 and isinstance(info.value, MemoryError)
    assert info.value.free is None or ' free' in message


def test_default_backend_hooks():
    backend = ACTIVE.backend
    assert backend.memory_info() is None and backend.device_name == 'cpu' and backend.device_index == 0
    assert backend.memory_error(ValueError('no')) is None
    assert backend.device_of(np.ones(2)) == 'cpu' and backend.device_of([1]) is None
    with pytest.raises(BackendError, match='the numpy backend has 1 device here'):
        backend.for_device(1)


def _kcore(code, **env):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith('KCORE_')}
    full_env.update(env)
    return subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env=full_env, timeout=120)


def test_kcore_device_in_the_environment_chooses_the_device():
    proc = _kcore('from kcore import backend as K; print(K.active_device(), K.backend())', KCORE_DEVICE='cpu')
    assert proc.returncode == 0 and proc.stdout.split() == ['cpu', 'numpy'], proc.stderr
    proc = _kcore('import kcore', KCORE_DEVICE='numpy:3')
    assert proc.returncode == 1
    assert 'Device numpy:3 does not exist: the numpy backend has 1 device here' in proc.stderr


def test_kcore_info_reports_the_device_and_the_memory_pool():
    proc = _kcore('import sys; from kcore.cli import main; sys.exit(main(["info"]))')
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert 'device: cpu' in lines
    assert 'memory pool: none (numpy allocates from the system)' in lines


def test_active_reads_plain_slots_until_a_device_block_is_used():
    """The per-op fast path: ACTIVE is a plain slot object until the first `kcore.device` block
    (then every read consults the context variable), and both agree on the device."""
    proc = _kcore('import threading, kcore; from kcore import backend as K\n'
                  'from kcore.backend.device import ACTIVE\n'
                  'K.set_backend("numpy"); print(type(ACTIVE).__name__, ACTIVE.backend.name)\n'
                  'with kcore.device("cpu"):\n'
                  '    print(type(ACTIVE).__name__, K.active_device())\n'
                  'seen = []; t = threading.Thread(target=lambda: seen.append(ACTIVE.backend.name))\n'
                  't.start(); t.join()\n'
                  'print(type(ACTIVE).__name__, seen[0], float(K.eval(K.sum(K.constant([1.0, 2.0])))))')
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split('\n')[:3] == ['_Active numpy', '_ContextualActive cpu', '_ContextualActive numpy 3.0']


def test_a_model_trains_on_the_second_device_and_matches_the_cpu(twin):
    rng = np.random.default_rng(0)
    x, y = rng.random((16, 3)).astype('float32'), np.eye(2, dtype='float32')[rng.integers(0, 2, 16)]

    def train(where, weights=None):
        with kcore.device(where):
            model = kcore.Sequential([kcore.layers.Dense(4, activation='tanh', input_shape=(3,)),
                                      kcore.layers.Dense(2, activation='softmax')])
            if weights is not None:
                model.set_weights(weights)
            start = model.get_weights()
            model.compile('adam', 'categorical_crossentropy', metrics=['accuracy'])
            history = model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0).history
            slots = [model.optimizer.get_slot(w, n) for w in model.trainable_weights
                     for n in model.optimizer.slot_names]
            arrays = [w.data for w in model.weights] + slots
            return start, model.get_weights(), history, arrays, model.predict(x)

    start, cpu_weights, cpu_history, _, cpu_pred = train('cpu')
    _, twin_weights, twin_history, arrays, twin_pred = train('twin:1', start)
    assert [(type(a).__name__, a.device_id) for a in arrays] == [("TwinArray", 1)] * 12  # weights and slots
    for a, b in zip(cpu_weights, twin_weights):
        np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(twin_history['loss'], cpu_history['loss'], rtol=1e-6)
    np.testing.assert_allclose(twin_pred, cpu_pred, rtol=1e-6, atol=1e-7)
    assert type(twin_pred) is np.ndarray  # predictions come back to the host
