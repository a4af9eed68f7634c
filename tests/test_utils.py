"""kcore.utils: to_categorical, normalize, multi_gpu_model and set_random_seed's reproducibility."""
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from kcore.layers import Dense
from kcore.models import Sequential
from kcore.utils import multi_gpu_model, normalize, to_categorical


def test_to_categorical():
    np.testing.assert_array_equal(to_categorical([0, 2, 1]), np.eye(3)[[0, 2, 1]])
    out = to_categorical(np.array([[1], [0]]), num_classes=4)
    assert out.shape == (2, 4) and out.dtype == np.float32
    assert to_categorical(np.zeros((2, 3), int)).shape == (2, 3, 1)
    np.testing.assert_array_equal(to_categorical([1.0, 0.0]), [[0, 1], [1, 0]])
    with pytest.raises(ValueError, match='num_classes=2'):
        to_categorical([0, 2], num_classes=2)
    with pytest.raises(ValueError, match='non-negative'):
        to_categorical([-1, 0])
    with pytest.raises(ValueError, match='integer class indices'):
        to_categorical([0.5, 1.0])


def test_normalize():
    x = np.array([[3., 4.], [0., 0.]])
    np.testing.assert_allclose(normalize(x), [[0.6, 0.8], [0., 0.]])
    np.testing.assert_allclose(normalize(x, axis=0, order=1), [[1., 1.], [0., 0.]])


def test_multi_gpu_model_refuses_without_enough_devices():
    m = Sequential([Dense(1, input_shape=(3,))])
    with pytest.raises(ValueError, match='gpus >= 2'):
        multi_gpu_model(m, gpus=1)
    with pytest.raises(ValueError, match=r"gpus=8.*at least 8 GPUs.*'numpy' with 1 device"):
        multi_gpu_model(m, gpus=8)
    with pytest.raises(ValueError, match='gpus=2'):
        multi_gpu_model(m, gpus=[0, 1])


_SCRIPT = textwrap.dedent('''
    import json, sys
    import numpy as np
    import kcore
    from kcore.layers import Dense, Dropout
    from kcore.models import Sequential
    kcore.utils.set_random_seed(int(sys.argv[1]))
    x = np.random.rand(64, 5).astype('float32')
    y = (x.sum(axis=1) > 2.5).astype('float32')
    m = Sequential([Dense(8, activation='relu', input_shape=(5,)), Dropout(0.3), Dense(1, activation='sigmoid')])
    m.compile('adam', 'binary_crossentropy', metrics=['accuracy'])
    h = m.fit(x, y, epochs=3, batch_size=16, validation_split=0.25, verbose=0)
    print(json.dumps({'weights': [w.tobytes().hex() for w in m.get_weights()], 'history': h.history}))
''')


def _run(seed):
    env = dict(os.environ, PYTHONHASHSEED='random')
    out = subprocess.run([sys.executable, '-c', _SCRIPT, str(seed)], capture_output=True, text=True, env=env,
                         timeout=120, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_set_random_seed_gives_bit_identical_runs_in_fresh_processes():
    first, second, other = _run(7), _run(7), _run(8)
    assert first == second  # weights bit for bit, history value for value
    assert first['weights'] != other['weights']
