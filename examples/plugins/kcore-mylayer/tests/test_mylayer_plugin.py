"""kcore-mylayer as installed: found by name, listed by ``kcore plugins``, trained with
its own loss and optimizer, saved and loaded without ``custom_objects`` — and, with the
plugin gone, a clear error instead of a model."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import kcore
from kcore_mylayer.layers import MyLayer
from kcore_mylayer.losses import PinballLoss
from kcore_mylayer.optimizers import Lion

PLUGIN_SWITCHES = ('KCORE_DISABLE_PLUGINS', 'KCORE_DISABLE_PLUGIN_AUTOLOAD', 'KCORE_TRACE_PLUGINS')


def run_python(code, **env):
    """Run ``code`` in a fresh interpreter (entry points read anew), with extra environment."""
    clean = {k: v for k, v in os.environ.items() if k not in PLUGIN_SWITCHES}
    clean.update(env)
    return subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env=clean, timeout=120)


def quantile_model(quantile, seed=0):
    kcore.utils.set_random_seed(seed)  # repeatable initial weights and shuffling
    model = kcore.Sequential([MyLayer(8, input_shape=(3,)), kcore.layers.Dense(1)])
    model.compile(optimizer=Lion(learning_rate=0.005), loss=PinballLoss(quantile=quantile))
    return model


def quantile_data(n=256, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=(n, 3)).astype('float32')
    y = (x @ np.array([[1.0], [-2.0], [0.5]]) + rng.normal(size=(n, 1))).astype('float32')
    return x, y


def test_the_plugins_names_are_found_through_kcore():
    assert kcore.layers.MyLayer is MyLayer
    assert kcore.losses.PinballLoss is PinballLoss
    assert kcore.optimizers.Lion is Lion


def test_kcore_plugins_lists_it_with_what_it_registered():
    proc = run_python('import sys, kcore.cli; sys.exit(kcore.cli.main(["plugins", "--json"]))')
    assert proc.returncode == 0, proc.stderr
    mine = [p for p in json.loads(proc.stdout) if p['distribution'] == 'kcore-mylayer']
    assert len(mine) == 1 and mine[0]['status'] == 'loaded' and mine[0]['entry_point'] == 'mylayer=kcore_mylayer.plugin'
    assert mine[0]['registered'] == {'layers': ['MyLayer'], 'losses': ['PinballLoss', 'pinball_loss', 'quantile_loss'],
                                     'optimizers': ['Lion', 'lion']}
    text = run_python('import sys, kcore.cli; sys.exit(kcore.cli.main(["plugins"]))').stdout
    assert 'mylayer  [kcore-mylayer 0.1.0]' in text and 'MyLayer' in text


def test_a_model_of_mylayer_pinball_loss_and_lion_learns_a_quantile():
    x, y = quantile_data()
    model = quantile_model(0.9)
    history = model.fit(x, y, epochs=60, batch_size=64, verbose=0).history['loss']
    assert history[-1] < 0.5 * history[0]
    below = float((y <= model.predict(x, verbose=0)).mean())
    assert 0.82 <= below <= 0.97, below  # about 90% of the targets lie under the 0.9-quantile


def test_a_saved_model_loads_without_custom_objects(tmp_path):
    x, y = quantile_data(64)
    model = quantile_model(0.3)
    model.fit(x, y, epochs=2, verbose=0)
    path = str(tmp_path / 'quantile.h5')
    model.save(path)
    loaded = kcore.models.load_model(path)
    assert type(loaded.layers[0]) is MyLayer and type(loaded.optimizer) is Lion
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    model.train_on_batch(x, y)  # the optimizer state came back too: the next step is the same
    loaded.train_on_batch(x, y)
    for got, want in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-6)


@pytest.fixture(scope='module')
def saved_model(tmp_path_factory):
    path = str(tmp_path_factory.mktemp('saved') / 'mylayer.h5')
    model = quantile_model(0.5)
    model.save(path)
    return path


def test_without_the_plugin_loading_names_mylayer_and_the_fixes(saved_model):
    # "uninstalled": a fresh interpreter that skips this plugin's entry point
    proc = run_python('import kcore; kcore.models.load_model(%r)' % saved_model, KCORE_DISABLE_PLUGINS='mylayer')
    assert proc.returncode != 0
    error = proc.stderr.strip().splitlines()
    message = '\n'.join(error[next(i for i, line in enumerate(error) if 'UnknownNameError' in line):])
    assert "Unknown layer 'MyLayer'" in message
    assert 'pip install kcore-mylayer' in message
    assert 'kcore.plugins.register(MyLayer)' in message and "custom_objects={'MyLayer': MyLayer}" in message


def test_without_the_plugin_registering_it_by_hand_loads_the_model(saved_model):
    code = ('import kcore, kcore_mylayer.plugin\n'
            'kcore.plugins.register(kcore_mylayer.plugin)\n'
            'model = kcore.models.load_model(%r)\n'
            'print(type(model.layers[0]).__name__, type(model.optimizer).__name__)' % saved_model)
    proc = run_python(code, KCORE_DISABLE_PLUGINS='mylayer')
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ['MyLayer', 'Lion']
