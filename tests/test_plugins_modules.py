"""Module paths and lazy objects that plugins register under ``kcore.`` (kcore/plugins/modules.py)."""
import importlib
import json
import sys

import pytest

import kcore
import kcore.applications
from kcore import plugins


@pytest.fixture
def fake_module():
    """``kcore.applications.fake_json`` registered in-process as the stdlib's json."""
    name = 'kcore.applications.fake_json'
    plugins.register('json', kind='modules', name=name)
    try:
        yield name
    finally:
        plugins.unregister('json', kind='modules')
        sys.modules.pop(name, None)
        kcore.applications.__dict__.pop('fake_json', None)


def test_a_registered_module_path_imports_the_real_module(fake_module):
    assert importlib.import_module(fake_module) is json
    from kcore.applications import fake_json  # noqa: F401  (from-import works too)
    assert fake_json is json and kcore.applications.fake_json is json


def test_attribute_access_finds_the_module_without_an_import(fake_module):
    assert kcore.applications.fake_json is json
    assert 'fake_json' in dir(kcore.applications)


def test_a_module_path_string_registered_as_an_object_is_imported_on_use():
    with plugins.registered('json:dumps', kind='applications', name='FakeDumps'):
        assert kcore.applications.FakeDumps is json.dumps
    with pytest.raises(AttributeError, match="Unknown application: 'FakeDumps'"):
        kcore.applications.FakeDumps


def test_unregistered_paths_stay_ordinary_import_errors():
    with pytest.raises(ModuleNotFoundError, match='kcore.applications.no_such_module'):
        importlib.import_module('kcore.applications.no_such_module')
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module('kcore.no_such_package')


def test_names_are_matched_exactly_not_by_case(fake_module):
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module('kcore.applications.FAKE_JSON')


def test_kcore_applications_is_reached_from_the_package_like_keras_applications():
    import subprocess
    import sys
    code = 'import kcore; print(kcore.applications.__name__)'
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == 'kcore.applications', out.stderr
