"""tools/keras23_compat.py's parts: the ``keras`` -> ``kcore`` import alias, the training caps and
the synthetic dataset files (read back through kcore.datasets)."""
import os
import subprocess
import sys
import tarfile

import numpy as np

TOOLS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'tools')


def _run(code, tmp_path, **env):
    full = dict(os.environ, PYTHONPATH=os.pathsep.join([TOOLS, os.environ.get('PYTHONPATH', '')]), **env)
    proc = subprocess.run([sys.executable, '-c', code], cwd=str(tmp_path), env=full, capture_output=True,
                          text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_the_alias_gives_kcore_s_own_modules(tmp_path):
    out = _run('import keras23_alias, importlib\n'
               'keras23_alias.install()\n'
               'import keras, kcore\n'
               'from keras.layers import Dense\n'
               'import keras.utils.np_utils as np_utils\n'
               'assert keras is kcore and Dense is kcore.layers.Dense\n'
               'assert np_utils is importlib.import_module("kcore.utils.np_utils")\n'
               'assert np_utils.__spec__.name == "kcore.utils.np_utils"\n'
               'try:\n    import keras.no_such_module\n'
               'except ModuleNotFoundError as e:\n    print(e.name)\n', tmp_path)
    assert out.strip() == 'keras.no_such_module'


def test_training_caps_bound_epochs_and_rows(tmp_path):
    out = _run('import keras23_alias, numpy as np\n'
               'keras23_alias.install(); keras23_alias.cap_training()\n'
               'from keras.models import Sequential\nfrom keras.layers import Dense\n'
               'm = Sequential([Dense(1, input_shape=(2,))]); m.compile("sgd", "mse")\n'
               'h = m.fit(np.ones((1000, 2)), np.ones((1000, 1)), batch_size=10, epochs=50, verbose=0)\n'
               'print(len(h.history["loss"]), h.params["samples"])\n', tmp_path,
               KERAS23_MAX_EPOCHS='2', KERAS23_MAX_SAMPLES='40')
    assert out.split() == ['2', '40']


def test_synthetic_files_read_back_through_kcore_datasets(tmp_path, monkeypatch):
    sys.path.insert(0, TOOLS)
    try:
        import keras23_data
    finally:
        sys.path.remove(TOOLS)
    keras23_data.write_keras_cache(str(tmp_path))
    keras23_data.write_workdir_files(str(tmp_path))
    monkeypatch.setenv('KERAS_HOME', str(tmp_path))
    from kcore.datasets import cifar10, imdb, mnist, reuters
    (x, y), (xt, yt) = mnist.load_data()
    assert x.shape == (60000, 28, 28) and xt.shape == (10000, 28, 28) and x.dtype == np.uint8
    assert set(np.unique(y)) == set(range(10))
    (x, y), _ = cifar10.load_data()
    assert x.shape[1:] == (32, 32, 3) and y.shape == (len(x), 1)
    (x, y), _ = imdb.load_data(num_words=5000)
    assert max(max(s) for s in x) < 5000 and set(np.unique(y)) <= {0, 1}
    (x, y), _ = reuters.load_data(num_words=1000, test_split=0.2)
    assert len(x) == 200 and max(y) < 46
    with tarfile.open(os.path.join(str(tmp_path), 'datasets', 'babi-tasks-v1-2.tar.gz')) as tar:
        story = tar.extractfile('tasks_1-20_v1-2/en-10k/qa1_single-supporting-fact_train.txt').read().decode()
    assert story.startswith('1 ') and '?' in story.splitlines()[-1]
    with open(os.path.join(str(tmp_path), 'fra-eng', 'fra.txt'), encoding='utf-8') as f:
        pairs = f.read().splitlines()
    assert len(pairs) >= 100 and all(len(line.split('\t')) == 2 for line in pairs)
