"""docs/ against the code: the hook list in docs/plugins.md is generated from
hookspecs.py and cannot drift, docs/testing.md covers the whole kit, and every
Python example in the pages runs."""
import importlib.util
import inspect
import json
import os
import re
import sys

import pytest

from kcore.plugins import hookspecs

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = os.path.join(ROOT, 'docs')


def _read(page):
    with open(os.path.join(DOCS, page), encoding='utf-8') as f:
        return f.read()


def _generator():
    spec = importlib.util.spec_from_file_location('gen_hook_docs', os.path.join(ROOT, 'tools', 'gen_hook_docs.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _hook_names():
    return sorted(n for n, f in vars(hookspecs).items() if callable(f) and hasattr(f, 'kcore_spec'))


def _words(text):
    return ' '.join(text.split())


def test_the_hook_list_is_what_the_generator_makes():
    gen = _generator()
    assert gen.generated_section(_read('plugins.md')) == gen.render(), (
        'docs/plugins.md is out of date with kcore/plugins/hookspecs.py: run python tools/gen_hook_docs.py')


def test_every_hook_is_documented_with_its_summary_and_no_stale_ones():
    section = _generator().generated_section(_read('plugins.md'))
    documented = re.findall(r'^### `(\w+)\(', section, re.M)
    assert sorted(documented) == _hook_names()
    for name in _hook_names():
        summary = inspect.getdoc(getattr(hookspecs, name)).split('\n\n')[0]
        assert _words(summary) in _words(section), name


def test_the_check_mode_catches_drift_and_the_generator_repairs_it(tmp_path, capsys):
    gen = _generator()
    page = tmp_path / 'plugins.md'
    fresh = 'Intro.\n\n%s\n%s\n\nOutro.\n' % (gen.BEGIN, gen.END)
    page.write_text(fresh, encoding='utf-8')
    assert gen.main(['--check', '--doc', str(page)]) == 1  # empty: every hook missing
    assert gen.main(['--doc', str(page)]) == 0
    text = page.read_text(encoding='utf-8')
    assert text.startswith('Intro.') and text.endswith('Outro.\n')
    assert gen.main(['--check', '--doc', str(page)]) == 0
    stale = text.replace(gen.END, '### `register_widgets(register)`\n\nGone.\n' + gen.END)
    page.write_text(stale, encoding='utf-8')
    assert gen.main(['--check', '--doc', str(page)]) == 1
    page.write_text('no markers', encoding='utf-8')
    assert gen.main(['--doc', str(page)]) == 1
    assert 'out of date' in capsys.readouterr().err


def test_testing_md_documents_the_whole_kit():
    import kcore.testing
    from kcore.testing import data, strategies
    from kcore.testing.layer_test import DEFAULT_CHECKS
    from kcore.testing.loss_test import LOSS_CHECKS
    from kcore.testing.optimizer_test import OPTIMIZER_CHECKS
    text = _read('testing.md')
    names = (list(kcore.testing.__all__) + list(strategies.__all__) + list(data.__all__)
             + [c.__name__ for c in DEFAULT_CHECKS + LOSS_CHECKS + OPTIMIZER_CHECKS])
    missing = [n for n in names if '`%s' % n not in text]
    assert not missing, 'undocumented in docs/testing.md: %s' % missing


def _python_blocks(page):
    return re.findall(r'^```python\n(.*?)^```', _read(page), re.S | re.M)


@pytest.mark.parametrize('page', ['testing.md', 'plugins.md', 'monitoring.md'])
def test_the_python_examples_run(page, tmp_path, monkeypatch):
    if page == 'plugins.md':
        pytest.importorskip('kcore_mylayer', reason='the plugin page tests the example plugin')
    if page == 'monitoring.md':
        for module in ('pydot', 'matplotlib', 'tensorboardX', 'sklearn'):
            pytest.importorskip(module)
    monkeypatch.chdir(tmp_path)  # the examples write files (model.dot, logs/, ...)
    blocks = _python_blocks(page)
    assert blocks
    namespace = {'__name__': 'docs_' + page.replace('.', '_')}
    try:
        for i, block in enumerate(blocks):
            exec(compile(block, '%s (python block %d)' % (page, i + 1), 'exec'), namespace)
    finally:
        if 'matplotlib.pyplot' in sys.modules:
            sys.modules['matplotlib.pyplot'].close('all')
    if page == 'monitoring.md':  # a user's page: its examples check themselves with assert
        assert (tmp_path / 'siamese.dot').exists() and (tmp_path / 'history.png').exists()
        assert (tmp_path / 'logs' / 'train').is_dir() and (tmp_path / 'logs' / 'validation').is_dir()
        return
    tests = [f for n, f in namespace.items() if n.startswith('test_') and callable(f)]
    assert tests
    for test in tests:
        test()


def test_the_scaling_table_is_what_the_generator_makes_from_the_measurements():
    spec = importlib.util.spec_from_file_location('gen_scaling_table',
                                                  os.path.join(ROOT, 'tools', 'gen_scaling_table.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    with open(tool.RESULTS) as f:
        table = tool.table(json.load(f))
    assert tool.BEGIN + '\n' + table + '\n' + tool.END in _read('distributed.md'), (
        'docs/distributed.md is out of date with benchmarks/mpi_results.json: run python tools/gen_scaling_table.py')
    # the model itself: one machine is pure compute; the all-reduce term is bounded by 2 M / bandwidth
    assert tool.step_time(1e-3, 100, 1e6, 1, 1e9) == pytest.approx(0.1)
    assert tool.step_time(0.0, 100, 1e6, 64, 1e9, latency=0.0) == pytest.approx(2 * 63 / 64 * 1e-3)
