"""``K.function``: run part of a functional graph from chosen inputs to chosen outputs."""
import numpy as np

from kcore.autodiff import tensor as _tensor
from kcore.autodiff.tensor import Tensor, Variable, enable_grad, no_grad
from kcore.backend.device import ACTIVE
from kcore.backend.phase import learning_phase_scope
from kcore.backend.state import LEARNING_PHASE, SymbolicGradient
from kcore.layers.input_layer import InputLayer
from kcore.models.symbolic import KerasTensor, topological_nodes


class GraphFunction:
    def __init__(self, inputs, outputs):
        self._single_output = not isinstance(outputs, (list, tuple))
        self.inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        self.outputs = [outputs] if self._single_output else list(outputs)
        self._symbolic_inputs = [i for i in self.inputs if isinstance(i, KerasTensor)]
        for i in self.inputs:
            if not (isinstance(i, KerasTensor) or i is LEARNING_PHASE):
                raise TypeError('K.function inputs must be symbolic tensors (model.input, a layer\'s input, '
                                'K.placeholder()) or K.learning_phase(). Received: %r.' % (i,))
        targets = []
        for o in self.outputs:
            if isinstance(o, SymbolicGradient):
                targets.append(o.loss)
                if isinstance(o.wrt, KerasTensor):
                    targets.append(o.wrt)
            elif isinstance(o, KerasTensor):
                targets.append(o)
            elif not isinstance(o, Variable):
                raise TypeError('K.function outputs must be symbolic tensors, variables or K.gradients() '
                                'results. Received: %r.' % (o,))
        self._nodes = topological_nodes(targets, self._symbolic_inputs)
        for node in self._nodes:
            if isinstance(node.layer, InputLayer):
                raise ValueError('K.function: the outputs depend on input %r, which is not among the '
                                 'function\'s inputs. Add it to the inputs list.' % node.layer.name)
        self._needs_grad = any(isinstance(o, SymbolicGradient) for o in self.outputs)

    def __call__(self, values):
        values = list(values) if isinstance(values, (list, tuple)) else [values]
        if len(values) != len(self.inputs):
            raise ValueError('This function takes %d input values (one per input given to K.function); '
                             'received %d.' % (len(self.inputs), len(values)))
        phase = None
        feed = {}
        grad_inputs = {id(o.wrt) for o in self.outputs if isinstance(o, SymbolicGradient)}
        for kt, v in zip(self.inputs, values):
            if kt is LEARNING_PHASE:
                phase = int(v)
                continue
            arr = ACTIVE.backend.asarray(np.asarray(v))
            if arr.dtype.kind == 'f' and arr.dtype.name != kt.dtype:
                arr = arr.astype(kt.dtype)
            feed[id(kt)] = Tensor(arr, requires_grad=id(kt) in grad_inputs)
        mode = enable_grad() if self._needs_grad else no_grad()
        scope = learning_phase_scope(phase) if phase is not None else _Null()
        with mode, scope:
            for node in self._nodes:
                out = node.run(feed)
                from kcore.utils import nest
                for t, v in zip(node.output_tensors, nest.flatten(out)):
                    feed[id(t)] = v
        results = []
        for o in self.outputs:
            if isinstance(o, SymbolicGradient):
                wrt = feed[id(o.wrt)] if isinstance(o.wrt, KerasTensor) else o.wrt
                (g,) = _tensor.gradients(feed[id(o.loss)], [wrt])
                results.append(np.zeros(wrt.shape, dtype=wrt.dtype) if g is None else ACTIVE.backend.to_numpy(g))
            elif isinstance(o, Variable):
                results.append(o.numpy())
            else:
                results.append(feed[id(o)].numpy())
        return results[0] if self._single_output else results


class _Null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
