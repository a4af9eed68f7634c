"""SpatialDropout1D/2D/3D: dropout of whole feature maps (channels), Keras 2's ``keras.layers.core``.

Neighbouring pixels or steps of one channel are strongly correlated, so
dropping single values regularises little; these layers drop a channel
everywhere at once (one draw per sample and channel).
"""
from kcore import config
from kcore.layers.core import Dropout, dropout
from kcore.layers.input_spec import InputSpec


class _SpatialDropout(Dropout):
    rank = None  # spatial axes

    def __init__(self, rate, data_format=None, **kwargs):
        kwargs.pop('noise_shape', None)  # derived from the input, as in Keras
        super().__init__(rate, **kwargs)
        self.data_format = config.normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _noise_shape(self, shape):
        if self.data_format == 'channels_first':
            return (shape[0], shape[1]) + (1,) * self.rank
        return (shape[0],) + (1,) * self.rank + (shape[-1],)

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        return dropout(inputs, self.rate, self._noise_shape(tuple(inputs.shape)), generator=self._generator())

    def get_config(self):
        cfg = super().get_config()
        cfg.pop('noise_shape', None)
        if self.rank > 1:
            cfg['data_format'] = self.data_format
        return cfg


class SpatialDropout1D(_SpatialDropout):
    """Drops whole channels of ``(batch, steps, channels)`` inputs in training."""
    rank = 1

    def __init__(self, rate, **kwargs):
        kwargs.pop('data_format', None)
        super().__init__(rate, data_format='channels_last', **kwargs)


class SpatialDropout2D(_SpatialDropout):
    """Drops whole feature maps of 4-D inputs in training (``data_format`` as Conv2D)."""
    rank = 2


class SpatialDropout3D(_SpatialDropout):
    """Drops whole feature maps of 5-D inputs in training (``data_format`` as Conv3D)."""
    rank = 3
