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
* ``check_save_load`` (``model_checks``): the model around the layer, saved to
  HDF5 with ``kcore.saving`` and loaded back, computes the same output;
* ``check_gradients``: rebuilt in float64, gradients with respect to the
  inputs and the trainable weights match finite differences;
* ``check_training`` (``model_checks``): for a layer with trainable weights, a
  few optimizer steps on a tiny regression problem lower the loss.

A check is a plain function ``check(case)``: pass ``checks=[...]`` to run
others (``DEFAULT_CHECKS + [my_check]``, or the list without one that cannot
apply).  The call must be deterministic (a random layer is tested at
inference, the default).
"""
import numpy as np

from kcore import config as _config
from kcore.testing.data import example_data
from kcore.testing.gradients import check_gradients as _check_gradients
from kcore.testing.layer_case import (LayerCase, assert_close, flat_shapes, roundtrip_json, shape_matches,
                                      to_numpy)
from kcore.testing.model_checks import check_save_load, check_training
from kcore.utils import nest


def check_output(case):
    """Call the layer; check dtypes, ``compute_output_shape`` and expected values."""
    layer = case.layer = case.new_layer()
    case.output = to_numpy(case.call(layer, case.tensors()))
    case.weights = layer.get_weights()
    flat = nest.flatten(case.output)
    floatx = np.dtype(_config.floatx())
    want = np.dtype(case.expected_output_dtype) if case.expected_output_dtype else None
    for o in flat:
        if want is not None and o.dtype != want:
            raise AssertionError('%s: output dtype %s, expected %s.' % (case.what(), o.dtype, want))
        if want is None and o.dtype.kind == 'f' and layer.dtype == floatx and o.dtype != floatx:
            raise AssertionError('%s: output dtype %s; a layer of the default dtype must compute in %s '
                                 '(no silent up-casts).' % (case.what(), o.dtype, floatx))
    shapes = [tuple(o.shape) for o in flat]
    if case.expected_output_shape is not None:
        expected = flat_shapes(case.expected_output_shape)
        if len(expected) != len(shapes) or not all(shape_matches(e, s) for e, s in zip(expected, shapes)):
            raise AssertionError('%s: output shape(s) %s, expected %s.' % (case.what(), shapes, expected))
    in_shapes = [tuple(a.shape) for a in case.input_list]
    try:
        declared = layer.compute_output_shape(in_shapes if case.multi_input else in_shapes[0])
    except NotImplementedError:
        declared = None
    if declared is not None:
        declared = flat_shapes(declared)
        if len(declared) != len(shapes) or not all(shape_matches(d, s) for d, s in zip(declared, shapes)):
            raise AssertionError('%s: compute_output_shape says %s, but call() returned %s.'
                                 % (case.what(), declared, shapes))
    if case.expected_output is not None:
        assert_close(case, case.output, case.expected_output, 'output vs expected_output')


def check_symbolic(case):
    """On ``Input``s (unknown batch size) the layer gives the shapes and dtypes it computes,
    and a functional model around it computes the same values."""
    model = case.model()
    for kt, o in zip(model.outputs, nest.flatten(case.output)):
        if not shape_matches((None,) + tuple(kt.shape[1:]), o.shape) or kt.shape[0] not in (None, o.shape[0]):
            raise AssertionError('%s: the symbolic output has shape %s, but the computed one %s.'
                                 % (case.what(), kt.shape, o.shape))
        if np.dtype(kt.dtype) != o.dtype:
            raise AssertionError('%s: the symbolic output has dtype %s, but the computed one %s.'
                                 % (case.what(), kt.dtype, o.dtype))
    got = model(case.input_list if case.multi_input else case.input_data, **case.call_kwargs)
    assert_close(case, to_numpy(got), case.output, 'a functional model around the layer')


def check_config(case):
    """``from_config(get_config())`` through JSON: same config, same output with the same weights."""
    cfg = roundtrip_json(case.layer.get_config(), case.what())
    clone = case.rebuilt_layer(cfg)
    case.call(clone, case.tensors())
    clone.set_weights(case.weights)
    out = case.call(clone, case.tensors())
    assert_close(case, to_numpy(out), case.output, 'the layer rebuilt from its config, with the same weights')
    again = roundtrip_json(clone.get_config(), case.what(clone))
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
    cfg = roundtrip_json(case.layer.get_config(), case.what())
    layer = case.rebuilt_layer(_as_float64(cfg))
    out = case.call(layer, case.tensors(np.float64))
    layer.set_weights([np.asarray(w, dtype=np.float64) if w.dtype.kind == 'f' else w for w in case.weights])
    for o in nest.flatten(out):
        if o.dtype.kind == 'f' and o.dtype != np.float64:
            raise AssertionError('%s: built with dtype float64 it outputs %s: some op casts down, so its '
                                 'gradients cannot be checked precisely.' % (case.what(layer), o.dtype))
    multi = case.multi_input

    def fn(*xs):
        return case.call(layer, list(xs) if multi else xs[0])
    _check_gradients(fn, case.input_list, wrt=layer.trainable_weights, directions=directions, noncontiguous=True)


DEFAULT_CHECKS = [check_output, check_symbolic, check_config, check_save_load, check_gradients, check_training]


def layer_test(layer_cls=None, kwargs=None, input_shape=None, input_data=None, input_dtype=None,
               input_range=None, expected_output=None, expected_output_shape=None, expected_output_dtype=None,
               call_kwargs=None, factory=None, checks=None, seed=0, rtol=1e-5, atol=1e-6, custom_objects=None):
    """Run the generic layer checks on ``layer_cls(**kwargs)`` and return its output (NumPy).

    Give ``input_data`` (an array, or a list for several inputs) or ``input_shape``
    (batch axis included; a list of shapes for several inputs) with optional
    ``input_dtype`` and ``input_range=(low, high)`` for random data.  ``factory``
    (a function returning the layer) replaces ``layer_cls``/``kwargs`` for layers
    built from other layers.  ``call_kwargs`` are passed to every call (e.g.
    ``{'training': True}`` for a deterministic training mode).
    ``expected_output``/``_shape``/``_dtype`` are compared with what the layer
    returns.  ``custom_objects`` go to ``load_model`` in the save/load check, for
    unregistered classes inside the layer (the layer's own class is added when
    it is not registered).  ``checks`` replaces ``DEFAULT_CHECKS``.  Any failed
    check raises ``AssertionError`` naming the layer, its arguments and inputs.
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
    case = LayerCase(layer_cls, kwargs, input_data, call_kwargs, factory, expected_output, expected_output_shape,
                     expected_output_dtype, rtol, atol, custom_objects, seed)
    for check in (DEFAULT_CHECKS if checks is None else checks):
        check(case)
    return case.output


__all__ = ['layer_test', 'LayerCase', 'DEFAULT_CHECKS', 'check_output', 'check_symbolic', 'check_config',
           'check_save_load', 'check_gradients', 'check_training']
