"""``RNN(cell)``: runs a cell over the time axis; the base of SimpleRNN, LSTM and GRU.

A cell is any object with ``state_size`` and ``call(inputs, states)``
returning ``(output, new_states)`` (Keras's contract), usually a ``Layer``.
For the built-in cells the whole sequence runs as one fused kernel
(``cell.run_sequence``); other cells run step by step under autodiff
(``step_loop``).

Masking is Keras 2's (its TensorFlow loop): a masked step keeps every state;
its output repeats the previous output (zeros before the first used step), or
is zero with ``zero_output_for_mask``; without ``return_sequences`` the output
is the last step's.  Keras 3's backends differ among themselves on the corner
cases (an initial state followed by masked steps); kcore follows Keras 2.

Deliberate differences from Keras, kept small:

- States are a flat list: ``RNN([LSTMCell(4), GRUCell(3)], return_state=True)``
  returns ``[output, h1, c1, h2]``, and ``initial_state`` takes the same flat
  list (a nested one is flattened).
- ``stateful=True`` needs a fixed batch size, as in Keras: building on inputs of unknown
  batch size raises Keras 2.3's ValueError (give ``batch_input_shape``/``batch_shape``).
- ``unroll`` is accepted; the loop is the same either way.
- ``constants`` (extra per-call tensors for the cell) is not supported.
"""
from kcore.autodiff.tensor import Tensor, Variable
from kcore.backend.device import ACTIVE
from kcore.errors import ShapeError, layer_prefix
from kcore.layers.base import Layer
from kcore.saving.serialization import deserialize, serialize
from kcore.utils import nest
from kcore_rnn import step_loop
from kcore_rnn.cell_base import flat_state_sizes
from kcore_rnn.stacked_cells import StackedRNNCells

RNN_ARGS = ('return_sequences', 'return_state', 'go_backwards', 'stateful', 'unroll',
            'zero_output_for_mask')


def as_cell(cell, owner):
    """A cell from a cell, a list of cells (stacked) or a serialized cell config."""
    if isinstance(cell, dict):
        cell = deserialize(cell, 'layers')
    if isinstance(cell, (list, tuple)):
        cell = StackedRNNCells(list(cell))
    for attr in ('call', 'state_size'):
        if not hasattr(cell, attr):
            raise ValueError('%s: the cell must have a %r attribute (a cell is an object with state_size '
                             'and call(inputs, states) -> (output, new_states)). Received: cell=%r.'
                             % (owner, attr, cell))
    return cell


def mask_array(mask):
    """A ``(B, T)`` boolean array of the active backend, or None when every step is used."""
    if isinstance(mask, (list, tuple)):
        mask = mask[0] if mask else None
    if mask is None:
        return None
    data = mask.data if isinstance(mask, Tensor) else ACTIVE.xp.asarray(mask)
    data = data.astype(bool, copy=False)
    if data.ndim == 3 and data.shape[-1] == 1:
        data = data[..., 0]
    if bool(data.all()):
        return None
    return data


