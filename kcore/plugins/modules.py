"""Module paths that plugins provide under ``kcore.`` (``kcore.applications.vgg16``).

A plugin registers ``register('kcore_applications.vgg16',
name='kcore.applications.vgg16')`` (hook ``register_modules``).  A finder at the
end of ``sys.meta_path`` answers ``import kcore.applications.vgg16`` with the
plugin's own module object, so both paths name one module.  It runs only after
the normal import of a ``kcore.`` name has failed, so kcore's own modules never
pay for it; a miss on a path that a known first-party plugin provides raises
``ModuleNotFoundError`` with the ``pip install`` line.
"""
import importlib
import importlib.abc
import importlib.util
import sys

from kcore.plugins.manager import manager

PREFIX = 'kcore.'


def target(fullname):
    """The real module name registered for ``fullname`` (exactly; no case folding), or None."""
    modules = manager.registries['modules']
    return modules.get(fullname) if fullname in modules else None


def resolve(obj):
    """A registered object, or the one a ``'module:attribute'`` string names (imported now)."""
    if isinstance(obj, str) and ':' in obj:
        module, _, attr = obj.partition(':')
        return getattr(importlib.import_module(module), attr)
    return obj


def submodule(package, name):
    """``package.name`` as a registered module (imported), or None: for a package's ``__getattr__``."""
    fullname = '%s.%s' % (package, name)
    if name.startswith('_') or target(fullname) is None:
        return None
    return importlib.import_module(fullname)


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, real_name):
        self.real_name = real_name

    def create_module(self, spec):
        return importlib.import_module(self.real_name)

    def exec_module(self, module):
        """The real module ran when it was imported; nothing more to do."""


class RegisteredModuleFinder(importlib.abc.MetaPathFinder):
    """Resolves ``kcore.<path>`` names that a plugin registered (see the module docstring)."""

    def find_spec(self, fullname, path=None, target_=None):
        if not fullname.startswith(PREFIX) or manager.loading:
            return None  # a miss while plugins load (an optional import in a plugin) stays a miss
        real = target(fullname)
        if real is not None:
            return importlib.util.spec_from_loader(fullname, _AliasLoader(real))
        hint = manager.hint('modules', fullname)
        if hint:
            raise ModuleNotFoundError('No module named %r. %s' % (fullname, hint), name=fullname)
        return None


def install():
    """Put the finder at the end of ``sys.meta_path`` (once)."""
    if not any(isinstance(f, RegisteredModuleFinder) for f in sys.meta_path):
        sys.meta_path.append(RegisteredModuleFinder())
