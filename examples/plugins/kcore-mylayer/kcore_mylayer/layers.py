"""``MyLayer``: the custom layer of the Keras documentation's "writing your own layer"."""
from kcore import backend as K
from kcore.layers import Layer


class MyLayer(Layer):
    """``K.dot(x, kernel)`` with a trainable kernel of shape ``(input_dim, output_dim)``."""

    def __init__(self, output_dim, **kwargs):
        self.output_dim = output_dim
        super().__init__(**kwargs)

    def build(self, input_shape):
        self.kernel = self.add_weight(name='kernel', shape=(input_shape[-1], self.output_dim),
                                      initializer='uniform', trainable=True)
        super().build(input_shape)

    def call(self, x):
        return K.dot(x, self.kernel)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.output_dim,)

    def get_config(self):
        config = super().get_config()
        config['output_dim'] = self.output_dim
        return config
