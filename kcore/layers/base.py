"""``Layer``: the unit users subclass.

The lifecycle is Keras's: ``__init__`` stores configuration, ``build(input_shape)``
creates weights with ``add_weight``, ``call(inputs)`` computes,
``compute_output_shape`` answers without computing, ``get_config`` reproduces
``__init__``.  ``__call__`` ties them together in numbered steps below.
"""
from __future__ import annotations

import inspect
import threading
from typing import Any, Sequence

import numpy as np

from kcore import config, constraints, initializers, regularizers
from kcore._typing import Shape, ShapeLike, TensorLike
from kcore.autodiff.tensor import Tensor, Variable, no_grad
from kcore.runtime import phase
from kcore.runtime.device import ACTIVE
from kcore.runtime.ops import cast
from kcore.errors import ShapeError, add_context, layer_prefix
from kcore.layers import input_spec as _spec
from kcore.layers.keras_tensor import KerasTensor, is_symbolic
from kcore.layers.node import Node
from kcore.recorded_config import RecordsArguments
from kcore.serialization import serialize
from kcore.utils import nest, naming

_LAYER_KWARGS = frozenset(['input_shape', 'input_dim', 'batch_input_shape', 'batch_size',
                           'weights', 'activity_regularizer', 'autocast', 'input_dtype'])

_CALL_INFO = {}
#: the base arguments every layer's config carries itself (get_config), never recorded twice
_BASE_ARGS = _LAYER_KWARGS | {'name', 'trainable', 'dtype', 'dynamic'}


def _call_info(cls):
    """(accepts_training, accepts_mask, accepts_kwargs) for ``cls.call``, cached per class."""
    info = _CALL_INFO.get(cls)
    if info is None:
        params = inspect.signature(cls.call).parameters
        var_kw = any(p.kind is p.VAR_KEYWORD for p in params.values())
        info = ('training' in params or var_kw, 'mask' in params or var_kw, var_kw)
        _CALL_INFO[cls] = info
    return info


_TAKES_TRAINING = {}


def _takes_training(cls):
    """Whether ``cls.call`` names a ``training`` argument (cached per class)."""
    takes = _TAKES_TRAINING.get(cls)
    if takes is None:
        takes = _TAKES_TRAINING[cls] = 'training' in inspect.signature(cls.call).parameters
    return takes


def _condition(inputs):
    """Keras 2's condition key of ``add_loss``/``add_update``: the identities of the input tensors."""
    return tuple(id(t) for t in nest.flatten(inputs))


def _mark_learning_phase(layer, training, inputs, outputs):
    """Keras 2.3's ``_uses_learning_phase`` on ``outputs``: set when the layer ran without an
    explicit ``training`` and depends on the phase, or when an input carries the flag."""
    flat_in = nest.flatten(inputs)
    if not ((training is None and layer._call_uses_learning_phase())
            or any(getattr(t, '_uses_learning_phase', False) for t in flat_in)):
        return
    for o in nest.flatten(outputs):
        if isinstance(o, (Tensor, KerasTensor)) and not any(o is t for t in flat_in):
            o._uses_learning_phase = True


def shape_tuple(shape):
    """Normalise a shape (list, tuple, TensorShape-like) to a tuple of ints/None."""
    return tuple(None if d is None else int(d) for d in shape)


def _is_shape(x):
    return isinstance(x, (tuple, list)) and all(d is None or isinstance(d, (int, np.integer)) for d in x)


