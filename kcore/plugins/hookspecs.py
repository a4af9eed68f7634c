"""The whole extension contract of kcore, on one page.

A plugin is a module (or any object) with functions marked ``@hookimpl`` whose
names are the hooks below, announced by an entry point in the group ``kcore``::

    # pyproject.toml of the plugin
    [project.entry-points.kcore]
    mylayers = "kcore_mylayers.plugin"

    # kcore_mylayers/plugin.py
    from kcore.plugins import hookimpl

    @hookimpl
    def register_layers(register):
        from kcore_mylayers.layers import MyLayer
        register(MyLayer, example={'kwargs': {'units': 3}, 'input_shape': (2, 4)})

Every hook receives one argument, ``register``, a callback that files an
object under a name in the registry of that hook's kind.  The core does the
validation, aliasing, conflict detection and provenance (which distribution
registered which name), so a hook body is a list of ``register`` calls and
nothing else.  Hooks run once, on the first name look-up after
``import kcore``; they must not do expensive work at import time.

``register(obj, name=None, aliases=(), **meta)``: ``name`` defaults to the
object's ``__name__``; ``aliases`` are further names for the same object
(``'mse'`` for ``mean_squared_error``); ``meta`` is kept with the entry (for
layers, ``example=`` feeds the generic conformance test).  Registering a name
that another plugin registered is an error naming both distributions.
"""
import pluggy

from kcore._typing import Register

PROJECT = 'kcore'
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_layers(register: Register) -> None:
    """Register ``kcore.layers.Layer`` subclasses under their class names.

    Keras names are CamelCase class names (``'Dense'``, ``'Conv2D'``); legacy
    names go in ``aliases`` (``'Convolution2D'``).  Pass ``example={'kwargs':
    {...}, 'input_shape': (...)}`` (or a list of such dicts) so the generic
    layer test can exercise the layer; a layer without one fails that test.
    Returns nothing.
    """


@hookspec
def register_losses(register: Register) -> None:
    """Register loss functions ``fn(y_true, y_pred) -> per-sample loss`` by their
    snake_case names (``'mean_squared_error'``, alias ``'mse'``) and
    ``kcore.losses.Loss`` subclasses by their class names.  The generic loss
    test feeds every loss ``y_true`` and ``y_pred`` of shape ``(2, 3)`` with
    values in ``(0.05, 0.95)``; a loss that needs other data passes
    ``example={'y_true_shape': (2,), 'y_true_dtype': 'int32', 'y_true_range':
    (0, 3)}`` (keys in ``kcore.testing.data``).  Returns nothing."""


@hookspec
def register_optimizers(register: Register) -> None:
    """Register ``kcore.optimizers.Optimizer`` subclasses by class name; the
    lowercase Keras string (``'adam'``) goes in ``aliases``.  The generic
    optimizer test builds each with its defaults, or with the ``kwargs`` of
    ``example={'kwargs': {...}}``.  Returns nothing."""


@hookspec
def register_metrics(register: Register) -> None:
    """Register metric functions ``fn(y_true, y_pred) -> per-sample value`` by
    snake_case name and ``kcore.metrics.Metric`` subclasses by class name.
    Returns nothing."""


@hookspec
def register_activations(register: Register) -> None:
    """Register activation functions ``fn(x) -> tensor`` by name (``'relu'``).
    Returns nothing."""


@hookspec
def register_initializers(register: Register) -> None:
    """Register ``kcore.initializers.Initializer`` subclasses by class name, with
    the snake_case Keras string (``'glorot_uniform'``) in ``aliases``.
    Returns nothing."""


@hookspec
def register_regularizers(register: Register) -> None:
    """Register ``kcore.regularizers.Regularizer`` subclasses (``'L2'``, alias
    ``'l2'``).  Returns nothing."""


@hookspec
def register_constraints(register: Register) -> None:
    """Register ``kcore.constraints.Constraint`` subclasses (``'MaxNorm'``, alias
    ``'max_norm'``).  Returns nothing."""


@hookspec
def register_schedules(register: Register) -> None:
    """Register learning-rate schedules (``kcore.optimizers.schedules.
    LearningRateSchedule`` subclasses) by class name.  Returns nothing."""


@hookspec
def register_callbacks(register: Register) -> None:
    """Register ``kcore.callbacks.Callback`` subclasses by class name.
    Returns nothing."""


@hookspec
def register_backends(register: Register) -> None:
    """Register device backends: ``kcore.backend.Backend`` instances, under
    their ``name`` (``'numpy'``, ``'cuda'``).  Creating the instance must be
    cheap and must not import the device library; a backend reports a missing
    library or device through ``Backend.check_available()``.  Returns nothing."""


