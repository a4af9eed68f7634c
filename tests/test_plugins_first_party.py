"""Each first-party plugin registers exactly the names ``kcore/plugins/known.py`` lists for it.

``known.py`` feeds the "pip install kcore-conv" hint for names that are missing;
this test keeps it from drifting.  Kernels are left out: they are internal names
no user types.  A plugin that registers nothing yet (its owner is still writing it)
is an expected failure, reported as such; once it registers anything, the lists
must match exactly.
"""
import pytest

from kcore import plugins
from kcore.plugins import known
from kcore.plugins.manager import _normalize


def _registered_by(package):
    records = [p for p in plugins.plugins()
               if p['distribution'] and _normalize(p['distribution']) == _normalize(package)]
    names = {}
    for record in records:
        for kind, listed in record['registered'].items():
            names.setdefault(kind, set()).update(listed)
    return records, names


@pytest.mark.parametrize('package', sorted(known.FIRST_PARTY))
def test_first_party_plugin_registers_exactly_the_known_names(package):
    records, registered = _registered_by(package)
    if not records:
        pytest.skip('%s is not installed here (./run.sh setup installs every first-party plugin)' % package)
    assert all(r['status'] == 'loaded' for r in records), records
    registered.pop('kernels', None)
    if not any(registered.values()):
        pytest.xfail('%s registers nothing yet: its owner is still writing it' % package)
    expected = {kind: set(names) for kind, names in known.FIRST_PARTY[package].items()}
    for kind in sorted(set(expected) | set(registered)):
        missing = expected.get(kind, set()) - registered.get(kind, set())
        extra = registered.get(kind, set()) - expected.get(kind, set())
        assert not missing and not extra, (
            '%s %s: known.py lists %s that the plugin does not register, and the plugin registers %s '
            'that known.py does not list' % (package, kind, sorted(missing), sorted(extra)))


def test_known_names_belong_to_one_package_per_kind():
    seen = {}
    for package, kinds in known.FIRST_PARTY.items():
        for kind, names in kinds.items():
            for name in names:
                owner = seen.setdefault((kind, name), package)
                assert owner == package, '%s %r is listed for both %s and %s' % (kind, name, owner, package)
    assert known.provider('layers', 'Conv2D') == 'kcore-conv'
    assert known.provider('backends', 'cuda') == 'kcore-gpu'
    assert known.provider('layers', 'Dense') is None
