"""Bidirectional: one recurrent layer reads the sequence forwards, a copy reads it
backwards, and their outputs are merged (Keras's wrapper).

The backward layer's output sequence is put back in time order before the
merge; as in Keras, both layers output zeros at masked steps when they return
sequences, and ``initial_state`` is split in halves (forward, then backward).
"""
from kcore.backend import ops as K
from kcore.errors import layer_prefix
from kcore.layers.base import Layer
from kcore.saving.serialization import deserialize, serialize
from kcore_rnn.cloning import clone_layer
from kcore_rnn.rnn import _sequence_shape, prefix_weight_paths
from kcore_rnn.wrapper import Wrapper

MERGE_MODES = ('concat', 'sum', 'mul', 'ave', None)


def _as_layer(layer, what, owner):
    if isinstance(layer, dict):
        layer = deserialize(layer, 'layers')
    if not isinstance(layer, Layer):
        raise ValueError('%s: %s must be a Layer instance such as LSTM(32) (or its config). Received: %r.'
                         % (owner, what, layer))
    return layer


def _strip(name, prefix):
    return name[len(prefix):] if name.startswith(prefix) else name


class Bidirectional(Wrapper):
    """``Bidirectional(LSTM(32), merge_mode='concat')``; ``merge_mode`` is one of
    ``'concat'``, ``'sum'``, ``'mul'``, ``'ave'`` or None (a list of both outputs).

    ``layer`` may also be a serialized layer config (a dict), which is what the
    config round trip and the generic layer test use.
    """

    def __init__(self, layer, merge_mode='concat', weights=None, backward_layer=None, **kwargs):
        owner = "Layer %r (Bidirectional)" % kwargs['name'] if kwargs.get('name') else 'Bidirectional'
        layer = _as_layer(layer, 'layer', owner)
        if backward_layer is not None:
            backward_layer = _as_layer(backward_layer, 'backward_layer', owner)
        if merge_mode not in MERGE_MODES:
            raise ValueError('%s: unknown merge_mode. Expected one of %s. Received: merge_mode=%r.'
                             % (owner, MERGE_MODES, merge_mode))
        for attr in ('go_backwards', 'return_sequences', 'return_state'):
            if not hasattr(layer, attr):
                raise ValueError('%s: the wrapped layer must be a sequence layer with a %r attribute '
                                 '(an RNN such as LSTM or GRU). Received: %r.' % (owner, attr, layer))
        if weights is not None:
            kwargs['weights'] = weights
        # Layer's own set-up only: the wrapped layer is copied into forward/backward layers below,
        # and holding the original as well would track its weights twice
        Layer.__init__(self, **kwargs)
        self.forward_layer = clone_layer(layer, name='forward_' + _strip(layer.name, 'forward_'))
        if backward_layer is None:
            self.backward_layer = clone_layer(layer, name='backward_' + _strip(layer.name, 'backward_'),
                                              go_backwards=not layer.go_backwards)
        else:
            self.backward_layer = backward_layer
        self._check_pair()
        for sub in (self.forward_layer, self.backward_layer):
            if hasattr(sub, 'zero_output_for_mask'):
                sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        self.stateful = getattr(layer, 'stateful', False)
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True

    @property
    def layer(self):
        """Keras 2's ``Wrapper.layer``: the forward layer."""
        return self.forward_layer

    def _check_pair(self):
        fwd, bwd = self.forward_layer, self.backward_layer
        if fwd.go_backwards == bwd.go_backwards:
            raise ValueError('%s: the forward and backward layers must read in opposite directions. Received: '
                             'go_backwards=%r for both. Create backward_layer with go_backwards=%r.'
                             % (layer_prefix(self), fwd.go_backwards, not fwd.go_backwards))
        for attr in ('stateful', 'return_sequences', 'return_state'):
            a, b = getattr(fwd, attr, None), getattr(bwd, attr, None)
            if a != b:
                raise ValueError('%s: the forward and backward layers must agree on %s. Received: %r for the '
                                 'forward layer and %r for the backward layer.' % (layer_prefix(self), attr, a, b))

    # -- shapes ------------------------------------------------------------------------
    def build(self, input_shape):
        for sub in (self.forward_layer, self.backward_layer):
            sub._maybe_build(input_shape)
            prefix_weight_paths(sub, self.name)
        self.built = True

    def compute_output_shape(self, input_shape):
        shape = self.forward_layer.compute_output_shape(_sequence_shape(input_shape))
        states = []
        if self.return_state:
            shape, states = tuple(shape[0]), [tuple(s) for s in shape[1:]]
        shape = tuple(shape)
        if self.merge_mode == 'concat':
            shape = shape[:-1] + (None if shape[-1] is None else 2 * shape[-1],)
        outputs = [shape, shape] if self.merge_mode is None else [shape]
        if self.return_state:
            return outputs + states + states
        return outputs if self.merge_mode is None else shape

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0] if mask else None
        out = mask if self.return_sequences else None
        masks = [out, out] if self.merge_mode is None else [out]
        if self.return_state:
            n = len(getattr(self.forward_layer, 'state_size', [])) or 0
            return masks + [None] * (2 * n)
        return masks if self.merge_mode is None else out

    # -- calling -------------------------------------------------------------------------
    def call(self, inputs, mask=None, training=None, initial_state=None):
        if isinstance(inputs, (list, tuple)):
            if len(inputs) > 1:
                initial_state = list(inputs[1:])
            inputs = inputs[0]
            if isinstance(mask, (list, tuple)):
                mask = mask[0] if mask else None
        forward_kwargs, backward_kwargs = {}, {}
        for kw in (forward_kwargs, backward_kwargs):
            if mask is not None:
                kw['mask'] = mask
            if training is not None:
                kw['training'] = training
        if initial_state is not None:
            half = len(initial_state) // 2
            forward_kwargs['initial_state'] = list(initial_state[:half])
            backward_kwargs['initial_state'] = list(initial_state[half:])
        y = self.forward_layer(inputs, **forward_kwargs)
        y_rev = self.backward_layer(inputs, **backward_kwargs)
        states = []
        if self.return_state:
            states = list(y[1:]) + list(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = K.reverse(y_rev, 1)
        if self.merge_mode == 'concat':
            outputs = [K.concatenate([y, y_rev], axis=-1)]
        elif self.merge_mode == 'sum':
            outputs = [y + y_rev]
        elif self.merge_mode == 'ave':
            outputs = [(y + y_rev) * 0.5]
        elif self.merge_mode == 'mul':
            outputs = [y * y_rev]
        else:
            outputs = [y, y_rev]
        if self.return_state or self.merge_mode is None:
            return outputs + states
        return outputs[0]

    # -- state -------------------------------------------------------------------------------
    @property
    def states(self):
        """The forward layer's states, then the backward layer's (``None`` entries until a
        stateful layer has made them, as ``RNN.states``)."""
        fwd, bwd = getattr(self.forward_layer, 'states', None), getattr(self.backward_layer, 'states', None)
        return list(fwd) + list(bwd) if fwd is not None and bwd is not None else None

    def reset_states(self, states=None):
        """Reset the states of both directions (stateful layers only).

        Args:
            states: None for zeros, or new values: the forward layer's states, then the
                backward layer's.

        Raises:
            AttributeError: The layer is not stateful.
        """
        if not self.stateful:
            raise AttributeError('%s is not stateful: create its layer with stateful=True.' % layer_prefix(self))
        if states is None:
            self.forward_layer.reset_states()
            self.backward_layer.reset_states()
            return
        half = len(states) // 2
        self.forward_layer.reset_states(states[:half])
        self.backward_layer.reset_states(states[half:])

    reset_state = reset_states

    def get_config(self):
        cfg = super().get_config()
        cfg.update({'merge_mode': self.merge_mode, 'layer': serialize(self.forward_layer),
                    'backward_layer': serialize(self.backward_layer)})
        return cfg
