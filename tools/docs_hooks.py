"""MkDocs hooks (mkdocs.yml ``hooks:``): the site's pictures, drawn from the code at each
build, never by hand.

- ``img/functional_model.svg``: ``plot_model`` of the model the functional guide builds
  (its first code block is run to get it);
- ``img/training_curve.svg``: ``plot_history`` of the training guide's ``fit``;
- ``img/benchmark_ratios.svg``: the time ratios against PyTorch from the summary table of
  ``benchmarks/README.md``.

It also adds the API reference pages ``api/*.md`` (``tools/gen_api_docs.py``), generated from
the registries at each build, so they cannot drift from the code.

The files are added to the build in memory (nothing is written under docs/). They need the
``plot`` dependencies (pydot, matplotlib; in the ``docs`` extra) and Graphviz's ``dot``.
"""
import contextlib
import io
import os
import re
import shutil
import tempfile

from mkdocs.structure.files import File

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCHMARKS = os.path.join(ROOT, 'benchmarks', 'README.md')


def _blocks(page):
    with open(os.path.join(ROOT, 'docs', page), encoding='utf-8') as f:
        return re.findall(r'^```python\n(.*?)^```', f.read(), re.S | re.M)


def _run_guide(page, count):
    """The namespace after the first ``count`` python blocks of a guide (output silenced)."""
    namespace = {'__name__': 'docs_picture'}
    with tempfile.TemporaryDirectory() as folder, contextlib.chdir(folder), \
            contextlib.redirect_stdout(io.StringIO()):
        for block in _blocks(page)[:count]:
            exec(compile(block, page, 'exec'), namespace)
    return namespace


def benchmark_ratios(text):
    """``[(benchmark, ratio)]`` from the summary table: rows whose ratio column is a number."""
    section = text.split('## Summary', 1)[1].split('\n## ', 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        if len(cells) >= 5:
            match = re.match(r'\**([0-9.]+)\**', cells[4])
            if match:
                rows.append((cells[0].replace('`', ''), float(match.group(1))))
    return rows


def _svg(figure):
    out = io.BytesIO()
    figure.savefig(out, format='svg', bbox_inches='tight', metadata={'Date': None})
    return out.getvalue()


def draw_benchmarks(rows):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    plt.rcParams['svg.hashsalt'] = 'kcore-docs'  # the same bytes on every build
    figure, axes = plt.subplots(figsize=(8, 0.35 * len(rows) + 1))
    names = [name for name, _ in rows][::-1]
    ratios = [ratio for _, ratio in rows][::-1]
    axes.barh(names, ratios, color=['#c0504d' if r > 1 else '#4f81bd' for r in ratios])
    axes.axvline(1.0, color='black', linewidth=1)
    axes.set_xlabel('kcore / PyTorch: time (peak memory on the memory row); lower is better, 1 = even')
    try:
        return _svg(figure)
    finally:
        plt.close(figure)


def draw_functional_model():
    from kcore.utils import plot_model
    if shutil.which('dot') is None:
        raise RuntimeError("the docs build draws the guide's model with Graphviz's `dot`, which is "
                           'not installed: apt-get install graphviz (or brew/conda install graphviz)')
    model = _run_guide('guides/functional.md', 1)['model']
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, 'model.svg')
        plot_model(model, to_file=path, show_shapes=True)
        with open(path, 'rb') as f:
            return f.read()


def draw_training_curve():
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from kcore.utils import plot_history
    plt.rcParams['svg.hashsalt'] = 'kcore-docs'
    history = _run_guide('guides/training.md', 2)['history']
    figure = plot_history(history)
    try:
        return _svg(figure)
    finally:
        plt.close(figure)


def pictures():
    with open(BENCHMARKS, encoding='utf-8') as f:
        rows = benchmark_ratios(f.read())
    return {'img/benchmark_ratios.svg': draw_benchmarks(rows),
            'img/functional_model.svg': draw_functional_model(),
            'img/training_curve.svg': draw_training_curve()}


def api_pages():
    """docs/api/*.md as tools/gen_api_docs.py writes them, from today's registries."""
    import importlib.util
    spec = importlib.util.spec_from_file_location('gen_api_docs', os.path.join(ROOT, 'tools', 'gen_api_docs.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return {'api/' + page: text for page, text in tool.pages().items()}


def on_files(files, config):
    for path, content in list(pictures().items()) + list(api_pages().items()):
        stale = files.get_file_from_path(path)  # e.g. an old copy written by gen_api_docs.py
        if stale is not None:
            files.remove(stale)
        files.append(File.generated(config, path, content=content))
    return files


def summary_table(text):
    """The rows of the summary table of benchmarks/README.md, as they stand."""
    section = text.split('## Summary', 1)[1].split('\n## ', 1)[0]
    return [line for line in section.splitlines() if line.startswith('|')]


def sync_performance_page():
    """Copy today's summary table into docs/performance.md (between its markers)."""
    with open(BENCHMARKS, encoding='utf-8') as f:
        rows = summary_table(f.read())
    path = os.path.join(ROOT, 'docs', 'performance.md')
    with open(path, encoding='utf-8') as f:
        page = f.read()
    start = page.index('\n', page.index('<!-- begin: summary table')) + 1
    end = page.index('<!-- end: summary table -->')
    with open(path, 'w', encoding='utf-8') as f:
        f.write(page[:start] + '\n'.join(rows) + '\n' + page[end:])


if __name__ == '__main__':  # python tools/docs_hooks.py: refresh docs/performance.md's table
    sync_performance_page()
