"""Keras 2's ``keras.utils.test_utils``: ``layer_test`` and ``get_test_data``, with Keras 2.3's
signatures, so that tests written against Keras run unchanged.

kcore's own, stricter layer checks (gradients, save/load, float64 rebuild) are
:func:`kcore.testing.layer_test`; this module is the Keras-shaped subset.
"""
import numpy as np

from kcore import config
from kcore.layers import Input
from kcore.models import Model
from kcore.utils.generic_utils import has_arg


def get_test_data(num_train=1000, num_test=500, input_shape=(10,), output_shape=(2,), classification=True,
                  num_classes=2):
    """Random data a model can learn: ``(x_train, y_train), (x_test, y_test)``.

    Args:
        num_train: number of training samples.
        num_test: number of test samples.
        input_shape: shape of one input sample.
        output_shape: shape of one target (regression only).
        classification: integer labels in ``[0, num_classes)`` (whose value sets the mean of
            the inputs) when True; otherwise float targets near each sample's input mean.
        num_classes: number of classes for classification.

    Returns:
        ``((x_train, y_train), (x_test, y_test))``, inputs float32.
    """
    samples = num_train + num_test
    input_shape, output_shape = tuple(input_shape), tuple(output_shape)
    if classification:
        y = np.random.randint(0, num_classes, size=(samples,))
        x = np.random.normal(loc=y.reshape((samples,) + (1,) * len(input_shape)), scale=0.7,
                             size=(samples,) + input_shape).astype(np.float32)
    else:
        centre = np.random.random((samples,))
        x = np.random.normal(loc=centre.reshape((samples,) + (1,) * len(input_shape)), scale=0.7,
                             size=(samples,) + input_shape).astype(np.float32)
        y = np.random.normal(loc=centre.reshape((samples,) + (1,) * len(output_shape)), scale=0.7,
                             size=(samples,) + output_shape).astype(np.float32)
    return (x[:num_train], y[:num_train]), (x[num_train:], y[num_train:])


def _random_input(input_shape, input_dtype):
    shape = [np.random.randint(1, 4) if dim is None else dim for dim in input_shape]
    return (10 * np.random.random(shape)).astype(input_dtype)


def layer_test(layer_cls, kwargs={}, input_shape=None, input_dtype=None, input_data=None, expected_output=None,
               expected_output_dtype=None, fixed_batch_size=False):
    """Check a one-input, one-output layer as Keras 2.3's test suite does; return its output.

    The layer is built from ``kwargs``, its weights set back to themselves, called on an
    ``Input`` inside a ``Model``; the checks are: the output dtype, the output shape against
    ``compute_output_shape``, ``expected_output`` (``rtol=1e-3``), a model rebuilt from its
    config with the same weights giving the same output, one ``train_on_batch`` step when
    ``call`` takes ``training``, and ``from_config`` of the layer's config.

    Args:
        layer_cls: the layer class.
        kwargs: its constructor arguments.
        input_shape: input shape including the batch axis (``None`` entries get a random size).
        input_dtype: dtype of the generated input (default ``K.floatx()``).
        input_data: the input itself, instead of generated data.
        expected_output: the values the layer must return.
        expected_output_dtype: the output dtype (default: the input dtype).
        fixed_batch_size: build the ``Input`` with the batch size of ``input_shape``.

    Returns:
        The layer's output on the input data (NumPy).

    Raises:
        AssertionError: when a check fails; the message names the layer and what differs.
    """
    if input_data is None:
        if not input_shape:
            raise ValueError('layer_test needs input_shape=... (batch axis included) or input_data=....')
        input_dtype = input_dtype or config.floatx()
        input_data = _random_input(input_shape, input_dtype)
    else:
        input_data = np.asarray(input_data)
        input_shape = tuple(input_data.shape) if input_shape is None else input_shape
        input_dtype = input_dtype or input_data.dtype.name
    expected_output_dtype = expected_output_dtype or np.dtype(input_dtype).name
    what = '%s(%s)' % (layer_cls.__name__, ', '.join('%s=%r' % kv for kv in sorted(kwargs.items())))

    layer = layer_cls(**kwargs)
    layer.set_weights(layer.get_weights())
    expected_output_shape = layer.compute_output_shape(tuple(input_shape))

    if fixed_batch_size:
        x = Input(batch_shape=tuple(input_shape), dtype=input_dtype)
    else:
        x = Input(shape=tuple(input_shape)[1:], dtype=input_dtype)
    y = layer(x)
    if np.dtype(y.dtype).name != np.dtype(expected_output_dtype).name:
        raise AssertionError('%s: output dtype %s, expected %s.' % (what, np.dtype(y.dtype).name,
                                                                     expected_output_dtype))
    model = Model(x, y)
    actual_output = model.predict(input_data)
    for want, got in zip(expected_output_shape, actual_output.shape):
        if want is not None and want != got:
            raise AssertionError('%s: output shape %s, but compute_output_shape says %s.'
                                 % (what, actual_output.shape, expected_output_shape))
    if expected_output is not None:
        np.testing.assert_allclose(actual_output, expected_output, rtol=1e-3, err_msg=what)

    recovered = model.__class__.from_config(model.get_config())
    if model.weights:
        recovered.set_weights(model.get_weights())
        np.testing.assert_allclose(recovered.predict(input_data), actual_output, rtol=1e-3,
                                   err_msg='%s: a model rebuilt from its config' % what)

    if has_arg(layer.call, 'training'):
        model.compile('rmsprop', 'mse')
        model.train_on_batch(input_data, actual_output)

    layer_config = layer.get_config()
    layer_config['batch_input_shape'] = input_shape
    layer.__class__.from_config(layer_config)
    return actual_output
