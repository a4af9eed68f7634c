"""The documentation site against the code: every guide's Python blocks run, the quick
start is the README's, the API pages are what the generator makes, and the site builds
strictly (broken links, missing pages and unresolved references fail)."""
import importlib.util
import os
import re
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = os.path.join(ROOT, 'docs')
# pages whose examples tests/test_docs.py already runs (with their own checks)
RUN_ELSEWHERE = {'plugins.md', 'testing.md', 'monitoring.md'}
GUIDES = sorted(os.path.relpath(os.path.join(d, f), DOCS)
                for d, _, files in os.walk(DOCS) for f in files
                if f.endswith('.md') and not os.path.relpath(d, DOCS).startswith('api'))


def _read(path):
    with open(path, encoding='utf-8') as f:
        return f.read()


def python_blocks(text):
    """The ```python blocks of a page, in order (other languages are shown, not run)."""
    return re.findall(r'^```python\n(.*?)^```', text, re.S | re.M)


def _tool(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, 'tools', name + '.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_page_is_in_the_site_navigation():
    nav = _read(os.path.join(ROOT, 'mkdocs.yml'))
    missing = [p for p in GUIDES if ': %s' % p not in nav]
    assert not missing, 'pages missing from mkdocs.yml nav: %s' % missing


def test_the_quick_start_is_the_readmes():
    readme_block = python_blocks(_read(os.path.join(ROOT, 'README.md')))[0]
    assert readme_block in python_blocks(_read(os.path.join(DOCS, 'index.md'))), (
        "docs/index.md's quick start differs from README.md's first python block: copy it over")


@pytest.mark.parametrize('page', [p for p in GUIDES if p not in RUN_ELSEWHERE])
def test_the_guide_examples_run(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # examples write files (h5, logs, ...)
    blocks = python_blocks(_read(os.path.join(DOCS, page)))
    namespace = {'__name__': 'docs_page'}
    try:
        for i, block in enumerate(blocks):
            exec(compile(block, '%s (python block %d)' % (page, i + 1), 'exec'), namespace)
    finally:
        if 'matplotlib.pyplot' in sys.modules:
            sys.modules['matplotlib.pyplot'].close('all')


def test_a_python_block_that_fails_is_reported_with_its_page(tmp_path):
    blocks = python_blocks('intro\n```python\nx = 1\n```\n```bash\nrm -rf /\n```\n```python\nassert x == 2\n```\n')
    assert blocks == ['x = 1\n', 'assert x == 2\n']


def test_the_api_pages_cover_every_module_and_registered_names():
    pages = _tool('gen_api_docs').pages()
    assert sorted(pages) == sorted('%s.md' % m for m in ('layers', 'models', 'backend', 'losses', 'metrics',
                                                           'optimizers', 'callbacks', 'preprocessing', 'datasets',
                                                           'utils', 'testing', 'plugins', 'distribute'))
    layers = pages['layers.md']
    assert '::: kcore.layers.core.Dense\n' in layers  # through the registry, by its defining path
    assert '::: kcore_conv.' in layers and '::: kcore_rnn.' in layers  # plugins' layers too
    assert 'kcore_mylayer' not in layers  # a third-party plugin is not kcore's reference
    assert '::: kcore.datasets.mnist\n' in pages['datasets.md']
    nav = _read(os.path.join(ROOT, 'mkdocs.yml'))
    assert all('api/%s' % page in nav for page in pages)


def test_the_site_builds_strictly_offline(tmp_path):
    pytest.importorskip('mkdocs', reason='the docs extra is not installed (pip install -e ".[docs]")')
    pytest.importorskip('mkdocstrings')
    if shutil.which('dot') is None:
        pytest.skip("the build draws the guide's model with Graphviz's dot, which is not installed")
    env = dict(os.environ, NO_PROXY='*', http_proxy='http://127.0.0.1:9', https_proxy='http://127.0.0.1:9',
               HTTP_PROXY='http://127.0.0.1:9', HTTPS_PROXY='http://127.0.0.1:9')
    done = subprocess.run([sys.executable, '-m', 'mkdocs', 'build', '--strict', '--site-dir', str(tmp_path / 'site')],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-6000:]
    assert (tmp_path / 'site' / 'index.html').exists()
    assert (tmp_path / 'site' / 'api' / 'layers' / 'index.html').exists()


def _benchmark_summary_rows():
    return _tool('docs_hooks').summary_table(_read(os.path.join(ROOT, 'benchmarks', 'README.md')))


def test_the_performance_page_has_todays_benchmark_table():
    page = _read(os.path.join(DOCS, 'performance.md'))
    table = page.split('<!-- begin: summary table', 1)[1].split('<!-- end: summary table -->')[0]
    assert [l for l in table.splitlines() if l.startswith('|')] == _benchmark_summary_rows(), (
        "docs/performance.md's table differs from benchmarks/README.md's summary: run python tools/docs_hooks.py")


def test_the_benchmark_chart_reads_every_ratio_of_the_summary():
    hooks = _tool('docs_hooks')
    rows = hooks.benchmark_ratios(_read(os.path.join(ROOT, 'benchmarks', 'README.md')))
    numeric = [l for l in _benchmark_summary_rows()[2:] if re.match(r'\**[0-9.]+', l.strip('|').split('|')[4].strip())]
    assert len(rows) == len(numeric) > 5
    assert ('MLP 784-512-512-10, Adam, 2 threads', 1.13) in rows  # bold ratios are read too
    pytest.importorskip('matplotlib')
    svg = hooks.draw_benchmarks(rows)
    assert svg.startswith(b'<?xml') and svg == hooks.draw_benchmarks(rows)  # the same bytes each build
