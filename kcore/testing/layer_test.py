"""``layer_test``: the checks every layer must pass, for kcore's layers and plugins'.

    from kcore.testing import layer_test
    out = layer_test(MyLayer, {'units': 3}, input_shape=(2, 4))

runs each function of ``DEFAULT_CHECKS`` on one ``LayerCase`` (the layer, its
input data and what earlier checks found), then returns the layer's output:

* ``check_output``: the call works, outputs are ``floatx`` (float32) for a layer
  of the default dtype, and their shape is what ``compute_output_shape`` says;
* ``check_symbolic``: called on ``Input``s the layer gives compatible symbolic
  shapes and dtypes, and a ``Model`` around it computes the same values;
* ``check_config``: ``get_config`` is JSON, ``from_config`` of it (through JSON)
  rebuilds a layer that with the same weights gives the same output, and whose
  config is the same;
* ``check_gradients``: rebuilt in float64, gradients with respect to the
  inputs and the trainable weights match finite differences.

A check is a plain function ``check(case)``: pass ``checks=[...]`` to run
others (``DEFAULT_CHECKS + [my_check]``), which is how the save/load and
training checks of the plugin kit plug in.  The call must be deterministic
(a random layer is tested at inference, the default).
"""
import json

import numpy as np

from kcore import config as _config
from kcore.autodiff.tensor import Tensor
from kcore.backend.device import ACTIVE
from kcore.testing.gradients import check_gradients as _check_gradients
from kcore.testing.strategies import example_data
from kcore.utils import nest


class LayerCase:
    """One layer under test: how to make it, its inputs, and what the checks found.

    ``output`` (NumPy arrays, the structure of the layer's output) and
    ``weights`` are set by ``check_output``; later checks compare against them.
    """

    def __init__(self, layer_cls=None, kwargs=None, input_data=None, call_kwargs=None, factory=None,
                 expected_output=None, expected_output_shape=None, expected_output_dtype=None,
                 rtol=1e-5, atol=1e-6):
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
        self.layer = self.output = self.weights = None

    # -- helpers checks share ----------------------------------------------------------
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

    def call(self, layer, inputs):
        return layer(inputs, **self.call_kwargs)

    def what(self, layer=None):
        layer = layer or self.layer
        name = type(layer).__name__ if layer is not None else getattr(self.layer_cls, '__name__', 'layer')
        return '%s(%s) on inputs of shape %s' % (name, self.kwargs or '', [a.shape for a in self.input_list])


def _numpy(structure):
    return nest.map_structure(lambda t: t.numpy() if isinstance(t, Tensor) else np.asarray(t), structure)


def _assert_close(case, got, want, what):
    got_flat, want_flat = nest.flatten(got), nest.flatten(want)
    if len(got_flat) != len(want_flat):
        raise AssertionError('%s: %s gave %d output(s), expected %d.' % (case.what(), what, len(got_flat), len(want_flat)))
    for g, w in zip(got_flat, want_flat):
        np.testing.assert_allclose(np.asarray(g, dtype=np.float64), np.asarray(w, dtype=np.float64),
                                   rtol=case.rtol, atol=case.atol, err_msg='%s: %s' % (case.what(), what))


def _shape_matches(declared, actual):
    return len(declared) == len(actual) and all(d is None or d == a for d, a in zip(declared, actual))


def _shapes(structure):
    """The shapes of a (nested) structure of shapes: a flat list of tuples."""
    if isinstance(structure, (tuple, list)) and all(d is None or isinstance(d, (int, np.integer)) for d in structure):
        return [tuple(structure)]
    if isinstance(structure, dict):
        return [s for k in sorted(structure) for s in _shapes(structure[k])]
    return [s for item in structure for s in _shapes(item)]


