"""``Lambda``: wrap a Python function as a layer, and how it is (not) saved.

A config never holds code.  ``get_config`` stores the function's *name* and
module, never bytecode or a pickle; ``from_config`` gets the function back from,
in order:

1. ``custom_objects[name]``;
2. kcore's own function modules (``kcore.backend``, ``kcore.activations``):
   picking an existing kcore function runs nothing from the file;
3. only outside safe mode: importing ``module`` and taking ``name`` from it
   (a ``lambda`` has no importable name and is never restored this way).

Otherwise it raises ``SavingError`` saying which of these to use.

Contract with the loader (``kcore.saving``): the config keys are ``function``
(the name), ``function_type`` (``'function'``, or ``'lambda'`` when the name
cannot be imported), ``module``, and the same triple for ``output_shape`` /
``mask`` when they are callables (``output_shape_type`` /
``mask_type``: ``'raw'`` for plain values).  Safe mode is on by default; a
loader given ``safe_mode=False`` runs deserialization inside
``safe_mode_scope(False)`` (or passes ``safe_mode=`` to ``from_config``).
Keras files holding bytecode (``function`` as a list, or a ``__lambda__``
dict) are always refused.
"""
import contextlib
import importlib
import inspect
import threading

from kcore.errors import SavingError, layer_prefix
from kcore.layers.base import Layer, shape_tuple
from kcore.layers.keras_tensor import KerasTensor

#: modules whose functions a config may name (resolved with getattr only)
SAFE_FUNCTION_MODULES = ('kcore.backend', 'kcore.runtime.ops', 'kcore.runtime.state', 'kcore.activations',
                         'kcore.backend.ops', 'kcore.backend.state')  # the last two: files saved before the move
#: what safe mode lets a config name from those modules: pure functions of their inputs.  Not
#: setters (set_epsilon, set_floatx, set_learning_phase, set_value, update...), printing
#: (print_tensor), randomness (random_*, dropout: they advance the global generator), nor
#: array factories sized by arguments (zeros, ones, eye, arange, constant, variable).
PURE_FUNCTIONS = frozenset([
    'abs', 'add', 'all', 'any', 'argmax', 'argmin', 'batch_dot', 'batch_flatten', 'bias_add', 'cast', 'ceil',
    'clip', 'concatenate', 'cos', 'cumsum', 'divide', 'dot', 'elu', 'equal', 'erf', 'exp', 'expand_dims',
    'expm1', 'flatten', 'floor', 'gather', 'gelu', 'greater', 'greater_equal', 'hard_sigmoid', 'identity',
    'l2_normalize', 'leaky_relu', 'less', 'less_equal', 'log', 'log1p', 'log_softmax', 'logical_and',
    'logical_or', 'logsumexp', 'matmul', 'max', 'maximum', 'mean', 'min', 'minimum', 'multiply', 'negative',
    'not_equal', 'one_hot', 'pad', 'permute_dimensions', 'pow', 'prod', 'relu', 'repeat', 'repeat_elements',
    'reshape', 'reverse', 'round', 'selu', 'sigmoid', 'sign', 'silu', 'sin', 'softmax', 'softplus', 'softsign',
    'sqrt', 'square', 'squeeze', 'stack', 'std', 'stop_gradient', 'subtract', 'sum', 'swish', 'switch', 'take',
    'tanh', 'tile', 'transpose', 'unstack', 'var', 'where', 'ones_like', 'zeros_like', 'cast_to_floatx',
    'linear', 'exponential',
])


class _SafeMode(threading.local):
    value = True


_safe = _SafeMode()


def in_safe_mode():
    """Whether deserialization may only resolve names (the default) or also import code."""
    return _safe.value


@contextlib.contextmanager
def safe_mode_scope(safe_mode=True):
    """Turn safe mode on or off inside a ``with`` block (off lets a Lambda import its function).

    ``with safe_mode_scope(False): model = from_config(...)``.
    """
    previous = _safe.value
    _safe.value = bool(safe_mode) if safe_mode is not None else previous
    try:
        yield
    finally:
        _safe.value = previous


def _describe(fn):
    """(name, kind, module) of a callable, for a config: never its code."""
    import sys
    name = getattr(fn, '__qualname__', None) or getattr(fn, '__name__', None) or type(fn).__name__
    module = getattr(fn, '__module__', None) or type(fn).__module__
    short = getattr(fn, '__name__', None)
    published = getattr(sys.modules.get(module), short, None) if short else None
    if published is not None and published in (fn, getattr(fn, '__wrapped__', None)):
        name = short  # made by a factory but published under its own name (K.square)
    kind = 'lambda' if '<lambda>' in name or '<locals>' in name else 'function'
    return name, kind, module