class RNN(Layer):
    """Base class for recurrent layers (Keras's arguments and defaults).

    ``return_sequences``: the output of every step ``(B, T, U)`` instead of the
    last ``(B, U)``.  ``return_state``: also return the final states, as a list
    ``[output, *states]``.  ``go_backwards``: process the sequence last to first
    (and return the outputs in that order).  ``stateful``: the final states of a
    batch are the initial states of the next (``reset_states()`` zeroes them).
    ``zero_output_for_mask``: masked steps output zeros instead of repeating the
    previous output.
    """

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, **kwargs):
        owner = ("Layer %r (%s)" % (kwargs['name'], type(self).__name__) if kwargs.get('name')
                 else type(self).__name__)
        cell = as_cell(cell, owner)
        if kwargs.pop('time_major', False):  # Keras 2 configs carry time_major=False
            raise ValueError('%s: time_major=True is not supported; kcore\'s recurrent layers read '
                             '(batch, timesteps, ...). Transpose the inputs, e.g. with Permute((2, 1, 3)).'
                             % owner)
        input_dim, input_length = kwargs.pop('input_dim', None), kwargs.pop('input_length', None)
        if input_dim is not None and 'input_shape' not in kwargs:  # Keras 1/2 spelling
            kwargs['input_shape'] = (input_length, input_dim)
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.supports_masking = True
        self._state_vars = None  # stateful: non-trainable variables, not among the layer's weights

    # -- shapes ----------------------------------------------------------------------
    @property
    def state_size(self):
        """The sizes of the cell's states, as a flat list (nested cells flattened)."""
        return flat_state_sizes(self.cell.state_size)

    def _state_shapes(self, batch):
        shapes = getattr(self.cell, 'state_shapes', None)
        if shapes is not None:
            return [tuple(s) for s in shapes(batch)]
        return [(batch, s) for s in self.state_size]

    def _output_size(self):
        size = getattr(self.cell, 'output_size', None)
        return self.state_size[0] if size is None else size

    def compute_output_shape(self, input_shape):
        shape = _sequence_shape(input_shape)
        batch, steps = shape[0], shape[1]
        size = self._output_size()
        size = tuple(size) if isinstance(size, (list, tuple)) else (size,)
        out = (batch, steps) + size if self.return_sequences else (batch,) + size
        if self.return_state:
            return [out] + self._state_shapes(batch)
        return out

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0] if mask else None
        out = mask if self.return_sequences else None
        if self.return_state:
            return [out] + [None] * len(self.state_size)
        return out

    # -- building ----------------------------------------------------------------------
    def build(self, input_shape):
        shape = _sequence_shape(input_shape)
        if len(shape) < 3:
            raise ShapeError('%s expects sequences of rank 3 or more: (batch, timesteps, features). '
                             'Received: input_shape=%s. Add a time axis (e.g. with Reshape or '
                             'RepeatVector), or use the cell on single steps.'
                             % (layer_prefix(self), tuple(shape)))
        step_shape = (shape[0],) + tuple(shape[2:])
        self._step_shape = tuple(shape[2:])
        if isinstance(self.cell, Layer):
            self.cell._maybe_build(step_shape)
            prefix_weight_paths(self.cell, self.name)
        elif hasattr(self.cell, 'build'):
            self.cell.build(step_shape)
        if self.stateful:
            if shape[0] is None:
                raise ValueError(
                    'If a RNN is stateful, it needs to know its batch size. Specify the batch size of your input '
                    'tensors: \n- If using a Sequential model, specify the batch size by passing a '
                    '`batch_input_shape` argument to your first layer.\n- If using the functional API, specify '
                    'the batch size by passing a `batch_shape` argument to your Input layer. Received: %s '
                    'built for input_shape=%s.' % (layer_prefix(self), shape))
            self._create_states(shape[0])
        self.built = True

    # -- calling -------------------------------------------------------------------------
    def call(self, inputs, mask=None, training=None, initial_state=None):
        inputs, initial_state, mask = self._split_inputs(inputs, initial_state, mask)
        self._check_sequence(inputs)
        states = self._initial_states(inputs, initial_state)
        mask = mask_array(mask)
        flags = {'go_backwards': self.go_backwards, 'return_sequences': self.return_sequences,
                 'zero_output_for_mask': self.zero_output_for_mask}
        try:
            result = None
            run_sequence = getattr(self.cell, 'run_sequence', None)
            if run_sequence is not None:
                result = run_sequence(inputs, states, mask, training, **flags)
            if result is None:
                result = step_loop.run(self._step_fn(training), inputs, states, mask, **flags)
        finally:
            _reset_dropout_masks(self.cell)
        output, new_states = result
        if self.stateful:
            for v, s in zip(self._state_vars, new_states):
                v.assign(s.data)
        if self.return_state:
            return [output] + list(new_states)
        return output

    def _step_fn(self, training):
        cell = self.cell

        def step(x, states):
            if isinstance(cell, Layer):
                output, new_states = cell(x, states, training=training)
            else:
                output, new_states = cell.call(x, states)
            return output, nest.flatten(new_states)
        return step

    def _split_inputs(self, inputs, initial_state, mask):
        """Keras 2 also takes ``layer([x, h0, c0])``: the first tensor is the sequence."""
        if isinstance(inputs, (list, tuple)):
            if len(inputs) > 1:
                if initial_state is not None:
                    raise ValueError('%s received initial states both in its inputs list and as '
                                     'initial_state=. Pass them one way.' % layer_prefix(self))
                initial_state = list(inputs[1:])
            inputs = inputs[0]
            if isinstance(mask, (list, tuple)):
                mask = mask[0] if mask else None
        return inputs, initial_state, mask

    def _check_sequence(self, inputs):
        if inputs.ndim < 3:
            raise ShapeError('%s expects sequences of rank 3 or more: (batch, timesteps, features). '
                             'Received: input_shape=%s.' % (layer_prefix(self), tuple(inputs.shape)))
        if inputs.shape[1] == 0:
            raise ShapeError('%s received a sequence with no time steps. Received: input_shape=%s.'
                             % (layer_prefix(self), tuple(inputs.shape)))
        built_for = getattr(self, '_step_shape', None)
        if built_for is not None and any(b is not None and b != g for b, g in zip(built_for, inputs.shape[2:])):
            raise ShapeError('%s was built for steps of shape %s (its weights have that size). Received: '
                             'input_shape=%s. Feed sequences with %s per step, or use a new layer.'
                             % (layer_prefix(self), built_for, tuple(inputs.shape), built_for))

    def _initial_states(self, inputs, initial_state):
        batch = inputs.shape[0]
        expected = self._state_shapes(batch)
        if initial_state is not None:
            given = nest.flatten(initial_state)
            if len(given) != len(expected):
                raise ValueError('%s expects %d initial state tensor(s) of shapes %s. Received: %d. '
                                 'Pass initial_state=[...] with one tensor per state (an LSTM has two: '
                                 'h and c).' % (layer_prefix(self), len(expected), expected, len(given)))
            states = []
            for s, shape in zip(given, expected):
                s = s if isinstance(s, Tensor) else Tensor(ACTIVE.xp.asarray(s, dtype=self.dtype))
                if tuple(s.shape) != tuple(shape):
                    raise ShapeError('%s: an initial state has the wrong shape. Expected %s. Received: '
                                     '%s. Pass states of shape (batch, state size).'
                                     % (layer_prefix(self), tuple(shape), tuple(s.shape)))
                if s.dtype != inputs.dtype and s.dtype.kind == 'f':
                    from kcore.backend.ops import cast
                    s = cast(s, inputs.dtype.name)
                states.append(s)
            return states
        if self.stateful:
            if self._state_vars is None:
                self._create_states(batch)
            built_for = self._state_vars[0].shape[0]
            if built_for != batch:
                raise ShapeError('%s is stateful and was built for batches of %d samples. Received: a '
                                 'batch of %d. Feed batches of a fixed size (batch_size=%d in fit and '
                                 'predict, with a sample count that it divides).'
                                 % (layer_prefix(self), built_for, batch, built_for))
            # copies: the variables are overwritten after the call, the recorded steps must not see it
            return [Tensor(v.data.copy()) for v in self._state_vars]
        get_initial = getattr(self.cell, 'get_initial_state', None)
        if get_initial is not None:
            return [s if isinstance(s, Tensor) else Tensor(ACTIVE.xp.asarray(s, dtype=inputs.dtype))
                    for s in nest.flatten(get_initial(batch_size=batch))]
        return [Tensor(ACTIVE.xp.zeros(shape, dtype=inputs.dtype)) for shape in expected]

    # -- stateful ---------------------------------------------------------------------------
    @property
    def states(self):
        """A stateful layer's state variables; until they exist, or for a layer that is not
        stateful, one ``None`` per state (Keras 2: ``len(layer.states)`` counts the states)."""
        if self._state_vars is not None:
            return self._state_vars
        return [None] * len(flat_state_sizes(self.cell.state_size))

    def _create_states(self, batch):
        self._state_vars = [Variable(ACTIVE.xp.zeros(shape, dtype=self.dtype), trainable=False,
                                name='%s/state_%d' % (self.name, i))
                       for i, shape in enumerate(self._state_shapes(batch))]

    def reset_states(self, states=None):
        """Zero the states of a stateful layer, or set them to ``states`` (arrays, one per state)."""
        if not self.stateful:
            raise AttributeError('%s is not stateful, so it has no states to reset. Create it with '
                                 'stateful=True.' % layer_prefix(self))
        if self._state_vars is None:
            if states is None:
                return
            self._create_states(nest.flatten(states)[0].shape[0])
        if states is None:
            for v in self._state_vars:
                v.data[...] = 0
            return
        values = nest.flatten(states)
        if len(values) != len(self._state_vars):
            raise ValueError('%s: reset_states() expects %d arrays (one per state). Received: %d.'
                             % (layer_prefix(self), len(self._state_vars), len(values)))
        for v, value in zip(self._state_vars, values):
            value = ACTIVE.xp.asarray(value.data if isinstance(value, Tensor) else value, dtype=v.dtype)
            if tuple(value.shape) != tuple(v.shape):
                raise ShapeError('%s: reset_states() got a state of shape %s. Expected %s.'
                                 % (layer_prefix(self), tuple(value.shape), tuple(v.shape)))
            v.assign(value)

    reset_state = reset_states

    # -- config -------------------------------------------------------------------------------
    def get_config(self):
        cfg = super().get_config()
        cfg.update({name: getattr(self, name) for name in RNN_ARGS})
        cfg['cell'] = serialize(self.cell)
        return cfg


def _sequence_shape(input_shape):
    """The sequence's shape from ``build``/``compute_output_shape``'s argument (a list
    when initial states come in the inputs list)."""
    if isinstance(input_shape, list) and input_shape and not isinstance(input_shape[0], (int, type(None))):
        return tuple(input_shape[0])
    return tuple(input_shape)


def _reset_dropout_masks(cell):
    """Forget the dropout masks drawn for this call (in every cell of a stack)."""
    if hasattr(cell, 'cells'):
        for c in cell.cells:
            _reset_dropout_masks(c)
        return
    for name in ('reset_dropout_mask', 'reset_recurrent_dropout_mask'):
        fn = getattr(cell, name, None)
        if fn is not None:
            fn()


def prefix_weight_paths(layer, prefix):
    """Name ``layer``'s weights under ``prefix`` ('lstm/lstm_cell/kernel', as tf.keras
    saves them), so the weights of several cells in one file stay distinct."""
    for v in layer.weights:
        if not v._path.startswith(prefix + '/'):
            v._path = '%s/%s' % (prefix, v._path)
