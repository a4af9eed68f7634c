"""``LayerCase``: one layer under test, and the helpers the layer checks share.

A check is a function ``check(case)`` that raises ``AssertionError`` saying
what is wrong; the checks live in ``layer_test`` (the layer on its own) and
``model_checks`` (the layer inside a model).
"""
import json

import numpy as np

from kcore.autodiff.tensor import Tensor
from kcore.runtime.device import ACTIVE
from kcore.utils import nest
from kcore.layers.input_layer import Input
from kcore.models.functional import Functional
from kcore.serialization import registered_name


class LayerCase:
    """One layer under test: how to make it, its inputs, and what the checks found.

    ``output`` (NumPy arrays, the structure of the layer's output) and
    ``weights`` are set by ``check_output``; later checks compare against them.
    ``custom_objects`` is passed to ``load_model`` for classes that are not
    registered (an unregistered ``layer_cls`` is added to it automatically).
    """

    def __init__(self, layer_cls=None, kwargs=None, input_data=None, call_kwargs=None, factory=None,
                 expected_output=None, expected_output_shape=None, expected_output_dtype=None,
                 rtol=1e-5, atol=1e-6, custom_objects=None, seed=0):
        if factory is None and layer_cls is None:
            raise TypeError('layer_test needs a layer class (with kwargs) or a factory.')
        self.layer_cls = layer_cls
        self.kwargs = dict(kwargs or {})
        self.factory = factory
        self.input_data = input_data
        self.call_kwargs = dict(call_kwargs or {})
        self.expected_output = expected_output
        self.expected_output_shape = expected_output_shape
        self.expected_output_dtype = expected_output_dtype
        self.rtol, self.atol = rtol, atol
        self.custom_objects = dict(custom_objects or {})
        self.seed = seed
        self.layer = self.output = self.weights = None
        self._model = None

    @property
    def multi_input(self):
        return isinstance(self.input_data, list)

    @property
    def input_list(self):
        return list(self.input_data) if self.multi_input else [self.input_data]

    def new_layer(self):
        return self.factory() if self.factory is not None else self.layer_cls(**self.kwargs)

    def inputs_as(self, convert):
        converted = [convert(a) for a in self.input_list]
        return converted if self.multi_input else converted[0]

    def tensors(self, dtype=None):
        """The input data as tensors of the active backend (floats cast to ``dtype`` if given)."""
        def convert(a):
            if dtype is not None and a.dtype.kind == 'f':
                a = a.astype(dtype)
            return Tensor(ACTIVE.xp.asarray(a))
        return self.inputs_as(convert)

    def symbolic_inputs(self):
        """``Input``s shaped like the data, with an unknown batch size."""
        return self.inputs_as(lambda a: Input(batch_shape=(None,) + tuple(a.shape[1:]), dtype=a.dtype.name))

    def call(self, layer, inputs):
        return layer(inputs, **self.call_kwargs)

    def model_of(self, layer):
        """A functional model of ``layer`` on ``Input``s (the layer is called on them)."""
        inputs = self.symbolic_inputs()
        return Functional(inputs, self.call(layer, inputs))

    def model(self):
        """The functional model around the layer under test (made once, shared by the checks)."""
        if self._model is None:
            self._model = self.model_of(self.layer)
        return self._model

    def rebuilt_layer(self, config=None):
        """A new layer from ``config`` (default: the tested layer's, through JSON), not yet built.

        It goes through ``kcore.saving.deserialize`` with ``loading_objects()``,
        as ``load_model`` does, so layers nested in the config resolve the same way.
        """
        from kcore.saving import deserialize
        if config is None:
            config = roundtrip_json(self.layer.get_config(), self.what())
        cls = type(self.layer)
        name = registered_name(cls, 'layers') or cls.__name__
        return deserialize({'class_name': name, 'config': config}, 'layers', self.loading_objects())

    def loading_objects(self):
        """``custom_objects`` for rebuilding: the given ones, plus the layer's class if unregistered."""
        objects = dict(self.custom_objects)
        cls = type(self.layer)
        if registered_name(cls, 'layers') is None:
            objects.setdefault(cls.__name__, cls)
        return objects

    def what(self, layer=None):
        layer = layer or self.layer
        name = type(layer).__name__ if layer is not None else getattr(self.layer_cls, '__name__', 'layer')
        return '%s(%s) on inputs of shape %s' % (name, self.kwargs or '', [a.shape for a in self.input_list])


def to_numpy(structure):
    """The same structure with tensors (and arrays of any backend) as NumPy arrays."""
    return nest.map_structure(lambda t: t.numpy() if isinstance(t, Tensor) else np.asarray(t), structure)


def assert_close(case, got, want, what):
    """Every leaf of ``got`` is close to the matching leaf of ``want`` (case's tolerances)."""
    got_flat, want_flat = nest.flatten(got), nest.flatten(want)
    if len(got_flat) != len(want_flat):
        raise AssertionError('%s: %s gave %d output(s), expected %d.'
                             % (case.what(), what, len(got_flat), len(want_flat)))
    for g, w in zip(got_flat, want_flat):
        np.testing.assert_allclose(np.asarray(g, dtype=np.float64), np.asarray(w, dtype=np.float64),
                                   rtol=case.rtol, atol=case.atol, err_msg='%s: %s' % (case.what(), what))


def roundtrip_json(cfg, what):
    """``cfg`` through ``json.dumps``/``loads``; an ``AssertionError`` if it is not JSON."""
    try:
        text = json.dumps(cfg)
    except TypeError as e:
        raise AssertionError('%s: get_config() is not JSON-serializable: %s' % (what, e)) from None
    return json.loads(text)


def shape_matches(declared, actual):
    """Whether an actual shape fits a declared one (None in ``declared`` matches any size)."""
    return len(declared) == len(actual) and all(d is None or d == a for d, a in zip(declared, actual))


def flat_shapes(structure):
    """The shapes of a (nested) structure of shapes: a flat list of tuples."""
    if isinstance(structure, (tuple, list)) and all(d is None or isinstance(d, (int, np.integer)) for d in structure):
        return [tuple(structure)]
    if isinstance(structure, dict):
        return [s for k in sorted(structure) for s in flat_shapes(structure[k])]
    return [s for item in structure for s in flat_shapes(item)]


__all__ = ['LayerCase', 'to_numpy', 'assert_close', 'roundtrip_json', 'shape_matches', 'flat_shapes']