@hookspec
def register_kernels(register: Register) -> None:
    """Register array-level kernels by op name: ``register(fn, name='conv2d')``
    for the generic implementation (written against the active backend's
    ``xp``), ``register(fn, name='conv2d', backend='cuda')`` to override it on
    one backend.  A kernel is ``fn(*arrays, **params) -> (output, vjp)`` where
    ``vjp(grad_output, needs) -> tuple`` returns one gradient (or ``None``)
    per array input; ``needs[i]`` says whether input ``i`` wants one.  A
    kernel may return a tuple of outputs; its ``vjp`` then receives a tuple
    of gradients, ``None`` for outputs that no gradient reached.

    Besides the per-op kernels, the hot composites are named kernels, so a
    device backend replaces each by one fused launch without touching the
    layers that call them: the optimizer updates (``sgd_update``,
    ``rmsprop_update``, ``adam_update``, ``adamax_update``, ``nadam_update``,
    ``adagrad_update``, ``adadelta_update``), ``dense`` and
    ``bias_activation``, BatchNormalization's two passes
    (``batch_norm_train(x, gamma, beta, axes, epsilon) -> (y, mean, var)``,
    ``batch_norm_inference(x, mean, var, gamma, beta, epsilon) -> y``) and
    the cell steps kcore-rnn's sequence kernels call inside their time loop
    (``lstm_cell_step(z, c) -> (h, c_new)``, ``gru_cell_step(zx, zh, h) ->
    h_new``; the recurrent products stay in the loop).  An override may
    ignore keyword arguments that offer buffers (``out=``, ``grad_out=``).

    An override may decline inputs it does not handle, and the generic
    kernel then runs: pass ``supports=predicate`` (called with the kernel's
    arguments; False means the generic kernel), or return ``NotImplemented``
    from the override.  Every override is tested against the generic kernel
    on the same inputs (``kcore.testing.check_override``); a generic kernel
    that a backend may override should carry inputs for that test:
    ``example={'inputs': [shape or array, ...], 'params': {...}}`` (shapes
    become random float64 arrays).  Returns nothing."""


@hookspec
def register_ops(register: Register) -> None:
    """Register tensor-level backend functions that appear as ``K.<name>``
    (``kcore.backend.conv2d``), for custom layers.  An op usually validates
    its arguments and calls ``kcore.autodiff.apply`` on a registered kernel.
    Returns nothing."""


@hookspec
def register_applications(register: Register) -> None:
    """Register ready-made model constructors (``kcore.applications.ResNet50``)
    by their Keras names.  A constructor builds and returns a ``Model``;
    ``kcore.applications.<name>`` resolves through this registry.  Register
    the function, or its ``'module:attribute'`` path (imported on first use,
    so loading the plugin stays cheap):
    ``register('kcore_applications.vgg16:VGG16', name='VGG16')``.  Returns
    nothing."""


@hookspec
def register_modules(register: Register) -> None:
    """Register Python modules that appear under a kcore path:
    ``register('kcore_applications.vgg16', name='kcore.applications.vgg16')``
    makes ``import kcore.applications.vgg16`` (and ``from kcore.applications
    import vgg16``) give the plugin's module.  The object is the real module's
    dotted name, imported on first use; the name is the full kcore path.
    Returns nothing."""


@hookspec
def register_strategies(register: Register) -> None:
    """Register distribution strategies: ``kcore.distribute.Strategy`` subclasses
    by class name (``'MPIDataParallel'``), found as ``kcore.distribute.<name>``.
    A strategy is the engine a ``fit`` runs on across processes: the trainer
    shards batches, averages gradients, merges metrics and agrees on callback
    decisions through its methods (see ``kcore/distribute/strategy.py``).
    Importing the class must not start the engine (no ``MPI_Init``): that
    happens when the user creates an instance.  Returns nothing."""


#: hook name -> registry kind, in the order the hooks run
KINDS = {
    'register_backends': 'backends',
    'register_kernels': 'kernels',
    'register_ops': 'ops',
    'register_activations': 'activations',
    'register_initializers': 'initializers',
    'register_regularizers': 'regularizers',
    'register_constraints': 'constraints',
    'register_layers': 'layers',
    'register_losses': 'losses',
    'register_metrics': 'metrics',
    'register_schedules': 'schedules',
    'register_optimizers': 'optimizers',
    'register_callbacks': 'callbacks',
    'register_applications': 'applications',
    'register_modules': 'modules',
    'register_strategies': 'strategies',
}
