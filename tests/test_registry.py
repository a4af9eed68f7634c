"""The Registry on its own: names, aliases, provenance, conflicts, removal."""
import pytest

from kcore.errors import DuplicateNameError, UnknownNameError
from kcore.plugins.registry import Registry, singular


def fn_a():
    pass


def fn_b():
    pass


def fn_c():
    pass


def test_names_aliases_and_provenance():
    reg = Registry('losses')
    assert reg.add(fn_a, aliases=('a', 'a', 'fn_a'), plugin='p', distribution='dist-p 1.0') == ['fn_a', 'a']
    assert reg.get('fn_a') is fn_a and reg.get('a') is fn_a
    entry = reg.entry('a')
    assert entry.alias_of == 'fn_a' and entry.distribution == 'dist-p 1.0' and entry.plugin == 'p'
    assert entry.source == 'dist-p 1.0 (plugin p)'
    assert reg.name_of(fn_a) == 'fn_a'
    assert reg.names() == ['a', 'fn_a'] and 'a' in reg and len(reg.entries()) == 2
    reg.add(fn_b, name='bee', aliases='b', meta_key=1)  # a single alias as a string
    assert reg.get('b') is fn_b and reg.entry('bee').meta == {'meta_key': 1}
    assert reg.entry('bee').source == 'in-process registration (__main__)'
    assert repr(reg) == '<Registry losses: 4 names>'


def test_bad_registrations():
    reg = Registry('layers')
    with pytest.raises(TypeError, match='pass name=|Pass name='):
        reg.add(object())
    with pytest.raises(TypeError, match='aliases must be non-empty strings'):
        reg.add(fn_a, aliases=('', 3))
    assert reg.names() == []


def test_case_insensitive_fallback_only_when_unambiguous():
    reg = Registry('optimizers')
    reg.add(fn_a, name='Adam')
    assert reg.get('ADAM') is fn_a
    reg.add(fn_b, name='adam')
    assert reg.get('adam') is fn_b
    with pytest.raises(UnknownNameError):
        reg.get('ADAM')


def test_unknown_names():
    reg = Registry('layers')
    reg.add(fn_a, name='Dense')
    with pytest.raises(UnknownNameError, match="Unknown layer: 'Dens'. Did you mean: 'Dense'"):
        reg.get('Dens')
    with pytest.raises(UnknownNameError, match="Did you mean: 'Dense'"):
        reg.get('ense')  # a substring counts as close
    with pytest.raises(UnknownNameError) as info:
        reg.get('Zzz')
    assert 'Did you mean' not in str(info.value)
    assert str(info.value).startswith("Unknown layer: 'Zzz'.")  # KeyError's quoting is gone
    with pytest.raises(TypeError, match="Expected a layer name"):
        reg.get(None)


def test_in_process_clash_is_immediate_and_names_the_holder():
    reg = Registry('layers')
    reg.add(fn_a, name='X', plugin='kcore-builtins', distribution='kcore 0.1.0')
    with pytest.raises(DuplicateNameError, match=r"'X' is already registered by kcore 0.1.0"):
        reg.add(fn_b, name='X')
    assert reg.get('X') is fn_a
    reg.add(fn_b, name='X', replace=True)
    assert reg.get('X') is fn_b
    reg.add(fn_b, name='X')  # the same object again: fine
    assert reg.get('X') is fn_b


def test_distribution_conflicts_park_the_name_and_resolve_on_removal():
    reg = Registry('layers')
    reg.add(fn_a, name='X', aliases=('only_a',), plugin='a', distribution='dist-a 1')
    reg.add(fn_b, name='X', aliases=('only_b',), plugin='b', distribution='dist-b 2')
    with pytest.raises(DuplicateNameError) as info:
        reg.get('X')
    assert 'dist-a 1 (plugin a) and dist-b 2 (plugin b)' in str(info.value)
    assert 'X' not in reg and reg.get('only_a') is fn_a and reg.get('only_b') is fn_b
    # a third claim joins the conflict
    reg.add(fn_c, name='X', plugin='c', distribution='dist-c 3')
    assert reg.remove_plugin('b') == ['only_b', 'X']
    with pytest.raises(DuplicateNameError):
        reg.get('X')  # a and c still disagree
    reg.remove_plugin('c')
    assert reg.get('X') is fn_a
    # the very same object claimed twice is no conflict
    reg.add(fn_a, name='X', plugin='d', distribution='dist-d 4')
    assert reg.get('X') is fn_a


def test_remove_by_name_object_or_alias():
    reg = Registry('activations')
    reg.add(fn_a, aliases=('a1', 'a2'))
    assert sorted(reg.remove('fn_a')) == ['a1', 'a2', 'fn_a']
    reg.add(fn_a, aliases=('a1',))
    assert sorted(reg.remove(fn_a)) == ['a1', 'fn_a']
    assert reg.remove('nothing') == []


def test_on_change_and_snapshots():
    calls = []
    reg = Registry('kernels', on_change=lambda: calls.append(1))
    reg.add(fn_a)
    snap = reg.snapshot()
    reg.add(fn_b)
    reg.clear()
    assert reg.names() == []
    reg.restore(snap)
    assert reg.names() == ['fn_a']
    assert len(calls) == 4


def test_loader_protocol():
    class Loader:
        def __init__(self):
            self.loaded = self.rescans = 0
            self.late = None

        def ensure_loaded(self):
            self.loaded += 1

        def rescan(self):
            self.rescans += 1
            if self.late:
                reg.add(*self.late)
                return True
            return False

        def hint(self, kind, name):
            return 'Install kcore-x.' if name == 'FromX' else None

    loader = Loader()
    reg = Registry('layers', loader=loader)
    with pytest.raises(UnknownNameError, match="Unknown layer: 'FromX'. Install kcore-x.$"):
        reg.get('FromX')
    assert loader.loaded == 1 and loader.rescans == 1
    loader.late = (fn_a, 'Late')
    assert reg.get('Late') is fn_a  # found by the rescan
    assert reg.get('Late') is fn_a and loader.rescans == 2  # the fast path asks nobody


def test_singular():
    assert [singular(k) for k in ('layers', 'losses', 'metrics', 'ops', 'activations')] == [
        'layer', 'loss', 'metric', 'op', 'activation']