# -- the checks -----------------------------------------------------------------------------
def check_output(case):
    """Call the layer; check dtypes, ``compute_output_shape`` and expected values."""
    layer = case.layer = case.new_layer()
    out = case.call(layer, case.inputs_as(lambda a: Tensor(ACTIVE.xp.asarray(a))))
    case.output = _numpy(out)
    case.weights = layer.get_weights()
    flat = nest.flatten(case.output)
    floatx = np.dtype(_config.floatx())
    for o in flat:
        want = np.dtype(case.expected_output_dtype) if case.expected_output_dtype else None
        if want is not None and o.dtype != want:
            raise AssertionError('%s: output dtype %s, expected %s.' % (case.what(), o.dtype, want))
        if want is None and o.dtype.kind == 'f' and layer.dtype == floatx and o.dtype != floatx:
            raise AssertionError('%s: output dtype %s; a layer of the default dtype must compute in %s '
                                 '(no silent up-casts).' % (case.what(), o.dtype, floatx))
    shapes = [tuple(o.shape) for o in flat]
    if case.expected_output_shape is not None:
        expected = _shapes(case.expected_output_shape)
        if len(expected) != len(shapes) or not all(_shape_matches(e, s) for e, s in zip(expected, shapes)):
            raise AssertionError('%s: output shape(s) %s, expected %s.' % (case.what(), shapes, expected))
    in_shapes = [tuple(a.shape) for a in case.input_list]
    try:
        declared = layer.compute_output_shape(in_shapes if case.multi_input else in_shapes[0])
    except NotImplementedError:
        declared = None
    if declared is not None:
        declared = _shapes(declared)
        if len(declared) != len(shapes) or not all(_shape_matches(d, s) for d, s in zip(declared, shapes)):
            raise AssertionError('%s: compute_output_shape says %s, but call() returned %s.'
                                 % (case.what(), declared, shapes))
    if case.expected_output is not None:
        _assert_close(case, case.output, case.expected_output, 'output vs expected_output')


def check_symbolic(case):
    """On ``Input``s (unknown batch size) the layer gives the shapes and dtypes it computes,
    and a functional model around it computes the same values."""
    from kcore.layers.input_layer import Input
    from kcore.models.functional import Functional
    inputs = case.inputs_as(lambda a: Input(batch_shape=(None,) + tuple(a.shape[1:]), dtype=a.dtype.name))
    symbolic = case.call(case.layer, inputs)
    for kt, o in zip(nest.flatten(symbolic), nest.flatten(case.output)):
        if not _shape_matches((None,) + tuple(kt.shape[1:]), o.shape) or kt.shape[0] not in (None, o.shape[0]):
            raise AssertionError('%s: the symbolic output has shape %s, but the computed one %s.'
                                 % (case.what(), kt.shape, o.shape))
        if np.dtype(kt.dtype) != o.dtype:
            raise AssertionError('%s: the symbolic output has dtype %s, but the computed one %s.'
                                 % (case.what(), kt.dtype, o.dtype))
    model = Functional(inputs, symbolic)
    got = model(case.input_list if case.multi_input else case.input_data, **case.call_kwargs)
    _assert_close(case, _numpy(got), case.output, 'a functional model around the layer')


def _roundtrip_json(cfg, what):
    try:
        text = json.dumps(cfg)
    except TypeError as e:
        raise AssertionError('%s: get_config() is not JSON-serializable: %s' % (what, e)) from None
    return json.loads(text)


def _rebuild(case, cfg):
    from kcore.saving.serialization import registered_name
    cls = type(case.layer)
    if registered_name(cls, 'layers') is None and case.layer_cls is not None:
        cls = case.layer_cls
    return cls.from_config(cfg)


