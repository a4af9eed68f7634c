"""The test kit kcore uses on itself, public for plugin authors.

    from kcore.testing import check_gradients, layer_test, loss_test, optimizer_test
    from kcore.testing import strategies as kst   # hypothesis strategies

* ``layer_test(layer_cls, kwargs, input_shape=... or input_data=...)``: output
  shape and dtype, symbolic use, config round trip, HDF5 save/load inside a
  model, gradients against finite differences, a few training steps; returns
  the output.
* ``loss_test(loss, kwargs, y_true=..., y_pred=...)``: per-sample values,
  reductions and ``sample_weight``, config and name round trips, gradients,
  training a tiny model; returns the per-sample values.
* ``optimizer_test(optimizer_cls, kwargs)``: config round trip, descent on a
  quadratic, float32 kept, state round trip, state saved with a model.
* ``check_gradients(fn, inputs, ...)``: autodiff against finite differences
  for any function of tensors.
* ``check_override(op, backend)``: a backend's kernel override against the
  generic kernel, on the same inputs (``registered_overrides`` lists them).
* ``backend_names()``/``usable_backends()``, and the pytest plugin
  ``kcore.testing.pytest_plugin`` (the ``kcore_backend`` fixture runs a test
  once per backend; the ``gpu`` marker).

Each ``*_test`` runs a list of plain check functions (``DEFAULT_CHECKS``,
``LOSS_CHECKS``, ``OPTIMIZER_CHECKS``) that raise ``AssertionError``; pass
``checks=`` to add or drop some.  ``registered_names``/``registered_examples``
list what the registries hold, for conformance tests over a plugin's names.  Only this
package's names and ``kcore.testing.strategies`` are public; the strategies
need hypothesis (a test dependency), the rest only NumPy.  See
``docs/testing.md``.
"""
from kcore.testing.backends import backend_names, usable_backends
from kcore.testing.gradients import check_gradients
from kcore.testing.isolation import isolated
from kcore.testing.layer_test import layer_test
from kcore.testing.loss_test import loss_test
from kcore.testing.optimizer_test import optimizer_test
from kcore.testing.overrides import check_override, registered_overrides
from kcore.testing.registered import registered_by, registered_examples, registered_names

__all__ = ['backend_names', 'check_gradients', 'check_override', 'isolated', 'layer_test', 'loss_test',
           'optimizer_test', 'registered_by', 'registered_examples', 'registered_names', 'registered_overrides',
           'usable_backends']
