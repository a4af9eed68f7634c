"""``kcore.training.heap``: with KCORE_KEEP_FREED_MEMORY=1, glibc keeps freed memory for the next step."""
import ctypes
import os
import subprocess
import sys

import pytest

from kcore.training import heap

_CHILD = '''
import os, resource, sys
import numpy as np
import kcore
model = kcore.models.Sequential([kcore.layers.Dense(4, input_shape=(8,))])
model.compile('sgd', 'mse')
from kcore.training import heap
print(heap.keep_freed_memory())
def step():  # two 12 MiB activations, freed together: glibc trims them away unless told to keep them
    a = np.ones(3 << 20, np.float32); b = np.ones(3 << 20, np.float32); del a, b
for _ in range(3):
    step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(10):
    step()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
'''


def _glibc():
    try:
        return hasattr(ctypes.CDLL(None), 'mallopt') and sys.platform.startswith('linux')
    except OSError:
        return False


def _child(setting):
    env = {k: v for k, v in os.environ.items() if k != 'KCORE_KEEP_FREED_MEMORY'}
    if setting is not None:
        env['KCORE_KEEP_FREED_MEMORY'] = setting
    out = subprocess.run([sys.executable, '-c', _CHILD], env=env, capture_output=True, text=True, timeout=120,
                         check=True).stdout.split()
    return out[0] == 'True', int(out[1])


@pytest.mark.skipif(not _glibc(), reason='glibc only')
def test_compile_keeps_freed_memory_when_asked_to():
    applied, faults = _child('1')
    applied_off, faults_off = _child(None)  # the default: glibc's own settings
    assert applied and not applied_off and not _child('0')[0]
    assert faults < 500 and faults * 10 < faults_off  # 10 steps x 6,144 pages: faulted in anew when trimmed


def test_applied_once_and_remembered(monkeypatch):
    calls = []
    monkeypatch.setattr(heap, '_applied', None)
    monkeypatch.setattr(heap, '_apply', lambda: calls.append(1) or False)
    assert heap.keep_freed_memory() is False and heap.keep_freed_memory() is False
    assert calls == [1]


@pytest.mark.parametrize('value', [None, '0', 'yes'])
def test_off_unless_the_environment_says_1(monkeypatch, value):
    if value is None:
        monkeypatch.delenv('KCORE_KEEP_FREED_MEMORY', raising=False)
    else:
        monkeypatch.setenv('KCORE_KEEP_FREED_MEMORY', value)
    assert heap._apply() is False
