"""The user's tutorial scripts (the seeds), translated to kcore, as acceptance tests.

``tests/seed_examples/`` is a copy of ``shared/seed_examples/`` (the project's
source material, kept beside the repository) so that CI runs them too; when
the original is present, the copy must be identical.
"""
import filecmp
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
COPY = os.path.join(HERE, 'seed_examples')
ORIGINAL = os.path.join(os.path.dirname(HERE), '..', 'shared', 'seed_examples')
SCRIPTS = sorted(f[:-3] for f in os.listdir(COPY) if f.startswith('s') and f.endswith('.py'))


@pytest.mark.parametrize('name', SCRIPTS)
def test_seed_script_passes(name, tmp_path):
    env = dict(os.environ, PYTHONHASHSEED='0')
    proc = subprocess.run([sys.executable, os.path.join(COPY, name + '.py')], cwd=str(tmp_path), env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    out = proc.stdout.decode('utf-8', 'replace')
    assert proc.returncode == 0 and ('OK ' + name) in out, out[-3000:]


@pytest.mark.skipif(not os.path.isdir(ORIGINAL), reason='shared/seed_examples is not beside this checkout')
def test_the_copy_matches_the_shared_originals():
    names = sorted(f for f in os.listdir(ORIGINAL) if f.endswith(('.py', '.md')))
    assert sorted(f for f in os.listdir(COPY) if f.endswith(('.py', '.md'))) == names
    _, mismatch, errors = filecmp.cmpfiles(ORIGINAL, COPY, names, shallow=False)
    assert not mismatch and not errors, 'refresh tests/seed_examples from shared/seed_examples: %s' % mismatch
