"""The ``K`` functions of the graph: ``K.function`` (run part of a functional graph
from chosen inputs to chosen outputs), ``K.placeholder`` and symbolic ``K.gradients``.

They sit with the graph, above the layers; ``kcore.backend`` re-exports them.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from kcore import config
from kcore._typing import TensorLike
from kcore.autodiff import tensor as _tensor
from kcore.autodiff.tensor import Tensor, Variable, enable_grad, no_grad
from kcore.layers.input_layer import Input, InputLayer
from kcore.runtime import state as _state
from kcore.runtime.device import ACTIVE
from kcore.runtime.phase import learning_phase_scope
from kcore.runtime.state import LEARNING_PHASE
from kcore.utils import nest
from kcore.layers.keras_tensor import KerasTensor, SymbolicGradient
from kcore.training.optimizer_base import PendingUpdate, keras2_clip
from kcore.layers.node import topological_nodes


def gradients(loss: TensorLike, variables: Any) -> list[Any]:
    """Gradients of ``sum(loss)`` with respect to ``variables``.

    For a tensor computed eagerly (recording is on by default) this returns the
    gradients as tensors now.  For a symbolic tensor of a functional graph it
    returns placeholders that ``K.function`` evaluates, as Keras 2 did.
    """
    if isinstance(loss, KerasTensor):
        variables = list(variables) if isinstance(variables, (list, tuple)) else [variables]
        return [SymbolicGradient(loss, v) for v in variables]
    return _state.gradients(loss, variables)


def placeholder(shape: Sequence[int | None] | None = None, ndim: int | None = None, dtype: Any = None,
                sparse: bool = False, name: str | None = None) -> KerasTensor:
    """A symbolic input (``shape`` includes the batch axis), for ``K.function``."""
    if shape is None:
        if ndim is None:
            raise ValueError('placeholder() needs shape=... or ndim=....')
        shape = (None,) * ndim
    return Input(batch_shape=tuple(shape), dtype=dtype or config.floatx(), name=name)


def is_keras_tensor(x: Any) -> bool:
    """Whether ``x`` is a symbolic tensor of a functional graph (``K.is_keras_tensor``).

    Args:
        x: Any object.

    Returns:
        True for the output of ``Input()`` or of a layer called on one.
    """
    return isinstance(x, KerasTensor)


def is_placeholder(x: Any) -> bool:
    """Whether ``x`` is the output of an ``Input()`` (an input of the graph).

    Args:
        x: Any object.

    Returns:
        True for a symbolic tensor made by an ``InputLayer``.
    """
    return is_keras_tensor(x) and isinstance(x.node.layer, InputLayer)


def function(inputs: Sequence[Any], outputs: Any, updates: Any = None, name: str | None = None,
             **kwargs: Any) -> Callable[..., Any]:
    """A callable computing ``outputs`` from values of the symbolic ``inputs`` (Keras 2).

    ``f = K.function([model.input], [model.layers[3].output]); f([x])`` runs the
    graph between them on ``x``.  ``K.learning_phase()`` may be one of the
    inputs (feed 0 or 1); outputs may include ``K.gradients`` placeholders.
    ``updates`` run after the outputs are computed, at every call: ``(variable,
    new value)`` pairs (the value symbolic or not) and what ``optimizer.get_updates``
    returns for a symbolic loss (one optimizer step).
    """
    return GraphFunction(inputs, outputs, updates)


class GraphFunction:
    """A functional graph compiled to a plan: which layer runs on which tensors, in order, from the inputs to the outputs."""
    def __init__(self, inputs, outputs, updates=None):
        self._single_output = not isinstance(outputs, (list, tuple))
        self.inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        self.outputs = [outputs] if self._single_output else list(outputs)
        self.updates = _check_updates(updates)
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
        for update in self.updates:
            value = update.loss if isinstance(update, PendingUpdate) else update[1]
            if isinstance(value, KerasTensor):
                targets.append(value)
        self._nodes = topological_nodes(targets, self._symbolic_inputs)
        for node in self._nodes:
            if isinstance(node.layer, InputLayer):
                raise ValueError('K.function: the outputs depend on input %r, which is not among the '
                                 'function\'s inputs. Add it to the inputs list.' % node.layer.name)
        self._needs_grad = (any(isinstance(o, SymbolicGradient) for o in self.outputs)
                            or any(isinstance(u, PendingUpdate) for u in self.updates))

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
                for t, v in zip(node.output_tensors, nest.flatten(out)):
                    feed[id(t)] = v
        results = []
        clipped = {}
        for o in self.outputs:
            if isinstance(o, SymbolicGradient):
                wrt = feed[id(o.wrt)] if isinstance(o.wrt, KerasTensor) else o.wrt
                (g,) = _tensor.gradients(feed[id(o.loss)], [wrt])
                g = ACTIVE.xp.zeros(wrt.shape, dtype=wrt.dtype) if g is None else (g.data if isinstance(g, Tensor) else g)
                if o.clip is not None:  # Keras 2.3 clips an optimizer's gradients together (the global norm)
                    clipped.setdefault((id(o.loss), o.clip), []).append(len(results))
                results.append(g)
            elif isinstance(o, Variable):
                results.append(o.numpy())
            else:
                results.append(feed[id(o)].numpy())
        for (_, clip), where in clipped.items():
            for i, g in zip(where, keras2_clip([results[i] for i in where], *clip)):
                results[i] = g
        results = [ACTIVE.backend.to_numpy(r) if not isinstance(r, np.ndarray) else r for r in results]
        self._run_updates(feed)
        return results[0] if self._single_output else results

    def _run_updates(self, feed):
        for update in self.updates:
            if isinstance(update, PendingUpdate):
                update.apply(_tensor.gradients(feed[id(update.loss)], update.params))
                continue
            variable, value = update
            value = feed[id(value)] if isinstance(value, KerasTensor) else value
            variable.assign(ACTIVE.backend.asarray(np.asarray(value.data if isinstance(value, Tensor) else value)
                                                   ).astype(variable.dtype))


def _check_updates(updates):
    """The updates as a list of ``PendingUpdate`` and ``(variable, value)`` pairs (nested lists flattened)."""
    out = []
    for update in _flatten_updates(updates or []):
        if isinstance(update, PendingUpdate) or (isinstance(update, tuple) and len(update) == 2
                                                 and isinstance(update[0], Variable)):
            out.append(update)
        else:
            raise TypeError('K.function: updates must be (variable, new value) pairs or what '
                            'optimizer.get_updates(loss, params) returns. Received: %r.' % (update,))
    return out


def _flatten_updates(updates):
    for update in updates:
        if isinstance(update, list):
            yield from _flatten_updates(update)
        else:
            yield update


class _Null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