class Layer(RecordsArguments):
    """Base class of every layer (and of ``Model``).

    A subclass creates its weights in ``build(input_shape)`` with ``add_weight``,
    computes in ``call(inputs)``, and returns its constructor arguments from
    ``get_config`` so a saved model can rebuild it.

    Args:
        trainable: Whether training updates the layer's weights.
        name: The layer's name; a unique one from the class name (``dense_1``) by default.
        dtype: The dtype of the weights; ``floatx()`` by default.
        dynamic: Accepted for Keras compatibility (kcore always runs eagerly).
        **kwargs: ``input_shape``/``input_dim``/``batch_input_shape``/``batch_size``
            (for the first layer of a ``Sequential``), ``weights`` (initial values),
            ``activity_regularizer``, ``input_dtype``, ``autocast``.

    Raises:
        TypeError: An unknown keyword argument.
    """

    #: what saving and the summary ask instead of checking model classes (Keras's flags):
    #: a model, a graph of layers (functional), a plain stack (Sequential)
    _is_model = False
    _is_graph_network = False
    _is_sequential = False
    _inferring_shapes = False  # True while call() runs on stand-in data to find output shapes
    _unrecorded = _BASE_ARGS

    def __init__(self, trainable: bool = True, name: str | None = None, dtype: Any = None, dynamic: bool = False,
                 **kwargs: Any) -> None:
        unknown = set(kwargs) - _LAYER_KWARGS
        if unknown:
            raise TypeError('%s: unexpected keyword argument(s) %s. A layer accepts its own arguments '
                            'and: name, trainable, dtype, %s.'
                            % (type(self).__name__, ', '.join(sorted(unknown)), ', '.join(sorted(_LAYER_KWARGS))))
        self._trainable = bool(trainable)
        self.name = name or naming.unique_name(naming.snake_case(type(self).__name__))
        self._dtype = _normalize_dtype(dtype)
        self.built = False
        self.supports_masking = getattr(self, 'supports_masking', False)
        self.input_spec = getattr(self, 'input_spec', None)
        self._own_weights = []
        self._inbound_nodes = []
        self._outbound_nodes = []
        self._call_losses = []
        self._initial_weights = kwargs.get('weights')
        self._batch_input_shape = _batch_input_shape(kwargs)
        self._input_dtype = kwargs.get('input_dtype')
        self._build_input_shape = None
        act_reg = kwargs.get('activity_regularizer')
        if act_reg is not None:
            act_reg = regularizers.get(act_reg)
        self.activity_regularizer = act_reg

    # -- configuration --------------------------------------------------------
    @property
    def dtype(self):
        """The dtype of the layer's weights, e.g. ``'float32'``."""
        return self._dtype

    @property
    def compute_dtype(self):
        """The dtype the layer computes in (the weights' dtype: kcore has no mixed-precision policy)."""
        return self._dtype

    @property
    def trainable(self):
        """Whether the optimizer updates this layer's weights; setting it applies to its sub-layers too."""
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        for layer in self._sublayers():
            layer.trainable = value

    def get_config(self) -> dict[str, Any]:
        """The arguments that rebuild this layer with ``from_config`` (not its weights).

        A subclass that keeps ``Layer.get_config`` gets its constructor arguments
        recorded: plain values, and registered objects (initializers, activations, ...)
        by their configs.  Override it only for arguments that are neither.
        """
        cfg = {}
        if type(self).get_config is Layer.get_config:
            try:
                cfg = self._recorded_config()
            except TypeError as e:
                raise NotImplementedError(
                    '%s: get_config() cannot record the constructor %s. Expected plain values (numbers, '
                    'strings, lists, dicts, None) or registered objects. Implement get_config() returning '
                    'the arguments that rebuild the layer.' % (layer_prefix(self), e)) from None
        cfg.update({'name': self.name, 'trainable': self.trainable, 'dtype': self.dtype.name})
        if self._batch_input_shape is not None:
            cfg['batch_input_shape'] = self._batch_input_shape
        if self.activity_regularizer is not None:
            cfg['activity_regularizer'] = serialize(self.activity_regularizer)
        return cfg

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Layer:
        """Create a layer from the dict ``get_config`` returned.

        Args:
            config: The layer's config.

        Returns:
            A new, unbuilt layer.
        """
        return cls(**config)

    # -- weights --------------------------------------------------------------
    def add_weight(self, name: str | None = None, shape: Shape | None = None, dtype: Any = None,
                   initializer: Any = None, regularizer: Any = None, trainable: bool = True,
                   constraint: Any = None, **kwargs: Any) -> Variable:
        """Create a variable owned by this layer (call it from ``build``).

        Arguments are Keras 2's; Keras 3's order (``add_weight(shape, initializer, ...)``)
        is also understood when the first argument is a shape.

        Args:
            name: The weight's name (unique within the layer).
            shape: Its shape, all sizes known.
            dtype: Its dtype; the layer's by default.
            initializer: An initializer name, instance or callable; ``'glorot_uniform'``
                for floats (zeros otherwise) by default.
            regularizer: A regularizer whose penalty joins the loss, or None.
            trainable: Whether the optimizer updates it.
            constraint: A function applied to it after each update, or None.
            **kwargs: Accepted for Keras compatibility (``aggregation``, ``synchronization``, ...) and ignored.

        Returns:
            The new ``Variable``.

        Raises:
            ShapeError: The shape has unknown sizes.
        """
        if _is_shape(name) and shape is None:  # Keras 3 positional order
            name, shape = None, name
        shape = () if shape is None else shape_tuple(shape)
        if any(d is None for d in shape):
            raise ShapeError('%s: add_weight(%r) got a shape with unknown sizes: %s. Weight shapes must '
                             'be fully known; build() receives the input shape to derive them from.'
                             % (layer_prefix(self), name, shape))
        dtype = _normalize_dtype(dtype or self._dtype)
        if _allocation.check is not None:
            _allocation.check(self, name, shape, dtype)
        if initializer is None:
            initializer = 'glorot_uniform' if np.dtype(dtype).kind == 'f' else 'zeros'
        init = initializers.get(initializer)
        value = init(shape, dtype=dtype)
        value = value.data if isinstance(value, Tensor) else ACTIVE.xp.asarray(value, dtype=dtype)
        if value.dtype != np.dtype(dtype):
            value = value.astype(dtype)
        name = name or 'variable'
        var = Variable(value, trainable=trainable, name=name,
                       constraint=constraints.get(constraint) if constraint is not None else None,
                       regularizer=regularizers.get(regularizer) if regularizer is not None else None)
        var._path = '%s/%s' % (self.name, name)
        self._own_weights.append(var)
        return var

    def _sublayers(self):
        """Layers held in attributes (also inside lists, tuples and dicts), in order."""
        found, seen = [], {id(self)}

        def visit(v):
            if isinstance(v, Layer):
                if id(v) not in seen:
                    seen.add(id(v))
                    found.append(v)
            elif isinstance(v, (list, tuple)):
                for x in v:
                    visit(x)
            elif isinstance(v, dict):
                for x in v.values():
                    visit(x)
        for key, value in self.__dict__.items():
            if key not in ('_inbound_nodes', '_outbound_nodes', '_call_losses'):
                visit(value)
        return found

    def _tracked_variables(self):
        """Own weights plus Variables assigned directly as attributes."""
        own = list(self._own_weights)
        ids = {id(v) for v in own}
        for v in self.__dict__.values():
            if isinstance(v, Variable) and id(v) not in ids:
                own.append(v)
                ids.add(id(v))
        return own

    @property
    def weights(self) -> list[Variable]:
        """Own weights in creation order, then each sub-layer's (Keras 3 order)."""
        out, seen = [], set()
        for v in self._tracked_variables():
            seen.add(id(v))
            out.append(v)
        for layer in self._sublayers():
            for v in layer.weights:
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    @property
    def trainable_weights(self) -> list[Variable]:
        """The weights the optimizer updates: own weights first, then each sub-layer's."""
        return [v for v, t in self._weights_with_owner_trainability() if t]

    @property
    def non_trainable_weights(self) -> list[Variable]:
        """The weights the optimizer leaves alone (moving statistics, frozen layers)."""
        return [v for v, t in self._weights_with_owner_trainability() if not t]

    def _weights_with_owner_trainability(self):
        """(variable, effectively trainable) pairs: a frozen layer freezes its weights."""
        out, seen = [], set()

        def walk(layer, parent_trainable):
            trainable = parent_trainable and layer.trainable
            for v in layer._tracked_variables():
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append((v, trainable and v.trainable))
            for sub in layer._sublayers():
                walk(sub, trainable)
        walk(self, True)
        return out

    @property
    def variables(self):
        """Keras 3's name for ``weights``."""
        return self.weights

    @property
    def trainable_variables(self):
        """Keras 3's name for ``trainable_weights``."""
        return self.trainable_weights

    @property
    def non_trainable_variables(self):
        """Keras 3's name for ``non_trainable_weights``."""
        return self.non_trainable_weights

    def get_weights(self) -> list[np.ndarray]:
        """The weights as NumPy arrays (copies), in ``weights`` order."""
        return [ACTIVE.backend.to_numpy(v.data).copy() for v in self.weights]

    def set_weights(self, weights: Sequence[TensorLike]) -> None:
        """Set the weights from NumPy arrays, in the order of ``layer.weights``.

        Args:
            weights: One array per weight, each of that weight's shape.

        Raises:
            ValueError: The number of arrays differs from the number of weights.
            ShapeError: An array's shape differs from its weight's.
        """
        params = self.weights
        if len(weights) != len(params):
            raise ValueError('%s: set_weights() expects a list of %d arrays (%s). Received: %d arrays.'
                             % (layer_prefix(self), len(params),
                                ', '.join('%s%s' % (v.name, tuple(v.shape)) for v in params), len(weights)))
        for v, w in zip(params, weights):
            w = np.asarray(w)
            if tuple(w.shape) != tuple(v.shape):
                raise ShapeError('%s: weight %r has shape %s, but set_weights() received an array of '
                                 'shape %s. Pass arrays in the order and shapes of layer.weights.'
                                 % (layer_prefix(self), v.name, tuple(v.shape), tuple(w.shape)))
            v.assign(ACTIVE.backend.asarray(w, dtype=v.dtype))

    def count_params(self) -> int:
        """The number of scalars in the layer's weights.

        Returns:
            An int.

        Raises:
            ValueError: The layer is not built yet, so its weights do not exist.
        """
        if not self.built:
            raise ValueError('%s has not been built yet, so its weights do not exist. Call it on an '
                             'input, or build it with layer.build(input_shape).' % layer_prefix(self))
        return int(sum(int(np.prod(v.shape)) for v in self.weights))

    # -- losses ----------------------------------------------------------------
    def add_loss(self, loss: Any, inputs: Any = None) -> None:
        """Add a loss (a tensor, or a zero-argument callable) to be minimised with the model's.

        It is kept on the layer (``layer.losses``, until the layer's next call) and,
        during a training step, handed straight to the step's ``collect_losses``.

        Args:
            loss: A scalar tensor, or a callable returning one.
            inputs: Keras 2's condition: the input tensor(s) the loss depends on, so that
                ``get_losses_for(inputs)`` finds it; None for an unconditional loss.
        """
        self._call_losses.append(loss)
        if inputs is not None:
            self._loss_conditions = getattr(self, '_loss_conditions', []) + [(loss, _condition(inputs))]
        collector = _loss_scope.collector
        if collector is not None:
            collector.append(loss)

    def add_metric(self, value: Any, name: str | None = None) -> None:
        """Report ``value`` as a metric of the model's training and evaluation (Keras 2.3).

        Called in ``call``: ``value`` (a tensor) is averaged over each epoch under ``name``
        (in the history, ``evaluate``'s results, ``metrics_names``), unless it is the result
        of a ``Metric`` object (``self.add_metric(self.mean(x))``), whose own state is
        reported.  A name used before is not added again (Keras 2.3).  On a graph model a
        symbolic tensor of its graph may be added too.

        Args:
            value: A tensor, or a ``Metric`` object's result.
            name: The metric's name; needed unless ``value`` comes from a ``Metric``.

        Raises:
            ValueError: No ``name`` for a value that is not a ``Metric``'s result.
        """
        metric = getattr(value, '_metric_obj', None)
        if name is None:
            if metric is None:
                raise ValueError('%s.add_metric: name is required for a value that is not a Metric\'s result. '
                                 'Received: name=None. Pass name=\'...\'.' % layer_prefix(self))
            name = metric.name
        if isinstance(value, KerasTensor):
            add = getattr(self, '_add_graph_metric', None)
            if add is None:
                raise ValueError('%s.add_metric: a symbolic tensor can be added to a graph model only (or in '
                                 'call(), where the value is real). Received: %r.' % (layer_prefix(self), value))
            add(value, name, metric)
            return
        collector = _metric_scope.collector
        if collector is not None and not self._inferring_shapes:
            collector.append((name, value, metric))

    def get_losses_for(self, inputs: Any = None) -> list:
        """Keras 2's losses conditional on ``inputs``: those added with ``add_loss(...,
        inputs=inputs)`` (activity regularization: on the call's inputs); for None the
        unconditional ones, the weights' regularization included.

        Args:
            inputs: Input tensor(s), or None.

        Returns:
            A list of losses, of this layer and the layers inside it.
        """
        key = None if inputs is None else _condition(inputs)
        out = []
        if key is None:
            out = [v.regularizer(v) for v in self.weights if v.regularizer is not None and v.trainable]
        for layer in self._unique_layers():
            conditions = list(getattr(layer, '_loss_conditions', []))
            for loss in layer._call_losses:
                found = next((i for i, (l, _) in enumerate(conditions) if l is loss), None)
                loss_key = None if found is None else conditions.pop(found)[1]
                if loss_key == key or (key is not None and loss_key is not None and self._own_inputs(key)):
                    out.append(loss() if callable(loss) else loss)
        return out

    def _own_inputs(self, key):
        """Whether ``key`` names a graph model's own inputs (all its conditional losses apply)."""
        inputs = getattr(self, 'inputs', None)
        return bool(inputs) and key == _condition(inputs)

    @property
    def updates(self):
        """Keras 2's pending graph updates.  kcore runs eagerly, so a layer's updates
        (BatchNormalization's moving statistics, ``add_update`` of pairs and callables)
        are applied when they are made and are never pending; what ``add_update`` was given
        that it cannot apply (Keras 2's opaque update ops) is listed here, with the layers
        inside this one.  The list exists for Keras 2 code that passes ``model.updates`` on
        (``K.function(..., updates=...)``)."""
        return [u for layer in self._unique_layers() for u, _ in getattr(layer, '_pending_updates', [])]

    def get_updates_for(self, inputs):
        """Keras 2's updates conditional on ``inputs`` (None: the unconditional ones), among
        those ``updates`` lists.

        Args:
            inputs: Input tensor(s), or None.

        Returns:
            A list of updates.
        """
        key = None if inputs is None else _condition(inputs)
        return [u for layer in self._unique_layers() for u, k in getattr(layer, '_pending_updates', [])
                if k == key]

    def add_update(self, updates, inputs=None):
        """Apply Keras 2 updates now: ``(variable, new value)`` pairs (one or a list), or
        callables, which are called.  What ``K.update``/``K.update_add``/
        ``K.moving_average_update`` return is accepted as it is: kcore applied those when
        they were made.  Nothing is applied while kcore runs ``call`` on stand-in data to
        find a layer's output shape.  Anything else is kept, unapplied, in ``updates``
        (``get_updates_for(inputs)`` finds it), as Keras 2 keeps an update op.

        Args:
            updates: An update or a list of them.
            inputs: Keras 2's condition: the input tensor(s) the updates depend on, or None.
        """
        items = updates if isinstance(updates, list) else [updates]
        for update in items:
            if update is None or isinstance(update, Tensor):
                continue
            if callable(update):
                if not self._inferring_shapes:
                    update()
            elif isinstance(update, tuple) and len(update) == 2 and hasattr(update[0], 'assign'):
                variable, value = update
                if not self._inferring_shapes:
                    variable.assign(value)
            else:
                key = None if inputs is None else _condition(inputs)
                self._pending_updates = getattr(self, '_pending_updates', []) + [(update, key)]

    @property
    def losses(self):
        """Regularization losses of the weights, plus losses added in the last call."""
        out = []
        for v in self.weights:
            if v.regularizer is not None and v.trainable:
                out.append(v.regularizer(v))
        for layer in [self] + self._all_sublayers():
            for loss in layer._call_losses:
                out.append(loss() if callable(loss) else loss)
        return out

    def _unique_layers(self):
        """This layer and every layer inside it, each once (a cell may be reached twice)."""
        seen, out = set(), []
        for layer in [self] + self._all_sublayers():
            if id(layer) not in seen:
                seen.add(id(layer))
                out.append(layer)
        return out

    def _all_sublayers(self):
        out = []
        for sub in self._sublayers():
            out.append(sub)
            out.extend(sub._all_sublayers())
        return out

    def _clear_call_losses(self):
        self._call_losses = []
        for sub in self._all_sublayers():
            sub._call_losses = []

    # -- building ----------------------------------------------------------------
    def build(self, input_shape: ShapeLike) -> None:
        """Create the weights; the base implementation only marks the layer built.

        Args:
            input_shape: The input's shape with None for the batch (a list of shapes for
                several inputs).
        """
        self.built = True

    def _maybe_build(self, shapes):
        if self.built:
            return
        self._build_input_shape = shapes  # summary() of subclassed models reads it
        try:
            self.build(shapes)
        except Exception as e:
            add_context(e, 'Raised in %s.build(input_shape=%s).' % (layer_prefix(self), shapes))
            raise
        self.built = True
        if self._initial_weights is not None:
            weights, self._initial_weights = self._initial_weights, None
            self.set_weights(weights)

    #: a graph model's layers set its output masks as it runs (compute_mask would run it again)
    _masks_set_by_call = False

    def _call_uses_learning_phase(self) -> bool:
        """Whether ``call`` without ``training=`` depends on the learning phase (Keras 2.3 flags
        such outputs ``_uses_learning_phase``): by default, whether ``call`` takes ``training``."""
        return _takes_training(type(self))

    def compute_output_shape(self, input_shape: ShapeLike) -> ShapeLike:
        """Output shape(s) for ``input_shape``; override when it can be told without running."""
        raise NotImplementedError

    def compute_mask(self, inputs: TensorLike, mask: TensorLike | None = None) -> TensorLike | None:
        """The output mask: passed through when ``supports_masking``, else dropped
        (Keras 3 drops it silently; Keras 2 raised).

        A mask is a boolean ``Tensor`` of the leading axes (``(batch, steps)`` for
        sequences), carried on each output tensor as ``_keras_mask``; ``__call__``
        collects it from the inputs (a list for several inputs), passes it to
        ``call(mask=...)`` when ``call`` takes one, and always to ``compute_mask``.
        """
        if not self.supports_masking:
            return None
        return mask

    def call(self, inputs: TensorLike, *args: Any, **kwargs: Any) -> TensorLike:
        """The layer's computation; subclasses override it.

        ``__call__`` builds the layer, checks the input against ``input_spec``, then calls
        this on tensors (symbolic or real). The base layer returns its input.

        Args:
            inputs: A tensor, or a list of tensors for a layer with several inputs.
            *args: Further positional arguments a subclass declares.
            **kwargs: Keyword arguments a subclass declares; ``training`` and ``mask``
                are filled in by ``__call__`` when the signature names them.

        Returns:
            The output tensor(s).
        """
        return inputs

    # -- calling ---------------------------------------------------------------------
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._call_losses:  # losses of the previous call
            self._call_losses = []
        if args:
            inputs = args[0]
        elif 'inputs' in kwargs:
            inputs = kwargs.pop('inputs')
            args = (inputs,)
        else:
            raise TypeError('%s was called without inputs.' % layer_prefix(self))
        if is_symbolic(inputs) or any(is_symbolic(a) for a in args[1:]):
            return self._call_symbolic(args, kwargs)

        # 1. inputs to tensors of this layer's dtype
        inputs = self._convert_inputs(inputs)
        training_arg, mask_arg, _ = _call_info(type(self))
        # 2. masks carried by the inputs (compute_mask sees them even if call() takes none)
        if 'mask' in kwargs:
            mask = kwargs['mask'] if mask_arg else kwargs.pop('mask')
        else:
            mask = _collect_masks(inputs)
            if mask_arg and mask is not None:
                kwargs['mask'] = mask
        # 3. the learning phase: an explicit training= reaches the sub-layers too
        training = kwargs.get('training')
        current = phase.current()
        scope = None
        if training is not None and (current is None or bool(current) != bool(training)):
            scope = phase.learning_phase_scope(bool(training))
        if training_arg:
            if training is None:
                if current is not None:
                    kwargs['training'] = bool(current)
                elif 'training' in kwargs:
                    del kwargs['training']
        else:
            kwargs.pop('training', None)
        # 4. build on first use, then check the input spec
        if not self.built:
            self._maybe_build(_shapes_of(inputs))
        if self.input_spec is not None:
            _spec.check(self, self.input_spec, [tuple(t.shape) for t in nest.flatten(inputs)])
        # 5. compute
        try:
            if scope is None:
                outputs = self.call(inputs, *args[1:], **kwargs)
            else:
                with scope:
                    outputs = self.call(inputs, *args[1:], **kwargs)
        except Exception as e:
            if not getattr(e, '_kcore_context', False):
                add_context(e, 'Raised in %s.call() on inputs of shape %s.'
                            % (layer_prefix(self), _shapes_of(inputs)))
                try:
                    e._kcore_context = True
                except AttributeError:
                    pass
            raise
        if current is None:  # outside fit/predict: Keras 2.3's _uses_learning_phase flags
            _mark_learning_phase(self, training, inputs, outputs)
        # 6. activity regularization and output masks
        if self.activity_regularizer is not None:
            for o in nest.flatten(outputs):
                self.add_loss(self.activity_regularizer(o) / max(1, o.shape[0]), inputs=inputs)
        # (the base compute_mask makes no mask from none: skip the call then)
        out_mask = None
        if not self._masks_set_by_call and (mask is not None or type(self).compute_mask is not Layer.compute_mask):
            out_mask = self.compute_mask(inputs, mask)
        if out_mask is not None:
            _set_masks(outputs, out_mask)
        return outputs

    def _convert_inputs(self, inputs):
        if type(inputs) is Tensor:
            if inputs.dtype.kind == 'f' and inputs.dtype != self._dtype:
                mask = inputs._keras_mask
                inputs = cast(inputs, self._dtype)
                inputs._keras_mask = mask
            return inputs
        return nest.map_structure(self._convert_one, inputs)

    def _convert_one(self, x):
        if isinstance(x, Tensor):
            if x.dtype.kind == 'f' and x.dtype != self._dtype and not isinstance(x, Variable):
                mask = x._keras_mask
                x = cast(x, self._dtype)
                x._keras_mask = mask
            return x
        if x is None or isinstance(x, (str, bool)):
            return x
        a = ACTIVE.xp.asarray(x)
        if a.dtype.kind == 'f' and a.dtype != self._dtype:
            a = a.astype(self._dtype)
        return Tensor(a)

    def _call_symbolic(self, args, kwargs):
        inputs = args[0]
        shapes = _shapes_of(inputs)
        if not self.built:
            self._maybe_build(shapes)
        if self.input_spec is not None:
            _spec.check(self, self.input_spec, [tuple(t.shape) for t in nest.flatten(inputs)
                                                if isinstance(t, KerasTensor)])
        try:
            out_shapes = self.compute_output_shape(shapes)
            dtypes = None
        except NotImplementedError:
            out_shapes, dtypes = self._infer_output_shapes(args, kwargs)
        outputs = _make_symbolic(out_shapes, dtypes or self.compute_dtype)
        Node(self, args, kwargs, outputs)
        _mark_learning_phase(self, kwargs.get('training'), inputs, outputs)
        return outputs

    def _infer_output_shapes(self, args, kwargs):
        """Run ``call`` on stand-in data twice (different sizes for unknown axes) and
        keep the axes that did not change: the layer needs no ``compute_output_shape``."""
        runs = []
        if _allocation.check is not None:  # a declared structure (a file, a JSON): stand-ins are checked too
            for t in nest.flatten((args, kwargs)):
                if isinstance(t, KerasTensor):
                    _allocation.check(self, None, tuple(3 if d is None else d for d in t.shape), t.dtype)
        for fill in (2, 3):
            def stand_in(t):
                if not isinstance(t, KerasTensor):
                    return t
                shape = tuple(fill if d is None else d for d in t.shape)
                kind = np.dtype(t.dtype).kind
                data = np.full(shape, 0 if kind in 'iub' else 0.5, dtype=t.dtype)
                return Tensor(ACTIVE.xp.asarray(data))
            a = nest.map_structure(stand_in, args)
            kw = nest.map_structure(stand_in, kwargs)
            training_arg, _, _ = _call_info(type(self))
            if training_arg and 'training' not in kw:
                kw['training'] = False
            saved_losses = list(self._call_losses)
            with no_grad(), np.errstate(all='ignore'):
                try:
                    self._inferring_shapes = True
                    out = self.call(*a, **kw)
                except Exception as e:
                    add_context(e, '%s has no compute_output_shape(), so kcore ran call() on stand-in '
                                   'inputs of shape %s to find its output shape, and that failed. '
                                   'Define compute_output_shape(input_shape) to avoid this.'
                                % (layer_prefix(self), _shapes_of(a[0])))
                    raise
                finally:
                    self._inferring_shapes = False
            self._call_losses = saved_losses
            runs.append(out)
            if _allocation.check is not None:  # what the function made counts too
                for t in nest.flatten(out):
                    if hasattr(t, 'shape') and hasattr(t, 'dtype'):
                        _allocation.check(self, None, tuple(t.shape), t.dtype)
        first = _map_tensors(lambda t: tuple(t.shape), runs[0])
        second = [tuple(t.shape) for t in nest.flatten(runs[1])]
        it = iter(second)
        merged = _map_shapes(lambda s: tuple(d if d == e else None for d, e in zip(s, next(it))), first)
        dtypes = [np.dtype(t.dtype).name for t in nest.flatten(runs[0])]
        return merged, dtypes

    # -- graph facts -------------------------------------------------------------------
    def _node_attr(self, attr, what):
        if not self._inbound_nodes:
            raise AttributeError('%s has never been called on a symbolic tensor, so it has no %s. '
                                 'Call it on Input(...) first.' % (layer_prefix(self), what))
        if len(self._inbound_nodes) > 1:
            raise AttributeError('%s has been called %d times, so its %s is ambiguous. Use '
                                 'get_%s_at(node_index).' % (layer_prefix(self), len(self._inbound_nodes),
                                                             what, what))
        return self._get_node_attr(0, attr)

    def _get_node_attr(self, index, attr):
        node = self._inbound_nodes[index]
        if attr == 'output' or not node.input_tensors:  # an InputLayer's input is its output
            return node.outputs
        return node.args[0]

    @property
    def input(self):
        """The input tensor of the layer's only call on a symbolic tensor.

        Raises:
            AttributeError: The layer was never called on a symbolic tensor, or was called
                several times (then use ``get_input_at``).
        """
        return self._node_attr('input', 'input')

    @property
    def output(self):
        """The output tensor of the layer's only call on a symbolic tensor.

        Raises:
            AttributeError: The layer was never called on a symbolic tensor, or was called
                several times (then use ``get_output_at``).
        """
        return self._node_attr('output', 'output')

    def get_input_at(self, node_index):
        """The input tensor(s) of the layer's ``node_index``-th call in a graph.

        Args:
            node_index: 0 for the first call, 1 for the second, ...

        Returns:
            A tensor, or a list of tensors.
        """
        return self._get_node_attr(node_index, 'input')

    def get_output_at(self, node_index):
        """The output tensor(s) of the layer's ``node_index``-th call in a graph.

        Args:
            node_index: 0 for the first call, 1 for the second, ...

        Returns:
            A tensor, or a list of tensors.
        """
        return self._get_node_attr(node_index, 'output')

    @property
    def input_shape(self) -> ShapeLike:
        """The shape of ``input`` (a tuple with None for the batch), or a list of them.

        Raises:
            AttributeError: As ``input``.
        """
        x = self.input
        return x.shape if isinstance(x, KerasTensor) else [t.shape for t in x]

    @property
    def output_shape(self) -> ShapeLike:
        """The shape of ``output`` (a tuple with None for the batch), or a list of them.

        Raises:
            AttributeError: As ``output``.
        """
        x = self.output
        return x.shape if isinstance(x, KerasTensor) else [t.shape for t in nest.flatten(x)]

    def __repr__(self):
        return '<%s name=%s, built=%s>' % (type(self).__name__, self.name, self.built)


