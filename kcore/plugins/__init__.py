"""kcore's plugin system: registries filled by pluggy hooks from entry points.

Public API:
  hookimpl                      the marker for hook implementations (see hookspecs)
  register(obj, kind=None, ...) register a class, function or hook module in-process
  unregister(obj, kind=None)    undo it
  registered(obj, ...)          context manager: register, then always unregister
  registry(kind)                the Registry of one kind ('layers', 'losses', ...)
  get(kind, name)               look a name up
  plugins()                     the table ``kcore plugins`` prints
  load()                        discover entry points now (normally lazy)
"""
import contextlib
import importlib
import inspect
import types

from kcore.errors import UnknownNameError
from kcore.plugins.hookspecs import KINDS, hookimpl
from kcore.plugins.manager import manager as _manager
from kcore.plugins.modules import install as _install_module_finder

_install_module_finder()

# base class (module, name) -> kind, for register() without kind=
_BASES = (
    ('layers', 'kcore.layers.base', 'Layer'),
    ('losses', 'kcore.training.losses', 'Loss'),
    ('metrics', 'kcore.training.metric_base', 'Metric'),
    ('optimizers', 'kcore.training.optimizer_base', 'Optimizer'),
    ('schedules', 'kcore.training.schedules', 'LearningRateSchedule'),
    ('callbacks', 'kcore.training.callback_engine', 'Callback'),
    ('initializers', 'kcore.initializers', 'Initializer'),
    ('regularizers', 'kcore.regularizers', 'Regularizer'),
    ('constraints', 'kcore.constraints', 'Constraint'),
    ('strategies', 'kcore.distribute.strategy', 'Strategy'),
    ('backends', 'kcore.runtime.device', 'Backend'),  # last: _infer_kind checks instances against it
)


def registry(kind):
    """The ``Registry`` of one kind (``'layers'``, ``'losses'``, ...); raises ``ValueError`` naming the kinds for an unknown one."""
    try:
        return _manager.registries[kind]
    except KeyError:
        raise ValueError('Unknown registry kind %r. Expected one of: %s.'
                         % (kind, ', '.join(sorted(_manager.registries)))) from None


def get(kind, name):
    """The object registered under ``name`` in the registry of ``kind``.

    Args:
        kind: A registry name: ``'layers'``, ``'losses'``, ``'optimizers'``, ...
        name: The registered name or one of its aliases.

    Returns:
        The registered class or function.

    Raises:
        UnknownNameError: Nothing is registered under ``name``; the message lists
            close names and plugins that would provide it.
    """
    return registry(kind).get(name)


def module_getattr(kind, extra=None):
    """A module ``__getattr__`` resolving names through the registry of ``kind``
    (``kcore.layers.Conv2D``).  ``extra`` maps further names, imported on first use, to a
    module that has them (``'kcore.layers.merge'``), or to ``(module, attribute)`` where an
    attribute of None means the module itself (``'K': ('kcore.backend', None)``): Keras 2's
    legacy module paths re-export names from every level without importing them up front."""
    def __getattr__(name):
        if name.startswith('__'):
            raise AttributeError(name)
        if extra and name in extra:
            from kcore._legacy_paths import resolve
            return resolve(extra[name], name)
        return _lookup_attribute(kind, name)
    return __getattr__


def module_dir(kind, module_globals, extra=()):
    """A module ``__dir__`` listing its own names, the registered names of ``kind``
    and ``extra``: the companion of :func:`module_getattr`."""
    def __dir__():
        return sorted(set(module_globals) | set(registry(kind).names()) | set(extra))
    return __dir__


def _lookup_attribute(kind, name):
    """A registered name as a module attribute: an unknown name is an ``AttributeError``, a
    name of a first-party plugin that is missing a ``MissingPluginError`` (an ``ImportError``,
    so ``from kcore.layers import LSTM`` shows the ``pip install`` line)."""
    from kcore.errors import MissingPluginError, UnknownNameError
    from kcore.plugins import known
    try:
        return registry(kind).get(name)
    except UnknownNameError as e:
        if known.provider(kind, name) is not None:
            raise MissingPluginError(str(e), name=name) from None
        raise AttributeError(str(e)) from None


