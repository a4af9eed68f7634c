"""Every public name of the API reference has a docstring, except the ones in
tests/docstring_baseline.txt (today's gaps): a new undocumented name fails here."""
import importlib.util
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _tool():
    spec = importlib.util.spec_from_file_location('docstring_report', os.path.join(ROOT, 'tools', 'docstring_report.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _baseline():
    with open(os.path.join(ROOT, 'tests', 'docstring_baseline.txt'), encoding='utf-8') as f:
        return {line.strip() for line in f if line.strip() and not line.startswith('#')}


def test_no_public_name_loses_its_docstring():
    new = sorted(set(_tool().missing()) - _baseline())
    assert not new, ('public names without a docstring (add one; the baseline lists only older gaps): %s'
                     % ', '.join(new))


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