# -- helpers -------------------------------------------------------------------------------
def _normalize_dtype(dtype):
    if dtype is None:
        return np.dtype(config.floatx())
    if isinstance(dtype, dict):  # a Keras 3 DTypePolicy config
        dtype = dtype.get('config', {}).get('name', config.floatx())
    if dtype in ('mixed_float16', 'mixed_bfloat16'):
        raise ValueError('Mixed-precision policies are not supported by kcore yet. '
                         'Received: dtype=%r. Use "float32".' % dtype)
    return np.dtype(dtype)


def _batch_input_shape(kwargs):
    if kwargs.get('batch_input_shape') is not None:
        return shape_tuple(kwargs['batch_input_shape'])
    if kwargs.get('input_shape') is not None:
        shape = kwargs['input_shape']
        shape = (shape,) if isinstance(shape, int) else shape_tuple(shape)
        return (kwargs.get('batch_size'),) + shape
    if kwargs.get('input_dim') is not None:
        return (kwargs.get('batch_size'), int(kwargs['input_dim']))
    return None


def _shapes_of(inputs):
    if isinstance(inputs, (Tensor, KerasTensor)):
        return tuple(inputs.shape)
    if isinstance(inputs, (list, tuple)):
        return [_shapes_of(x) for x in inputs]
    if isinstance(inputs, dict):
        return {k: _shapes_of(v) for k, v in inputs.items()}
    return tuple(np.shape(inputs))