def load():
    """Register the built-ins and every installed plugin not loaded yet.

    Safe to call more than once. kcore calls it on the first registry lookup, so
    user code needs it only to load plugins early (to see their errors at startup).
    Setting ``KCORE_DISABLE_PLUGIN_AUTOLOAD=1`` loads only the built-ins.
    """
    _manager.load()


def plugins():
    """One dict per plugin: name, distribution, version, entry point, error, registered names."""
    return _manager.plugin_table()


def _is_hook_module(obj):
    if isinstance(obj, types.ModuleType):
        return True
    return any(hasattr(getattr(obj, h, None), 'kcore_impl') for h in KINDS)


def _infer_kind(obj):
    if inspect.isclass(obj):
        for kind, module, name in _BASES:
            base = getattr(importlib.import_module(module), name)
            if issubclass(obj, base):
                return kind
        raise TypeError('Cannot tell what kind of object %s is: it derives from none of kcore\'s '
                        'base classes (Layer, Loss, Metric, Optimizer, ...). Pass kind=..., one of: %s.'
                        % (obj.__name__, ', '.join(sorted(_manager.registries))))
    kind, module, name = _BASES[-1]  # a backend is registered as an instance
    if isinstance(obj, getattr(importlib.import_module(module), name)):
        return kind
    raise TypeError('register(%s) needs kind=...: a plain function could be a loss, a metric or an '
                    'activation. Use kind=\'losses\', \'metrics\' or \'activations\'.'
                    % getattr(obj, '__name__', repr(obj)))


def register(obj=None, kind=None, name=None, aliases=(), replace=False, **meta):
    """Register ``obj`` in-process, exactly as a plugin's hook would.

    ``obj`` may be a module (or object) of ``@hookimpl`` functions, a class
    derived from one of kcore's bases (its kind is inferred), or a function with
    ``kind=``.  Returns ``obj``, so it also works as a decorator, with or without
    arguments::

        @kcore.plugins.register
        class MyLayer(kcore.layers.Layer): ...

        @kcore.plugins.register(kind='losses')
        def my_loss(y_true, y_pred): ...

    A registered class is found by name everywhere: ``kcore.layers.MyLayer``,
    ``compile(loss='my_loss')`` and ``load_model`` without ``custom_objects``.
    Running the cell that defines and registers a class again replaces it; a
    name that something else already has is a ``DuplicateNameError`` (pass
    ``name=`` or ``replace=True``).
    """
    if obj is None:
        return lambda o: register(o, kind=kind, name=name, aliases=aliases, replace=replace, **meta)
    if kind is None and _is_hook_module(obj):
        if not any(hasattr(getattr(obj, a, None), 'kcore_impl') for a in dir(obj)):
            raise TypeError('register(%s): the module has no @hookimpl functions; kcore\'s hooks are: %s.'
                            % (getattr(obj, '__name__', obj), ', '.join(KINDS)))
        _manager.register_plugin(obj, name=name)
        return obj
    kind = kind or _infer_kind(obj)
    registry(kind)  # a clear error for an unknown kind
    _manager.register_object(obj, kind, name=name, aliases=aliases, replace=replace, **meta)
    return obj


def unregister(obj, kind=None):
    """Remove what ``register(obj)`` added (a hook module, or every name of an object)."""
    if kind is None and _is_hook_module(obj):
        _manager.unregister_plugin(obj)
        return
    if kind is not None:
        registry(kind)
    _manager.unregister_object(obj, kind)


@contextlib.contextmanager
def registered(obj, **kwargs):
    """Register ``obj`` for the duration of a ``with`` block, then always unregister it.

    ``with registered(MyLayer): ...``.
    """
    register(obj, **kwargs)
    try:
        yield obj
    finally:
        unregister(obj, kind=kwargs.get('kind'))


__all__ = ['module_getattr', 'hookimpl', 'register', 'unregister', 'registered', 'registry', 'get', 'load', 'plugins']
