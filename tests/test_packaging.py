"""Every package of the repository builds a wheel that carries its code and its
``kcore`` entry point (what ``pip install kcore-conv`` relies on)."""
import os
import subprocess
import sys
import zipfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGES = {
    '.': ('kcore', 'kcore/__init__.py', 'builtins = kcore._builtins.plugin'),
    'plugins/kcore-conv': ('kcore_conv', 'kcore_conv/plugin.py', 'conv = kcore_conv.plugin'),
    'plugins/kcore-losses': ('kcore_losses', 'kcore_losses/plugin.py', 'losses = kcore_losses.plugin'),
    'plugins/kcore-rnn': ('kcore_rnn', 'kcore_rnn/plugin.py', 'rnn = kcore_rnn.plugin'),
    'plugins/kcore-gpu': ('kcore_gpu', 'kcore_gpu/plugin.py', 'gpu = kcore_gpu.plugin'),
    'plugins/kcore-mpi': ('kcore_mpi', 'kcore_mpi/plugin.py', 'mpi = kcore_mpi.plugin'),
    'examples/plugins/kcore-mylayer': ('kcore_mylayer', 'kcore_mylayer/plugin.py', 'mylayer = kcore_mylayer.plugin'),
}


@pytest.mark.parametrize('folder', sorted(PACKAGES))
def test_each_package_builds_a_wheel_with_its_entry_point(folder, tmp_path):
    name, module_file, entry_point = PACKAGES[folder]
    subprocess.run([sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '-q',
                    '-w', str(tmp_path), os.path.join(ROOT, folder)], check=True, capture_output=True,
                   env=dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK='1'), cwd=str(tmp_path))
    (wheel,) = [f for f in os.listdir(tmp_path) if f.endswith('.whl')]
    assert wheel.startswith(name + '-')
    with zipfile.ZipFile(tmp_path / wheel) as z:
        names = z.namelist()
        assert module_file in names
        assert not any('/tests/' in n or n.startswith('tests/') for n in names), 'tests leaked into the wheel'
        (entry_points,) = [n for n in names if n.endswith('.dist-info/entry_points.txt')]
        text = z.read(entry_points).decode()
    assert '[kcore]' in text and entry_point in text