def _collect_masks(inputs):
    if type(inputs) is Tensor:
        return inputs._keras_mask
    flat = nest.flatten(inputs)
    masks = [getattr(t, '_keras_mask', None) for t in flat]
    if all(m is None for m in masks):
        return None
    return masks if isinstance(inputs, (list, tuple)) else masks[0]


def _set_masks(outputs, mask):
    flat = nest.flatten(outputs)
    masks = mask if isinstance(mask, (list, tuple)) else [mask] * len(flat)
    for t, m in zip(flat, masks):
        if isinstance(t, Tensor):
            t._keras_mask = m


def _map_tensors(fn, structure):
    """Apply ``fn`` to every tensor of a (nested) call output, keeping the structure."""
    return nest.map_structure_sorted(fn, structure)


def _map_shapes(fn, shapes):
    """Apply ``fn`` to every shape of a (nested) structure of shapes; dicts in key order."""
    if _is_shape(shapes):
        return fn(shapes)
    if isinstance(shapes, dict):
        return {k: _map_shapes(fn, shapes[k]) for k in sorted(shapes)}
    out = [_map_shapes(fn, s) for s in shapes]
    return tuple(out) if isinstance(shapes, tuple) else out


def _make_symbolic(shapes, dtypes):
    """KerasTensors for one shape, or a list/tuple/dict of shapes."""
    if isinstance(dtypes, list):
        it = iter(dtypes)
        return _map_shapes(lambda s: KerasTensor(shape_tuple(s), next(it)), shapes)
    return _map_shapes(lambda s: KerasTensor(shape_tuple(s), dtypes), shapes)