def _resolve(layer_name, what, name, kind, module, custom_objects, safe_mode):
    """The function a config names, looked up as the module docstring says."""
    if isinstance(name, dict) and name.get('class_name') == 'function':  # Keras 3 named function
        name, module = name.get('config'), name.get('module', module)
    if not isinstance(name, str):
        raise SavingError("Lambda layer %r: its %s was saved as Python bytecode, and kcore never runs code "
                          "from a file. Rebuild the Lambda layer in code (then load_weights), or pass the "
                          "function in custom_objects under the name it was saved with." % (layer_name, what))
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    short = name.rsplit('.', 1)[-1]
    if safe_mode is None:
        safe_mode = in_safe_mode()
    if module in SAFE_FUNCTION_MODULES and '.' not in name:
        fn = getattr(importlib.import_module(module), short, None)
        if callable(fn) and (short in PURE_FUNCTIONS or not safe_mode):
            return fn
        if callable(fn):
            raise SavingError("Lambda layer %r: its %s is %s.%s, which is not a pure function of its inputs "
                              "(it changes settings or state, prints, draws random numbers or makes arrays "
                              "sized by its arguments). In safe mode a file may name only the functions in "
                              "kcore.layers.lambda_layer.PURE_FUNCTIONS. If you trust the file, load it with "
                              "safe_mode=False, or pass custom_objects={%r: <the function>}."
                              % (layer_name, what, module, short, name))
    if not safe_mode and kind != 'lambda' and module:
        target = importlib.import_module(module)
        for part in name.split('.'):
            target = getattr(target, part, None)
        if callable(target):
            return target
    hint = ("load with safe_mode=False to import %r from module %r, or " % (name, module)
            if kind != 'lambda' and safe_mode else '')
    raise SavingError("Lambda layer %r: its %s %r (module %r) is not restored from a config%s. To load it, "
                      "%spass custom_objects={%r: <the function>}."
                      % (layer_name, what, name, module,
                         ' in safe mode' if safe_mode else ' (a lambda has no importable name)',
                         hint, name))


class Lambda(Layer):
    """``Lambda(lambda x: x ** 2)``: a layer that calls ``function(inputs, **arguments)``.

    ``output_shape`` (without the batch axis, or a function of the full input
    shape) tells the output shape without running; when absent, kcore runs the
    function on stand-in data once to find it.  ``mask`` is an output mask or a
    function ``(inputs, mask) -> mask``.  The function receives ``mask=`` and
    ``training=`` when its signature asks for them.  Saving stores only names:
    see this module's docstring for how a loaded Lambda finds its function.
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError('%s: function must be callable. Received: %r.' % (layer_prefix(self), function))
        self.function = function
        self.output_shape_spec = output_shape
        self.mask = mask
        self.arguments = dict(arguments or {})
        self.supports_masking = mask is not None
        try:
            params = inspect.signature(function).parameters
        except (TypeError, ValueError):
            params = {}
        self._fn_takes = {k for k in ('mask', 'training') if k in params}

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if 'mask' in self._fn_takes:
            kwargs['mask'] = mask
        if 'training' in self._fn_takes:
            kwargs['training'] = training
        return self.function(inputs, **kwargs)

    def _call_symbolic(self, args, kwargs):
        self._building_node = True
        try:
            return super()._call_symbolic(args, kwargs)
        finally:
            self._building_node = False

    def compute_output_shape(self, input_shape):
        spec = self.output_shape_spec
        if spec is None:
            if getattr(self, '_building_node', False):
                raise NotImplementedError  # the base class infers shape and dtype by running call()
            # asked directly (Keras 2 answers it too): run the function on stand-ins of input_shape
            multi = isinstance(input_shape, list) and all(isinstance(s, (list, tuple)) for s in input_shape)
            shapes = input_shape if multi else [input_shape]
            stand_ins = [KerasTensor(shape_tuple(s), self.compute_dtype) for s in shapes]
            out, _ = self._infer_output_shapes((stand_ins if multi else stand_ins[0],), {})
            return out
        if callable(spec):
            return spec(input_shape)
        batch = input_shape[0][0] if input_shape and isinstance(input_shape[0], (list, tuple)) else input_shape[0]
        return (batch,) + tuple(spec)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def get_config(self):
        cfg = super().get_config()
        name, kind, module = _describe(self.function)
        cfg.update({'function': name, 'function_type': kind, 'module': module})
        for key, value in (('output_shape', self.output_shape_spec), ('mask', self.mask)):
            if callable(value):
                name, kind, module = _describe(value)
                cfg.update({key: name, key + '_type': kind, key + '_module': module})
            else:
                cfg.update({key: list(value) if isinstance(value, tuple) else value, key + '_type': 'raw'})
        for k, v in self.arguments.items():
            if not isinstance(v, (type(None), bool, int, float, str, list, tuple, dict)):
                raise ValueError('%s: argument %r=%r cannot be saved in a config (only plain numbers, '
                                 'strings, lists and dicts can). Pass it another way, or save only the '
                                 'weights.' % (layer_prefix(self), k, v))
        cfg['arguments'] = dict(self.arguments)
        return cfg

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        """Rebuild a ``Lambda`` from its config; the config names functions, never holds code.

        The function is taken from ``custom_objects``, else from kcore's own pure functions,
        else (only outside safe mode) imported from the module the config names. Bytecode
        saved by Keras is always refused.

        Args:
            config: The layer's config.
            custom_objects: ``{name: function}`` for the functions the config names.
            safe_mode: False lets the config's module be imported; None follows
                ``safe_mode_scope`` (safe by default).

        Returns:
            The ``Lambda`` layer.

        Raises:
            SavingError: The function is bytecode, or cannot be found by the rules above.
        """
        config = dict(config)
        name = config.get('name', 'lambda')
        config['function'] = _resolve(name, 'function', config.pop('function', None),
                                      config.pop('function_type', 'function'), config.pop('module', None),
                                      custom_objects, safe_mode)
        for key in ('output_shape', 'mask'):
            kind = config.pop(key + '_type', 'raw')
            module = config.pop(key + '_module', None)
            value = config.get(key)
            if kind != 'raw' and value is not None:
                config[key] = _resolve(name, key, value, kind, module, custom_objects, safe_mode)
            elif isinstance(value, list):
                config[key] = tuple(value)
        return cls(**config)
