"""Docstrings: every public name of the API reference has one, and all follow one style.

Two checks, because each sees what the other cannot:

* ``tools/docstring_report.py`` imports the public modules and walks what the API
  reference lists (registry-provided names included), method by method; an
  override of a documented method (``call``, ``get_config``) inherits its docstring.
* ruff's pydocstyle rules, configured in pyproject.toml (``[tool.ruff.lint]``,
  Google convention), read the sources of kcore and the first-party plugins: a public
  module, class or function without a docstring, a summary not on the first line,
  an ``Args`` section that misses an argument, a malformed section.
"""
import glob
import importlib.util
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
#: what ruff lints: kcore and the first-party plugins' packages (not their tests)
LINTED = ['kcore'] + sorted(os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(ROOT, 'plugins', '*', 'kcore_*'))
                            if os.path.isdir(p))


def _tool():
    spec = importlib.util.spec_from_file_location('docstring_report', os.path.join(ROOT, 'tools', 'docstring_report.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _ruff(*args, stdin=None):
    if importlib.util.find_spec('ruff') is None:
        pytest.fail('ruff is not installed; it is part of the test extra: pip install -e ".[test]" '
                    '(or ./run.sh setup)')
    return subprocess.run([sys.executable, '-m', 'ruff', 'check', '--no-cache', '--output-format', 'concise',
                           *args], cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=120)


def test_every_public_name_has_a_docstring():
    missing = _tool().missing()
    assert not missing, ('public names without a docstring (write one: a one-line summary, then Args, '
                         'Returns, Raises as they apply): %s' % ', '.join(missing))


def test_docstrings_follow_the_google_style():
    assert len(LINTED) >= 6, LINTED  # kcore and the plugins kcore-conv, -losses, -rnn, -gpu, -mpi, ...
    result = _ruff(*LINTED)
    assert result.returncode == 0, ('docstrings that break the style of [tool.ruff.lint] in pyproject.toml '
                                    '(run: ruff check kcore plugins):\n%s%s' % (result.stdout, result.stderr))


BAD_MODULE = '''"""A module."""


def undocumented(x):
    return x


def partly(x, y):
    """Adds.

    Args:
        x: The first.

    Returns:
        The sum.
    """
    return x + y


def wrapped():
    """
    Summary on the second line."""
'''


def test_the_lint_configuration_catches_the_usual_mistakes():
    # the project's own configuration, on a module placed (by name only) among kcore's sources
    result = _ruff('--stdin-filename', os.path.join('kcore', 'docstyle_probe.py'), '-', stdin=BAD_MODULE)
    assert result.returncode == 1, result.stdout + result.stderr
    codes = {line.split(' ')[1] for line in result.stdout.splitlines() if 'docstyle_probe.py:' in line}
    assert {'D103', 'D417', 'D212'} <= codes, result.stdout


def test_the_check_sees_a_class_and_a_method_without_docstring():
    tool = _tool()

    class Base:
        def documented(self):
            """Has one."""

    class Bare(Base):
        def documented(self):  # inherits Base's docstring
            pass

        def plain(self):
            pass

        @property
        def size(self):
            """A documented property."""

    members = dict(tool._members(Bare))
    assert set(members) == {'documented', 'plain', 'size'}
    assert tool._overrides_documented_base(Bare, 'documented')
    assert not tool._own_docstring(Bare) and not tool._own_docstring(members['plain'])
    assert tool._own_docstring(members['size'])