class _LossScope(threading.local):
    collector = None


_loss_scope = _LossScope()


class _Collecting:
    """``with collect_...() as items:`` points the scope's ``collector`` at a new list for the
    block, so what layers add during it is gathered without walking the layers."""

    __slots__ = ('_prev', 'items')
    _scope = None

    def __enter__(self):
        self._prev = self._scope.collector
        self.items = []
        self._scope.collector = self.items
        return self.items

    def __exit__(self, *exc):
        self._scope.collector = self._prev


class collect_losses(_Collecting):
    """``with collect_losses() as losses: model(x)`` gathers every ``add_loss`` made
    during the block (activity regularizers included) without walking the layers."""

    __slots__ = ()
    _scope = _loss_scope


class _MetricScope(threading.local):
    collector = None


_metric_scope = _MetricScope()


class collect_metrics(_Collecting):
    """``with collect_metrics() as added: model(x)`` gathers every ``add_metric`` made during
    the block, as ``(name, value, metric)`` (``metric``: the Metric that made ``value``, or None)."""

    __slots__ = ()
    _scope = _metric_scope


class _AllocationHook(threading.local):
    check = None  # None, or check(layer, name, shape, dtype), called before add_weight allocates


_allocation = _AllocationHook()


class allocation_hook:
    """Within the block, ``add_weight`` calls ``check(layer, name, shape, dtype)`` before it
    allocates; ``check`` may raise to refuse.  Shape inference calls it too, with
    ``name=None``, for each stand-in input it is about to make and each output ``call``
    made from them.  Loading a model file puts its weight budget here
    (``kcore.saving.budget``), so the layers know nothing of files."""

    def __init__(self, check):
        self.check = check

    def __enter__(self):
        self._prev = _allocation.check
        _allocation.check = self.check
        return self

    def __exit__(self, *exc):
        _allocation.check = self._prev