def check_config(case):
    """``from_config(get_config())`` through JSON: same config, same output with the same weights."""
    cfg = _roundtrip_json(case.layer.get_config(), case.what())
    clone = _rebuild(case, cfg)
    out = case.call(clone, case.inputs_as(lambda a: Tensor(ACTIVE.xp.asarray(a))))
    clone.set_weights(case.weights)
    out = case.call(clone, case.inputs_as(lambda a: Tensor(ACTIVE.xp.asarray(a))))
    _assert_close(case, _numpy(out), case.output, 'the layer rebuilt from its config, with the same weights')
    again = _roundtrip_json(clone.get_config(), case.what(clone))
    if again != cfg:
        raise AssertionError('%s: the config of the rebuilt layer differs from the original.\noriginal: %s\n'
                             'rebuilt:  %s' % (case.what(), cfg, again))


def _as_float64(cfg):
    """A layer config (nested ones included) with floatx dtypes switched to float64."""
    floatx = _config.floatx()
    if isinstance(cfg, dict):
        return {k: ('float64' if k == 'dtype' and v == floatx else _as_float64(v)) for k, v in cfg.items()}
    if isinstance(cfg, list):
        return [_as_float64(v) for v in cfg]
    return cfg


def check_gradients(case, directions=3):
    """Gradients with respect to float inputs and trainable weights vs finite differences (float64)."""
    cfg = _roundtrip_json(case.layer.get_config(), case.what())
    layer = _rebuild(case, _as_float64(cfg))
    data = case.inputs_as(lambda a: Tensor(ACTIVE.xp.asarray(a.astype(np.float64) if a.dtype.kind == 'f' else a)))
    out = case.call(layer, data)
    layer.set_weights([np.asarray(w, dtype=np.float64) if w.dtype.kind == 'f' else w for w in case.weights])
    for o in nest.flatten(out):
        if o.dtype.kind == 'f' and o.dtype != np.float64:
            raise AssertionError('%s: built with dtype float64 it outputs %s: some op casts down, so its '
                                 'gradients cannot be checked precisely.' % (case.what(layer), o.dtype))
    multi = case.multi_input

    def fn(*xs):
        return case.call(layer, list(xs) if multi else xs[0])
    _check_gradients(fn, case.input_list, wrt=layer.trainable_weights, directions=directions, noncontiguous=True)


DEFAULT_CHECKS = [check_output, check_symbolic, check_config, check_gradients]


def layer_test(layer_cls=None, kwargs=None, input_shape=None, input_data=None, input_dtype=None,
               input_range=None, expected_output=None, expected_output_shape=None, expected_output_dtype=None,
               call_kwargs=None, factory=None, checks=None, seed=0, rtol=1e-5, atol=1e-6):
    """Run the generic layer checks on ``layer_cls(**kwargs)`` and return its output (NumPy).

    Give ``input_data`` (an array, or a list for several inputs) or ``input_shape``
    (batch axis included; a list of shapes for several inputs) with optional
    ``input_dtype`` and ``input_range=(low, high)`` for random data.  ``factory``
    (a function returning the layer) replaces ``layer_cls``/``kwargs`` for layers
    built from other layers.  ``call_kwargs`` are passed to every call (e.g.
    ``{'training': True}`` for a deterministic training mode).  ``checks``
    replaces ``DEFAULT_CHECKS``.
    """
    if input_data is None:
        if input_shape is None:
            raise TypeError('layer_test needs input_shape=... or input_data=....')
        example = {'input_shape': input_shape}
        if input_dtype is not None:
            example['input_dtype'] = input_dtype
        if input_range is not None:
            example['input_range'] = input_range
        input_data = example_data(example, seed=seed)
    elif isinstance(input_data, (list, tuple)):
        input_data = [np.asarray(a) for a in input_data]
    else:
        input_data = np.asarray(input_data)
    case = LayerCase(layer_cls, kwargs, input_data, call_kwargs, factory, expected_output,
                     expected_output_shape, expected_output_dtype, rtol, atol)
    for check in (DEFAULT_CHECKS if checks is None else checks):
        check(case)
    return case.output


__all__ = ['layer_test', 'LayerCase', 'DEFAULT_CHECKS', 'check_output', 'check_symbolic', 'check_config',
           'check_gradients']
