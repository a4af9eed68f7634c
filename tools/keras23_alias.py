"""Make ``import keras...`` import ``kcore...`` in this process, for running Keras 2.3.1's own
scripts and tests unchanged (used by ``tools/keras23_compat.py``; not part of kcore).

``install()`` puts a finder first on ``sys.meta_path``: ``keras`` and every ``keras.a.b``
resolve to the module object of ``kcore`` / ``kcore.a.b`` (the same object, so
``keras.layers.Dense is kcore.layers.Dense``). A module kcore lacks raises the usual
``ModuleNotFoundError`` naming the ``keras`` path.

``cap_training()`` (scripts only) bounds the work a script asks for, so that a script
written for hours of training finishes in seconds on tiny synthetic data: ``epochs`` of
``fit``/``fit_generator`` at most ``KERAS23_MAX_EPOCHS``, ``steps_per_epoch`` and
``validation_steps`` at most ``KERAS23_MAX_STEPS``, and the arrays given to ``fit`` cut to
their first ``KERAS23_MAX_SAMPLES`` rows; ``evaluate`` scores at most that many rows (or
``KERAS23_MAX_STEPS`` steps). ``predict`` is untouched (scripts use its result's shape).
Nothing else about a call changes.

As a pytest plugin (``-p keras23_alias``), it installs the alias before any conftest runs.
"""
import importlib
import importlib.abc
import importlib.util
import os
import sys

ALIAS, TARGET = 'keras', 'kcore'


class _AliasLoader(importlib.abc.Loader):
    """Hands back the already-imported kcore module and keeps its own ``__spec__``."""

    def __init__(self, module):
        self.module = module
        self.spec = getattr(module, '__spec__', None)

    def create_module(self, spec):
        return self.module

    def exec_module(self, module):
        if self.spec is not None:
            module.__spec__ = self.spec  # importlib set it to the alias spec; kcore keeps its own


class KerasAliasFinder(importlib.abc.MetaPathFinder):
    """``keras[.x.y]`` -> ``kcore[.x.y]``."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != ALIAS and not fullname.startswith(ALIAS + '.'):
            return None
        real = TARGET + fullname[len(ALIAS):]
        try:
            module = importlib.import_module(real)
        except ModuleNotFoundError as e:
            if e.name is not None and (e.name == real or real.startswith(e.name + '.')):
                raise ModuleNotFoundError('No module named %r (alias of %r)' % (fullname, real),
                                          name=fullname) from None
            raise
        is_package = hasattr(module, '__path__')
        return importlib.util.spec_from_loader(fullname, _AliasLoader(module), is_package=is_package)


def install():
    """Put the alias finder first on ``sys.meta_path`` (once)."""
    if not any(isinstance(f, KerasAliasFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, KerasAliasFinder())


def _env_int(name, default):
    return int(os.environ.get(name, default))


def _head(value, n):
    """The first ``n`` rows of an array, or of each array in a list/tuple/dict."""
    if value is None:
        return None
    if isinstance(value, dict):
        return {k: _head(v, n) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        if value and hasattr(value[0], 'shape'):
            return type(value)(_head(v, n) for v in value)
        return value[:n] if len(value) > n and not hasattr(value[0], '__len__') else value
    if hasattr(value, 'shape') and getattr(value, 'ndim', 0) >= 1:
        return value[:n]
    return value


def cap_training():
    """Bound epochs, steps and samples of ``Model.fit``/``fit_generator`` (see the module doc)."""
    import kcore

    max_epochs = _env_int('KERAS23_MAX_EPOCHS', 1)
    max_steps = _env_int('KERAS23_MAX_STEPS', 3)
    max_samples = _env_int('KERAS23_MAX_SAMPLES', 256)
    model_cls = kcore.models.Model
    fit, fit_generator = model_cls.fit, model_cls.fit_generator

    def capped_fit(self, x=None, y=None, batch_size=None, epochs=1, *args, **kwargs):
        kwargs['initial_epoch'] = kwargs.get('initial_epoch', 0) or 0
        epochs = min(epochs, kwargs['initial_epoch'] + max_epochs)
        x, y = _head(x, max_samples), _head(y, max_samples)
        if kwargs.get('sample_weight') is not None:
            kwargs['sample_weight'] = _head(kwargs['sample_weight'], max_samples)
        val = kwargs.get('validation_data')
        if isinstance(val, (list, tuple)) and not callable(getattr(val, '__next__', None)):
            kwargs['validation_data'] = tuple(_head(v, max_samples) for v in val)
        for key in ('steps_per_epoch', 'validation_steps'):
            if kwargs.get(key):
                kwargs[key] = min(kwargs[key], max_steps)
        return fit(self, x, y, batch_size, epochs, *args, **kwargs)

    def capped_fit_generator(self, generator, steps_per_epoch=None, epochs=1, *args, **kwargs):
        kwargs['initial_epoch'] = kwargs.get('initial_epoch', 0) or 0
        epochs = min(epochs, kwargs['initial_epoch'] + max_epochs)
        if steps_per_epoch:
            steps_per_epoch = min(steps_per_epoch, max_steps)
        if kwargs.get('validation_steps'):
            kwargs['validation_steps'] = min(kwargs['validation_steps'], max_steps)
        return fit_generator(self, generator, steps_per_epoch, epochs, *args, **kwargs)

    evaluate = model_cls.evaluate

    def capped_evaluate(self, x=None, y=None, *args, **kwargs):
        if kwargs.get('steps'):
            kwargs['steps'] = min(kwargs['steps'], max_steps)
        if kwargs.get('sample_weight') is not None:
            kwargs['sample_weight'] = _head(kwargs['sample_weight'], max_samples)
        return evaluate(self, _head(x, max_samples), _head(y, max_samples), *args, **kwargs)

    for wrapper, wrapped in ((capped_fit, fit), (capped_fit_generator, fit_generator), (capped_evaluate, evaluate)):
        wrapper.__wrapped__ = wrapped
    model_cls.fit, model_cls.fit_generator, model_cls.evaluate = capped_fit, capped_fit_generator, capped_evaluate


def old_numpy_aliases():
    """Put back ``np.float``, ``np.int``, ``np.bool``, ``np.object``, ``np.str`` (removed in
    NumPy 1.24; Keras 2.3's examples use them) as the builtins they named."""
    import numpy as np

    for name, value in (('float', float), ('int', int), ('bool', bool), ('object', object), ('str', str)):
        if name not in np.__dict__:
            setattr(np, name, value)


def pytest_load_initial_conftests(early_config, parser, args):
    """pytest hook: the alias is in place before Keras's ``tests/conftest.py`` imports keras."""
    install()
