"""TimeDistributed: apply one layer to every time step, with shared weights.

The steps are folded into the batch (``(B, T, ...)`` to ``(B * T, ...)``), the
layer runs once, and the result is unfolded: one call of the inner layer, not
T.  The input mask passes through unchanged (Keras 3).
"""
from kcore.backend import ops as K
from kcore.errors import ShapeError, layer_prefix
from kcore.layers.base import _call_info
from kcore_rnn.rnn import mask_array, prefix_weight_paths
from kcore_rnn.wrapper import Wrapper


class TimeDistributed(Wrapper):
    """``TimeDistributed(Dense(8))`` on ``(batch, steps, features)`` gives ``(batch, steps, 8)``.

    ``layer`` may also be a serialized layer config (a dict).
    """

    def __init__(self, layer, **kwargs):
        super().__init__(layer, **kwargs)
        self.supports_masking = True

    def _check(self, shape):
        if len(shape) < 3:
            raise ShapeError('%s expects inputs of rank 3 or more: (batch, timesteps, ...). Received: '
                             'input_shape=%s. The second axis is the one the layer is applied along.'
                             % (layer_prefix(self), tuple(shape)))

    def build(self, input_shape):
        shape = tuple(input_shape)
        self._check(shape)
        self.layer._maybe_build((shape[0],) + shape[2:])
        prefix_weight_paths(self.layer, self.name)
        self.built = True

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        self._check(shape)
        inner = self.layer.compute_output_shape((shape[0],) + shape[2:])
        return tuple(shape[:2]) + tuple(inner[1:])

    def call(self, inputs, training=None, mask=None):
        batch, steps = inputs.shape[0], inputs.shape[1]
        folded = K.reshape(inputs, (batch * steps,) + tuple(inputs.shape[2:]))
        kwargs = {}
        accepts_training, accepts_mask, _ = _call_info(type(self.layer))
        if training is not None and accepts_training:
            kwargs['training'] = training
        m = mask_array(mask)
        if m is not None and accepts_mask:
            kwargs['mask'] = m.reshape(-1)
        out = self.layer(folded, **kwargs)
        return K.reshape(out, (batch, steps) + tuple(out.shape[1:]))

    def compute_mask(self, inputs, mask=None):
        return mask
