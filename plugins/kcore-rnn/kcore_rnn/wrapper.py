"""Wrapper: Keras 2's base class of layers that wrap another layer (TimeDistributed,
Bidirectional); subclass it for your own wrappers, ``self.layer`` being the wrapped one."""
from kcore.errors import layer_prefix
from kcore.layers.base import Layer
from kcore.saving.serialization import deserialize, serialize


class Wrapper(Layer):
    """Holds ``layer`` (a Layer, or its serialized config) as ``self.layer``; builds it on
    ``build`` and serializes it in the config, as Keras 2's ``Wrapper``."""

    def __init__(self, layer, **kwargs):
        if isinstance(layer, dict):
            layer = deserialize(layer, 'layers')
        super().__init__(**kwargs)
        if not isinstance(layer, Layer):
            raise ValueError('%s: layer must be a Layer instance such as Dense(8) (or its config). '
                             'Received: %r.' % (layer_prefix(self), layer))
        self.layer = layer

    def build(self, input_shape=None):
        if not self.layer.built:
            self.layer._maybe_build(input_shape)
        self.built = True

    def call(self, inputs, **kwargs):
        return self.layer(inputs, **kwargs)

    def _call_uses_learning_phase(self):
        return self.layer._call_uses_learning_phase()  # as the wrapped layer

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        cfg = super().get_config()
        cfg['layer'] = serialize(self.layer)
        return cfg
