"""The layers that build their own cell from their arguments: SimpleRNN, LSTM, GRU.

``LSTM(32, dropout=0.2, return_sequences=True)`` is ``RNN(LSTMCell(32,
dropout=0.2), return_sequences=True)``, as in Keras: cell arguments go to the
cell, sequence arguments to the RNN, and the cell's arguments read back as
the layer's attributes (``layer.units``).  The config is flat, as Keras's.
"""
import inspect

from kcore.layers.base import _LAYER_KWARGS
from kcore.utils import naming
from kcore_rnn.rnn import RNN, RNN_ARGS

_BASE_ARGS = frozenset(['name', 'trainable', 'dtype', 'dynamic']) | _LAYER_KWARGS | {'input_length'}
# Keras's choice of implementation (cuDNN, fused or split kernels): kcore has one
_IGNORED = ('implementation', 'use_cudnn')


class CellLayer(RNN):
    """Base of SimpleRNN, LSTM and GRU; subclasses set ``cell_class``."""

    cell_class = None

    def __init__(self, *args, **kwargs):
        for name in _IGNORED:
            kwargs.pop(name, None)
        rnn_args = {k: kwargs.pop(k) for k in RNN_ARGS + ('time_major',) if k in kwargs}
        base = {k: kwargs.pop(k) for k in list(kwargs) if k in _BASE_ARGS}
        accepted = inspect.signature(self.cell_class.__init__).parameters
        unknown = sorted(k for k in kwargs if k not in accepted)
        if unknown:
            raise TypeError('%s: unexpected keyword argument(s) %s. It accepts the arguments of %s (%s), '
                            'of RNN (%s) and of every layer (name, dtype, input_shape, ...).'
                            % (type(self).__name__, ', '.join(unknown), self.cell_class.__name__,
                               ', '.join(p for p in accepted if p not in ('self', 'kwargs')),
                               ', '.join(RNN_ARGS)))
        cell = self.cell_class(*args, name=naming.snake_case(self.cell_class.__name__),
                               dtype=base.get('dtype'), trainable=base.get('trainable', True), **kwargs)
        super().__init__(cell, **rnn_args, **base)

    def __getattr__(self, name):
        # the cell's arguments read as the layer's (layer.units, layer.dropout, ...)
        cell = self.__dict__.get('cell')
        if cell is not None and not name.startswith('_') and name in _cell_args(type(cell)):
            return getattr(cell, name)
        raise AttributeError('%r object has no attribute %r' % (type(self).__name__, name))

    def get_config(self):
        cfg = super().get_config()
        del cfg['cell']
        cell_cfg = self.cell.get_config()
        for key in ('name', 'trainable', 'dtype', 'batch_input_shape'):
            cell_cfg.pop(key, None)
        cfg.update(cell_cfg)
        return cfg


def _cell_args(cell_class):
    params = inspect.signature(cell_class.__init__).parameters
    return [p for p in params if p not in ('self', 'kwargs')]
