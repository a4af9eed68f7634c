"""Layer checks that put the layer inside a model: saving and training.

``check_save_load`` writes the model around the layer to an HDF5 file in a
temporary folder with ``kcore.saving`` and loads it back the way a user does;
a registered layer must load without ``custom_objects``.  ``check_training``
compiles a model around a copy of the layer and takes a few optimizer steps on
a tiny regression problem: the loss must go down.
"""
import os
import tempfile

import numpy as np

from kcore.testing.layer_case import assert_close, to_numpy
from kcore.testing.training_steps import assert_lowered, train_steps
from kcore.utils import nest
from kcore.layers.lambda_layer import in_safe_mode
from kcore.training.optimizers import Adam


def check_save_load(case):
    """The model around the layer, saved to HDF5 and loaded back, has the same weights and outputs.

    Loading is in safe mode unless the caller is inside ``safe_mode_scope(False)``
    (a ``Lambda`` of a test module's function); ``custom_objects`` avoids that.
    """
    from kcore.saving import load_model, save_model
    model = case.model()
    with tempfile.TemporaryDirectory(prefix='kcore-layer-test-') as folder:
        path = os.path.join(folder, 'model.h5')
        save_model(model, path)
        loaded = load_model(path, custom_objects=case.loading_objects(), safe_mode=in_safe_mode())
    want, got = model.get_weights(), loaded.get_weights()
    if len(got) != len(want):
        raise AssertionError('%s: saved with %d weight arrays, loaded back with %d.'
                             % (case.what(), len(want), len(got)))
    assert_close(case, got, want, 'the weights of the model loaded back from HDF5')
    out = loaded(case.input_list if case.multi_input else case.input_data, **case.call_kwargs)
    assert_close(case, to_numpy(out), case.output, 'the model saved to HDF5 and loaded back')


def check_training(case, steps=4, learning_rate=0.01):
    """For a layer with trainable weights: ``steps`` Adam steps on a tiny problem lower the loss.

    The problem: mean squared error between the layer's float outputs and
    targets that are those outputs plus unit noise, trained with
    ``train_on_batch`` (``fit``'s own step), so the training loop, the layer's
    gradients and the optimizer meet as in real use.  Adam, because its first
    steps move every weight by about ``learning_rate`` however small its
    gradient (a sigmoid output, a long sum), so the drop is clear on every
    kind of layer.  Weightless layers pass at once.
    """
    if not case.layer.trainable_weights:
        return
    layer = case.rebuilt_layer()
    model = case.model_of(layer)
    layer.set_weights(case.weights)
    outputs = nest.flatten(case.output)
    rng = np.random.default_rng(case.seed)
    floats = [o.dtype.kind == 'f' for o in outputs]
    if not any(floats):
        raise AssertionError('%s: the layer has trainable weights but no float output to train.' % case.what())
    targets = [o + rng.standard_normal(o.shape).astype(o.dtype) if f else o for o, f in zip(outputs, floats)]
    model.compile(optimizer=Adam(learning_rate=learning_rate), loss=['mse' if f else None for f in floats])
    x = case.input_list if case.multi_input else case.input_data
    losses = train_steps(model, x, targets if len(targets) > 1 else targets[0], steps, case.seed)
    assert_lowered(losses, '%s, trained with Adam(learning_rate=%g) on a tiny regression problem'
                   % (case.what(), learning_rate),
                   'Check that call() uses the trainable weights and that their gradients are right.')


__all__ = ['check_save_load', 'check_training']
