"""kcore-conv as a plugin: what it registers, and what a user sees without it."""
import os
import subprocess
import sys

import pytest

import kcore.backend as K
from kcore.plugins import registry
from kcore_conv.kernels import KERNELS
from kcore_conv.ops import OPS


def test_kernels_are_registered_by_op_name_for_every_rank():
    names = set(registry('kernels').names())
    for name in ('conv1d', 'conv2d', 'conv3d', 'conv2d_transpose', 'depthwise_conv2d', 'separable_conv2d',
                 'max_pool2d', 'avg_pool3d', 'upsampling2d'):
        assert name in names and name in KERNELS


def test_k_functions_are_the_plugin_ops():
    for fn in OPS:
        assert getattr(K, fn.__name__) is fn


_PROBE = '''
import kcore, kcore.backend as K
for get in (lambda: kcore.layers.Conv2D, lambda: K.conv2d):
    try:
        get()
    except ImportError as e:  # kcore.errors.MissingPluginError: `from kcore.layers import Conv2D` shows it too
        print(e)
'''


@pytest.mark.parametrize('env', [{'KCORE_DISABLE_PLUGINS': 'conv'}, {'KCORE_DISABLE_PLUGIN_AUTOLOAD': '1'}])
def test_without_the_plugin_conv2d_asks_for_pip_install_kcore_conv(env):
    result = subprocess.run([sys.executable, '-c', _PROBE], capture_output=True, text=True, timeout=120,
                            env=dict(os.environ, **env))
    lines = result.stdout.strip().splitlines()
    assert result.returncode == 0, result.stderr
    assert len(lines) == 2, result.stdout
    assert "Unknown layer: 'Conv2D'" in lines[0] and "Unknown op: 'conv2d'" in lines[1]
    assert all('pip install kcore-conv' in line for line in lines)
