"""The curated public surface: every ``__all__`` resolves, and nothing public hides outside it."""
import importlib
import inspect
import subprocess
import sys
import types

import pytest

import kcore
from kcore import backend as K

#: modules with a curated ``__all__``
CURATED = ['kcore', 'kcore.backend', 'kcore.layers', 'kcore.models', 'kcore.plugins', 'kcore.autodiff',
           'kcore.testing', 'kcore.saving', 'kcore.errors', 'kcore.config', 'kcore.distribute']

#: what the Keras 2 backend functions of the foundation issue promise on ``K``
REQUIRED_K = '''dot batch_dot sum mean max min prod var std argmax argmin square sqrt abs exp log pow clip maximum
minimum relu sigmoid hard_sigmoid tanh softmax softplus softsign elu l2_normalize concatenate stack reshape
transpose permute_dimensions expand_dims squeeze flatten batch_flatten repeat_elements tile gather one_hot cast
zeros ones zeros_like ones_like eye random_uniform random_normal dropout variable constant shape int_shape ndim
dtype eval get_value set_value batch_get_value batch_set_value gradients stop_gradient switch equal not_equal
greater less epsilon set_epsilon floatx set_floatx image_data_format set_image_data_format clear_session
placeholder function learning_phase backend'''.split()


@pytest.mark.parametrize('name', CURATED)
def test_all_is_sorted_unique_and_resolves(name):
    module = importlib.import_module(name)
    names = module.__all__
    assert len(names) == len(set(names)), [n for n in names if names.count(n) > 1]
    for attr in names:
        assert not attr.startswith('_') or attr == '__version__', attr
        assert getattr(module, attr) is not None, '%s.%s' % (name, attr)


def test_k_has_the_promised_functions():
    missing = [n for n in REQUIRED_K if n not in K.__all__ or not callable(getattr(K, n))]
    assert not missing


#: public names of kcore.backend that are deliberately not part of ``K``'s surface
K_INTERNAL = {'ACTIVE', 'NumpyBackend', 'backend_name', 'LEARNING_PHASE', 'SymbolicGradient'}


def test_k_hides_nothing_public_outside_all():
    public = {n for n, v in vars(K).items()
              if not n.startswith('_') and not isinstance(v, types.ModuleType) and n not in K_INTERNAL}
    assert public == set(K.__all__), (public - set(K.__all__), set(K.__all__) - public)


@pytest.mark.parametrize('name', ['kcore.errors', 'kcore.autodiff', 'kcore.config'])
def test_small_modules_hide_nothing_public(name):
    module = importlib.import_module(name)
    own = {n for n, v in vars(module).items()
           if not n.startswith('_') and not isinstance(v, types.ModuleType)
           and (getattr(v, '__module__', name) or '').startswith(name)}
    assert own <= set(module.__all__), own - set(module.__all__)


def test_errors_derive_from_what_users_already_catch():
    from kcore import errors
    assert issubclass(errors.UnknownNameError, KeyError) and issubclass(errors.ShapeError, ValueError)
    assert issubclass(errors.DuplicateNameError, ValueError) and issubclass(errors.BackendError, RuntimeError)
    assert issubclass(errors.PluginLoadError, ImportError) and issubclass(errors.PluginLoadWarning, UserWarning)
    for name in errors.__all__:
        obj = getattr(errors, name)
        if inspect.isclass(obj) and issubclass(obj, Exception) and not issubclass(obj, Warning):
            assert issubclass(obj, errors.KcoreError), name


def test_top_level_submodules_load_on_access():
    proc = subprocess.run([sys.executable, '-c', 'import sys, kcore; print("kcore.saving" in sys.modules); '
                           'kcore.saving; print("kcore.saving" in sys.modules)'],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ['False', 'True']
    with pytest.raises(AttributeError, match="no attribute 'wrappers_of_nothing'"):
        kcore.wrappers_of_nothing


def test_kcore_top_level():
    from importlib.metadata import version
    assert kcore.__version__ == version('kcore')  # pyproject reads it from kcore/__init__.py
    assert {'Input', 'Layer', 'Model', 'Sequential', 'backend', 'layers', 'plugins'} <= set(kcore.__all__)
