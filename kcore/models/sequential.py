"""``Sequential``: a functional model over a plain stack of layers.

When the first layer declares its input (``input_shape``, ``input_dim``,
``batch_input_shape``, or an ``Input`` added first) the graph is built as
layers are added, so ``model.output_shape`` and ``model.layers[i].output``
work at once.  Otherwise the model builds on first use from the data's shape.
"""
import warnings

from kcore.errors import layer_prefix
from kcore.layers.base import Layer
from kcore.layers.input_layer import Input, InputLayer
from kcore.models.functional import Functional
from kcore.models.model import Model
from kcore.serialization import deserialize, serialize
from kcore.layers.keras_tensor import KerasTensor


class Sequential(Functional):
    """A model that is a plain stack of layers, each feeding the next.

    Layers are given at construction or with ``add``. With an input shape (an
    ``Input`` first, or ``input_shape=`` on the first layer) the model is built as
    layers are added; otherwise it is built on the first call or ``fit``.

    Args:
        layers: The layers, in order.
        name: The model's name.
        trainable: Whether training updates the weights.
        **kwargs: Further ``Layer`` arguments.
    """
    _is_sequential = True

    def __init__(self, layers=None, name=None, trainable=True, **kwargs):
        Model.__init__(self, name=name, trainable=trainable, **kwargs)
        self._stack = []
        self._outputs_per_layer = []
        self.built = False
        self.inputs = self.outputs = None
        for layer in layers or []:
            self.add(layer)

    @property
    def layers(self):
        """The stacked layers (an initial ``Input`` is not listed, as in Keras)."""
        return list(self._stack)

    def _sublayers(self):
        return list(self._stack)

    def add(self, layer):
        """Append a layer (or an ``Input`` tensor, which sets the model's input).

        Args:
            layer: A ``Layer`` instance, or the output of ``Input(...)`` as the first item.

        Raises:
            TypeError: ``layer`` is neither.
            ValueError: An ``Input`` added after layers, or a layer name already in the model.
        """
        if isinstance(layer, KerasTensor):
            if self._stack or self.inputs is not None:
                raise ValueError('%s: an Input can only be added first.' % layer_prefix(self))
            self._start_graph(layer)
            return
        if not isinstance(layer, Layer):
            raise TypeError('%s.add() expects a Layer instance. Received: %r (of type %s).'
                            % (layer_prefix(self), layer, type(layer).__name__))
        if isinstance(layer, InputLayer):
            self._start_graph(layer._input_tensor)
            return
        if any(l.name == layer.name for l in self._stack):
            raise ValueError('%s: all layers must have unique names; %r is already in the model. '
                             'Pass name=... to one of them.' % (layer_prefix(self), layer.name))
        self._stack.append(layer)
        if self.inputs is not None:
            self._extend_graph(layer)
        elif len(self._stack) == 1:
            shape = _declared_input_shape(layer)
            if shape is not None:
                self._start_graph(Input(batch_shape=shape, dtype=getattr(layer, '_input_dtype', None)))

    def pop(self):
        """Remove the last layer."""
        if not self._stack:
            raise TypeError('%s: there are no layers to pop.' % layer_prefix(self))
        self._stack.pop()
        if self.inputs is None:
            return
        self._outputs_per_layer.pop()
        if self._stack:
            self._init_graph(self.inputs[0], self._outputs_per_layer[-1])
        else:
            self.outputs = None
            self.built = False

    def _start_graph(self, input_tensor):
        self.inputs = [input_tensor]
        self._outputs_per_layer = []
        x = input_tensor
        for layer in self._stack:
            x = layer(x)
            self._check_single(layer, x)
            self._outputs_per_layer.append(x)
        if self._stack:
            self._init_graph(input_tensor, x)

    def _extend_graph(self, layer):
        prev = self._outputs_per_layer[-1] if self._outputs_per_layer else self.inputs[0]
        x = layer(prev)
        self._check_single(layer, x)
        self._outputs_per_layer.append(x)
        self._init_graph(self.inputs[0], x)

    def _check_single(self, layer, x):
        if not isinstance(x, KerasTensor):
            raise ValueError('%s: all layers in a Sequential model should have a single output tensor; '
                             '%s returns %d. Use the functional API for multi-output layers.'
                             % (layer_prefix(self), layer_prefix(layer), len(x)))

    def build(self, input_shape=None):
        """Build the graph for inputs of ``input_shape`` (batch axis included)."""
        if self.built and self.inputs is not None:
            return
        if input_shape is None:
            raise ValueError('%s cannot be built without an input shape. Give the first layer '
                             'input_shape=..., or call the model on data.' % layer_prefix(self))
        if not self._stack:
            raise ValueError('%s has no layers; add() some before using it.' % layer_prefix(self))
        shape = (None,) + tuple(input_shape)[1:]
        self._start_graph(Input(batch_shape=shape))

    def call(self, inputs, training=None, mask=None):
        if self.inputs is None:
            self.build(tuple(getattr(inputs, 'shape', ())))
        return Functional.call(self, inputs, training=training, mask=mask)

    def predict_proba(self, x, batch_size=32, verbose=0):
        """Keras 2's ``predict`` for classifiers: the predictions, with a warning when they are not
        probabilities (a last layer without softmax or sigmoid)."""
        preds = self.predict(x, batch_size=batch_size, verbose=verbose)
        if preds.min() < 0.0 or preds.max() > 1.0:
            warnings.warn('Network returning invalid probability values. The last layer might not normalize '
                          'predictions into probabilities (like softmax or sigmoid would).', stacklevel=2)
        return preds

    def predict_classes(self, x, batch_size=32, verbose=0):
        """Class indices: the arg max of several outputs, or ``int32`` 0/1 from one sigmoid output
        (threshold 0.5), shaped ``(samples, 1)`` as in Keras 2."""
        proba = self.predict(x, batch_size=batch_size, verbose=verbose)
        if proba.shape[-1] > 1:
            return proba.argmax(axis=-1)
        return (proba > 0.5).astype('int32')

    def get_config(self):
        layers = []
        for i, layer in enumerate(self._stack):
            cfg = serialize(layer)
            if i == 0 and self.inputs is not None and 'batch_input_shape' not in cfg['config']:
                cfg['config']['batch_input_shape'] = list(self.inputs[0].shape)
            layers.append(cfg)
        return {'name': self.name, 'layers': layers}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        if isinstance(config, list):  # Keras 2.0-2.2 stored the list alone
            config = {'layers': config}
        model = cls(name=config.get('name'))
        for layer_cfg in config['layers']:
            if layer_cfg.get('class_name') == 'InputLayer':
                c = layer_cfg['config']
                shape = c.get('batch_input_shape') or c.get('batch_shape')
                model.add(Input(batch_shape=shape, dtype=c.get('dtype'), name=c.get('name')))
                continue
            model.add(deserialize(layer_cfg, 'layers', custom_objects))
        return model


def _declared_input_shape(layer):
    shape = getattr(layer, '_batch_input_shape', None)
    if shape is not None:
        return shape
    if isinstance(layer, Functional) and getattr(layer, 'inputs', None) and len(layer.inputs) == 1:
        return layer.inputs[0].shape
    return None
