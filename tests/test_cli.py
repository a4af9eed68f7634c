"""The ``kcore`` console script beyond ``plugins`` (tested with throwaway plugins in
test_plugins_discovery.py): ``info`` and argument handling."""
import pytest

import kcore
from kcore import config
from kcore.cli import main


def test_info(capsys):
    assert main(['info']) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == 'kcore %s' % kcore.__version__
    assert 'backend: numpy' in out
    assert 'config file: %s' % config.config_path() in out
    assert 'floatx: %s' % config.floatx() in out
    assert len(out) == len(set(out)), 'a line is printed twice'
    assert len([line for line in out if line.startswith('backend:')]) == 1


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(['--version'])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == 'kcore %s' % kcore.__version__


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert 'plugins' in capsys.readouterr().out


def test_unknown_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main(['nonsense'])
    assert info.value.code == 2
    assert 'invalid choice' in capsys.readouterr().err
