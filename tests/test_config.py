"""Settings: ``$KCORE_HOME/kcore.json`` (Keras's keys, and Keras 1's ``image_dim_ordering``),
the environment, and the setters."""
import json
import os
import subprocess
import sys

import pytest

from kcore import config
from kcore._deprecated import KcoreDeprecationWarning


@pytest.fixture
def settings(tmp_path, monkeypatch):
    """``config.load`` against a temporary KCORE_HOME; the previous settings afterwards."""
    saved = dict(config.settings)
    for var in ('KCORE_BACKEND', 'KCORE_FLOATX'):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv('KCORE_HOME', str(tmp_path))

    def load(data=None, raw=None):
        path = tmp_path / 'kcore.json'
        if raw is not None:
            path.write_text(raw)
        elif data is not None:
            path.write_text(json.dumps(data))
        config.load()
        return dict(config.settings)
    yield load
    config.settings.clear()
    config.settings.update(saved)


def test_defaults_without_a_file(settings):
    assert settings() == {'backend': 'numpy', 'floatx': 'float32', 'epsilon': 1e-07,
                          'image_data_format': 'channels_last'}


def test_the_file_sets_every_key(settings):
    data = {'backend': 'numpy', 'floatx': 'float64', 'epsilon': 1e-5, 'image_data_format': 'channels_first'}
    assert settings(data) == data
    assert config.floatx() == 'float64' and config.epsilon() == 1e-5
    assert config.image_data_format() == 'channels_first'


def test_home_folder(monkeypatch, tmp_path):
    monkeypatch.setenv('KCORE_HOME', str(tmp_path / 'custom'))
    assert config.config_path() == str(tmp_path / 'custom' / 'kcore.json')
    monkeypatch.delenv('KCORE_HOME')
    monkeypatch.setenv('HOME', str(tmp_path))
    assert config.kcore_home() == str(tmp_path / '.kcore')


def test_environment_beats_the_file(settings, monkeypatch):
    monkeypatch.setenv('KCORE_BACKEND', 'cuda')
    monkeypatch.setenv('KCORE_FLOATX', 'float16')
    loaded = settings({'backend': 'numpy', 'floatx': 'float64'})
    assert loaded['backend'] == 'cuda' and loaded['floatx'] == 'float16'


@pytest.mark.parametrize('ordering, expected', [('th', 'channels_first'), ('tf', 'channels_last')])
def test_legacy_image_dim_ordering(settings, ordering, expected):
    with pytest.warns(KcoreDeprecationWarning, match='image_dim_ordering.*image_data_format'):
        loaded = settings({'image_dim_ordering': ordering})
    assert loaded['image_data_format'] == expected


def test_image_data_format_wins_over_the_legacy_key(settings):
    loaded = settings({'image_dim_ordering': 'th', 'image_data_format': 'channels_last'})  # no warning
    assert loaded['image_data_format'] == 'channels_last'


@pytest.mark.parametrize('raw, message', [('{not json', 'unreadable config file'),
                                          ('[1, 2]', 'expected a JSON object'),
                                          ('{"floatx": "float128"}', 'bad value'),
                                          ('{"image_data_format": "nhwc"}', 'bad value'),
                                          ('{"epsilon": -1}', 'bad value')])
def test_bad_files_warn_and_fall_back_to_defaults(settings, raw, message):
    with pytest.warns(RuntimeWarning, match=message):
        loaded = settings(raw=raw)
    assert loaded['floatx'] == 'float32' and loaded['image_data_format'] == 'channels_last'
    assert loaded['epsilon'] == 1e-07


def test_setters_validate(settings):
    settings()
    config.set_floatx('float16')
    assert config.floatx() == 'float16'
    with pytest.raises(ValueError, match='Unknown floatx'):
        config.set_floatx('float128')
    config.set_epsilon(1e-3)
    assert config.epsilon() == 1e-3
    with pytest.raises(ValueError, match='positive'):
        config.set_epsilon(0)
    config.set_image_data_format('channels_first')
    assert config.normalize_data_format(None) == 'channels_first'
    assert config.normalize_data_format('Channels_Last') == 'channels_last'
    with pytest.raises(ValueError, match='Unknown image_data_format'):
        config.set_image_data_format('nchw')
    with pytest.raises(ValueError, match='data_format must be one of'):
        config.normalize_data_format('nchw')


def test_k_setters_are_the_config_setters():
    from kcore import backend as K
    assert K.floatx is config.floatx and K.set_floatx is config.set_floatx
    assert K.set_epsilon is config.set_epsilon and K.image_data_format is config.image_data_format


def _import_kcore(env):
    full = {k: v for k, v in os.environ.items() if not k.startswith('KCORE_')}
    full.update(env)
    return subprocess.run([sys.executable, '-c', 'import kcore; from kcore import backend as K; '
                           'print(K.backend(), K.floatx(), K.image_data_format())'],
                          capture_output=True, text=True, env=full, timeout=60)


def test_a_fresh_interpreter_reads_kcore_home(tmp_path):
    (tmp_path / 'kcore.json').write_text(json.dumps({'floatx': 'float64', 'image_data_format': 'channels_first'}))
    proc = _import_kcore({'KCORE_HOME': str(tmp_path)})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ['numpy', 'float64', 'channels_first']


def test_an_unknown_configured_backend_fails_at_import_listing_the_available_ones(tmp_path):
    (tmp_path / 'kcore.json').write_text(json.dumps({'backend': 'tensorflow'}))
    for env in ({'KCORE_HOME': str(tmp_path)}, {'KCORE_BACKEND': 'tensorflow'}):
        proc = _import_kcore(env)
        assert proc.returncode == 1
        last = proc.stderr.strip().splitlines()[-1]
        assert last.startswith("kcore.errors.BackendError: Unknown backend 'tensorflow'. Available backends: numpy")
