"""Every package of the repository builds a wheel that carries its code, its
``kcore`` entry point (what ``pip install kcore-conv`` relies on), its licence and
``py.typed``, and core metadata that an index accepts: the wheel's METADATA is
parsed and validated with ``packaging.metadata`` (what ``twine check`` and PyPI
read), then checked field by field."""
import email.parser
import os
import re
import subprocess
import sys
import zipfile

import pytest

from packaging.metadata import Metadata

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


def test_every_package_folder_is_covered():
    found = {'.'}
    for base in ('plugins', 'examples/plugins'):
        for name in os.listdir(os.path.join(ROOT, base)):
            if os.path.exists(os.path.join(ROOT, base, name, 'pyproject.toml')):
                found.add(base + '/' + name)
    assert found == set(PACKAGES), 'add the new package to PACKAGES (and to run.sh setup)'


@pytest.fixture(scope='module')
def wheels(tmp_path_factory):
    """folder -> the path of its freshly built wheel (built once for all the tests here)."""
    out = {}
    for folder in PACKAGES:
        target = tmp_path_factory.mktemp('wheel')
        subprocess.run([sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '-q',
                        '-w', str(target), os.path.join(ROOT, folder)], check=True, capture_output=True,
                       env=dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK='1'), cwd=str(target), timeout=300)
        (wheel,) = [f for f in os.listdir(target) if f.endswith('.whl')]
        out[folder] = str(target / wheel)
    return out


@pytest.mark.parametrize('folder', sorted(PACKAGES))
def test_each_package_builds_a_wheel_with_its_entry_point(folder, wheels):
    name, module_file, entry_point = PACKAGES[folder]
    assert os.path.basename(wheels[folder]).startswith(name + '-')
    with zipfile.ZipFile(wheels[folder]) as z:
        names = z.namelist()
        assert module_file in names
        assert name + '/py.typed' in names
        assert not any('/tests/' in n or n.startswith('tests/') for n in names), 'tests leaked into the wheel'
        (entry_points,) = [n for n in names if n.endswith('.dist-info/entry_points.txt')]
        text = z.read(entry_points).decode()
    assert '[kcore]' in text and entry_point in text


def _metadata(wheel):
    with zipfile.ZipFile(wheel) as z:
        (path,) = [n for n in z.namelist() if n.endswith('.dist-info/METADATA')]
        raw = z.read(path)
        licences = [n for n in z.namelist() if '.dist-info/licenses/' in n]
        licence_text = z.read(licences[0]).decode() if licences else ''
    return raw, licences, licence_text


@pytest.mark.parametrize('folder', sorted(PACKAGES))
def test_each_wheel_has_valid_complete_metadata(folder, wheels):
    raw, licences, licence_text = _metadata(wheels[folder])
    meta = Metadata.from_email(raw, validate=True)  # raises on any field an index would refuse
    assert meta.name == PACKAGES[folder][0].replace('_', '-')
    assert re.fullmatch(r'\d+\.\d+\.\d+.*', str(meta.version))
    assert meta.summary and len(meta.summary) < 200
    assert str(meta.license_expression) == 'Apache-2.0'
    assert meta.license_files == ['LICENSE'] and licences and licences[0].endswith('/licenses/LICENSE')
    assert 'Apache License' in licence_text and 'Version 2.0' in licence_text
    assert not any(c.startswith('License ::') for c in meta.classifiers), \
        'a licence classifier beside License-Expression is refused by setuptools and PyPI'
    assert 'Typing :: Typed' in meta.classifiers and 'Programming Language :: Python :: 3' in meta.classifiers
    assert str(meta.requires_python) == '>=3.10'
    assert meta.author == 'The kcore authors'
    assert {'Homepage', 'Source', 'Issues', 'Documentation'} <= set(meta.project_urls)
    assert all(u.startswith('https://') for u in meta.project_urls.values())
    assert meta.description_content_type.startswith('text/markdown')
    assert meta.description.lstrip().startswith('# ' + meta.name)
    if folder != '.':
        assert any(str(r).startswith('kcore>=') for r in meta.requires_dist)
    parsed = email.parser.BytesParser().parsebytes(raw)
    assert parsed['Metadata-Version'] in ('2.2', '2.3', '2.4')


def test_the_version_is_kept_in_one_place(wheels):
    import kcore
    from kcore.cli import main
    raw, _, _ = _metadata(wheels['.'])
    assert str(Metadata.from_email(raw).version) == kcore.__version__
    with open(os.path.join(ROOT, 'pyproject.toml')) as f:
        text = f.read()
    assert 'dynamic = ["version"]' in text and re.search(r'^version\s*=\s*"', text, re.M) is None
    with pytest.raises(SystemExit) as exit_info:
        main(['--version'])
    assert exit_info.value.code == 0


def test_the_readme_lists_every_extra():
    with open(os.path.join(ROOT, 'README.md')) as f:
        readme = f.read()
    with open(os.path.join(ROOT, 'pyproject.toml')) as f:
        extras = re.findall(r'^(\w+) = \[', f.read().split('[project.optional-dependencies]')[1].split('\n[')[0], re.M)
    for extra in set(extras) - {'test', 'demo'}:
        assert 'kcore[%s]' % extra in readme, 'README does not explain the extra %r' % extra
    assert 'kcore-gpu[cuda12]' in readme
