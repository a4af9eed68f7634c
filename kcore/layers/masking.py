"""``Masking``: skip time steps whose features all equal a padding value."""
from kcore.autodiff.tensor import Tensor, apply
from kcore.runtime.device import ACTIVE
from kcore.layers.base import Layer


def _keep(inputs, mask_value):
    """Boolean ``(..., )`` array: which steps hold at least one non-padding feature."""
    return ACTIVE.xp.any(inputs.data != mask_value, axis=-1)


class Masking(Layer):
    """Steps (all axes but the last) whose features all equal ``mask_value`` are
    zeroed and masked: the output carries a boolean mask ``(batch, steps)`` that
    RNNs and other mask-aware layers downstream skip over."""

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = float(mask_value)
        self.supports_masking = True

    def call(self, inputs):
        keep = _keep(inputs, self.mask_value)
        return apply('multiply', inputs, keep[..., None].astype(inputs.dtype))

    def compute_mask(self, inputs, mask=None):
        return Tensor(_keep(inputs, self.mask_value))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        cfg = super().get_config()
        cfg['mask_value'] = self.mask_value
        return cfg
