"""The one layer the models need beyond kcore's own."""
from kcore.layers.base import Layer


class CustomScaleLayer(Layer):
    """``inputs[0] + inputs[1] * scale``: InceptionResNetV2's residual scaling.

    Keras 2.3 writes it as a ``Lambda`` around a Python lambda, which no file
    can restore without running code; this registered layer (Keras 3's name for
    it) holds ``scale`` in its config, so a saved InceptionResNetV2 loads in
    safe mode.  It has no weights, so weight files are unaffected.
    """

    def __init__(self, scale, **kwargs):
        super().__init__(**kwargs)
        self.scale = float(scale)

    def call(self, inputs):
        return inputs[0] + inputs[1] * self.scale

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        config = super().get_config()
        config['scale'] = self.scale
        return config
