"""StackedRNNCells: several cells run as one, each step feeding the next cell.

``RNN([LSTMCell(8), LSTMCell(4)])`` builds one.  States are one flat list,
the first cell's first (see ``rnn.py``).  When every cell can be fused, the
stack runs cell by cell over the whole sequence, each a fused kernel: the same
result as stepping the stack, since a cell's states depend only on the outputs
of the cell below (masked steps keep every cell's states either way).
"""
from kcore.errors import layer_prefix
from kcore.layers.base import Layer
from kcore.saving.serialization import deserialize, serialize
from kcore.utils import nest
from kcore_rnn.cell_base import flat_state_sizes


def _state_count(cell):
    return len(flat_state_sizes(cell.state_size))


class StackedRNNCells(Layer):
    """Several RNN cells run as one: each step feeds the output of a cell to the next.

    ``RNN(StackedRNNCells([...]))`` is what ``RNN([...])`` builds from a list of cells.
    The states are the cells' states in order, as one flat list.

    Args:
        cells: The cells (or their configs), first to last.
        **kwargs: Further ``Layer`` arguments.

    Raises:
        ValueError: ``cells`` is empty, or an item lacks ``call`` or ``state_size``.
    """
    def __init__(self, cells, **kwargs):
        cells = [deserialize(c, 'layers') if isinstance(c, dict) else c for c in cells]
        super().__init__(**kwargs)
        if not cells:
            raise ValueError('%s needs at least one cell. Received: cells=[].' % layer_prefix(self))
        for c in cells:
            if not hasattr(c, 'call') or not hasattr(c, 'state_size'):
                raise ValueError('%s: every cell needs call() and state_size. Received: %r.'
                                 % (layer_prefix(self), c))
        self.cells = list(cells)

    @property
    def state_size(self):
        """Every cell's state sizes in one flat tuple, the first cell's first (Keras 2.3)."""
        return tuple(s for c in self.cells for s in flat_state_sizes(c.state_size))

    @property
    def output_size(self):
        """The output size of the last cell."""
        last = self.cells[-1]
        return getattr(last, 'output_size', None) or flat_state_sizes(last.state_size)[0]

    def build(self, input_shape):
        shape = tuple(input_shape)
        for cell in self.cells:
            if isinstance(cell, Layer):
                cell._maybe_build(shape)
            elif hasattr(cell, 'build'):
                cell.build(shape)
            size = getattr(cell, 'output_size', None) or flat_state_sizes(cell.state_size)[0]
            shape = (shape[0], size)
        self.built = True

    def _split(self, states):
        out, i = [], 0
        for cell in self.cells:
            n = _state_count(cell)
            out.append(list(states[i:i + n]))
            i += n
        return out

    def get_initial_state(self, batch_size=None):
        """Each cell's initial states (zeros where a cell defines none), as one flat list.

        Args:
            batch_size: The batch size.

        Returns:
            A flat list of state tensors.
        """
        states = []
        for cell in self.cells:
            get = getattr(cell, 'get_initial_state', None)
            if get is None:
                from kcore.autodiff.tensor import Tensor
                from kcore.backend.device import ACTIVE
                states += [Tensor(ACTIVE.xp.zeros((batch_size, s), dtype=self.dtype))
                           for s in flat_state_sizes(cell.state_size)]
            else:
                states += nest.flatten(get(batch_size=batch_size))
        return states

    def call(self, inputs, states=None, training=None):
        if states is None:
            states = self.get_initial_state(inputs.shape[0])
        new_states = []
        for cell, cell_states in zip(self.cells, self._split(nest.flatten(states))):
            if isinstance(cell, Layer):
                inputs, s = cell(inputs, cell_states, training=training)
            else:
                inputs, s = cell.call(inputs, cell_states)
            new_states += nest.flatten(s)
        return inputs, new_states

    def run_sequence(self, inputs, states, mask, training, go_backwards=False, return_sequences=False,
                     zero_output_for_mask=False):
        """Each cell over the whole sequence in turn (see the module docstring), or None."""
        if not all(hasattr(c, 'run_sequence') for c in self.cells):
            return None
        new_states = []
        groups = self._split(states)
        for k, (cell, cell_states) in enumerate(zip(self.cells, groups)):
            last = k == len(self.cells) - 1
            if k == 1 and go_backwards and mask is not None:
                mask = mask[:, ::-1]  # the cells above read the first cell's outputs in processing order
            result = cell.run_sequence(inputs, cell_states, mask, training, go_backwards=go_backwards and k == 0,
                                       return_sequences=return_sequences if last else True,
                                       zero_output_for_mask=zero_output_for_mask if last else False)
            if result is None:
                return None
            inputs, s = result
            new_states += s
        return inputs, new_states

    def compute_output_shape(self, input_shape):
        batch = input_shape[0]
        return [(batch, self.output_size), [(batch, s) for s in self.state_size]]

    def get_config(self):
        cfg = super().get_config()
        cfg['cells'] = [serialize(c) for c in self.cells]
        return cfg
