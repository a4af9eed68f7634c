"""Keras 2's symbolic training tensors of a compiled model: ``model.targets``,
``model.sample_weights`` and ``model.total_loss``.

Keras 2 built the loss into its graph at ``compile``; scripts take its gradients
(``K.gradients(model.total_loss, model.trainable_weights)``, or
``model.optimizer.get_gradients``) and evaluate them with ``K.function`` fed
``model.inputs + model.sample_weights + model.targets``.  kcore records the same:
one node whose layer computes the compiled loss (``model.compiled_loss``, with the
weights' regularization terms) from the outputs, targets and sample weights.
"""
from kcore.layers.base import Layer
from kcore.models.graph_function import placeholder


class CompiledLossLayer(Layer):
    """The compiled total loss of ``model`` as a layer over ``outputs + targets + sample_weights``."""

    def __init__(self, model, **kwargs):
        super().__init__(name=kwargs.pop('name', 'total_loss'), **kwargs)
        self._model = model
        self._count = len(model.outputs)

    def call(self, inputs):
        n = self._count
        preds, targets, weights = list(inputs[:n]), list(inputs[n:2 * n]), list(inputs[2 * n:])
        total, _ = self._model.compiled_loss(targets, preds, weights, self._model._regularization_losses())
        return total

    def compute_output_shape(self, input_shape):
        return ()


def loss_graph(model):
    """``(targets, sample_weights, total_loss)`` of a compiled graph model, made once per compile.

    Raises:
        AttributeError: for a model that is not compiled or has no symbolic outputs (a
            subclassed model), naming what to do.
    """
    if not getattr(model, '_is_compiled', False):
        raise AttributeError('%r has no total_loss yet: it exists once the model is compiled. Call '
                             'model.compile(optimizer, loss) first.' % model.name)
    outputs = getattr(model, 'outputs', None)
    if not outputs:
        raise AttributeError('%r has no symbolic outputs, so no symbolic total_loss (a subclassed model, or a '
                             'Sequential model not built yet). Build it with an input shape, or compute the loss '
                             'eagerly.' % model.name)
    cached = model.__dict__.get('_keras2_loss_graph')
    if cached is not None and cached[0] is model.compiled_loss:
        return cached[1]
    names = model._output_names()
    targets = [placeholder(ndim=len(o.shape), dtype=o.dtype, name=name + '_target') for o, name in zip(outputs, names)]
    weights = [placeholder(ndim=1, name=name + '_sample_weights') for name in names]
    total = CompiledLossLayer(model)(list(outputs) + targets + weights)
    graph = (targets, weights, total)
    model.__dict__['_keras2_loss_graph'] = (model.compiled_loss, graph)
    return graph


__all__ = ['CompiledLossLayer', 'loss_graph']
