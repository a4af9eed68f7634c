"""Keras 2's ``keras.engine.training_utils``: the data-checking helpers that Keras 2 scripts
and tests call directly.  kcore's own training loop (``kcore.training``) does not use them;
they are kept here with Keras 2's behaviour for code that does.
"""
import collections
import copy
import inspect
import warnings

import numpy as np

from kcore import _legacy_paths
from kcore.models.graph_function import placeholder
from kcore import backend as _K
from kcore.training import losses as _losses
from kcore.training import metrics as _metrics
from kcore.training.data import Sequence
from kcore.utils.generic_utils import check_for_unexpected_keys


def make_batches(size, batch_size):
    """``[(start, end), ...]`` covering ``range(size)`` in batches of ``batch_size``."""
    if batch_size < 1:
        raise ValueError('make_batches: batch_size must be at least 1. Received: %r.' % (batch_size,))
    num_batches = (size + batch_size - 1) // batch_size
    return [(i * batch_size, min(size, (i + 1) * batch_size)) for i in range(num_batches)]


def batch_shuffle(index_array, batch_size):
    """Shuffle whole batches of ``index_array`` (the order inside a batch is kept; a last
    partial batch stays last): Keras's ``shuffle='batch'`` for HDF5 data."""
    index_array = np.asarray(index_array)
    batch_count = len(index_array) // batch_size
    last_batch = index_array[batch_count * batch_size:]
    blocks = index_array[:batch_count * batch_size].reshape((batch_count, batch_size))
    np.random.shuffle(blocks)
    return np.append(blocks.flatten(), last_batch)


def check_num_samples(ins, batch_size=None, steps=None, steps_name='steps'):
    """The number of samples in the arrays ``ins`` (None when ``steps`` drives the loop)."""
    if steps is not None and batch_size is not None:
        raise ValueError('If %s is set, the `batch_size` must be None. Received: batch_size=%r, %s=%r.'
                         % (steps_name, batch_size, steps_name, steps))
    if not ins or any(not hasattr(x, 'shape') for x in ins):
        if steps is None:
            raise ValueError('If your data is not in the form of arrays, you should specify the `%s` argument '
                             '(instead of the `batch_size` argument).' % steps_name)
        return None
    return int(ins[0].shape[0])


def should_run_validation(validation_freq, epoch):
    """Whether to validate after the 0-based ``epoch``: every ``validation_freq`` epochs (an
    int), or after the 1-based epochs listed in ``validation_freq``."""
    one_based = epoch + 1
    if isinstance(validation_freq, int) and not isinstance(validation_freq, bool):
        if validation_freq < 1:
            raise ValueError('`validation_freq` can not be less than 1. Received: %r.' % (validation_freq,))
        return one_based % validation_freq == 0
    if not isinstance(validation_freq, (list, tuple, set, frozenset, range)):
        raise ValueError('`validation_freq` must be an Integer or `collections.Container` e.g. a list. '
                         'Received: %r.' % (validation_freq,))
    return one_based in validation_freq


def is_sequence(seq):
    """True for a ``Sequence`` (or an object with its three methods)."""
    return isinstance(seq, Sequence) or all(hasattr(seq, m) for m in ('__getitem__', '__len__', 'on_epoch_end'))


def iter_sequence_infinite(seq):
    """Iterate over a ``Sequence`` forever (epoch after epoch)."""
    while True:
        for item in seq:
            yield item


def is_generator_or_sequence(x):
    """Whether ``x`` is a Python generator or a ``Sequence`` (Keras 2's helper)."""
    return inspect.isgenerator(x) or is_sequence(x)


def standardize_single_array(x):
    """A 1-D array becomes a column (Keras 2 reads ``(n,)`` targets as ``(n, 1)``)."""
    if x is None:
        return None
    if hasattr(x, 'ndim') and x.ndim == 1:
        return np.expand_dims(x, 1)
    return x


def _frame_values(x):
    return x.values if type(x).__name__ in ('DataFrame', 'Series') and hasattr(x, 'values') else x


def standardize_input_data(data, names, shapes=None, check_batch_axis=True, exception_prefix=''):
    """``data`` (an array, a list of arrays, a dict by name, or a list of lists for a single
    input) as a list of arrays, one per name, checked against ``shapes``."""
    if not names:
        if data is not None and hasattr(data, '__len__') and len(data):
            raise ValueError('Error when checking model %s: expected no data, but got: %r' % (exception_prefix, data))
        return []
    if data is None:
        return [None for _ in names]
    if isinstance(data, dict):
        try:
            arrays = [_frame_values(data[name]) for name in names]
        except KeyError as e:
            raise ValueError('No data provided for "%s". Need data for each key in: %s' % (e.args[0], names)) from None
    elif isinstance(data, list):
        if data and isinstance(data[0], list):
            arrays = [np.asarray(d) for d in data] if len(names) > 1 else [np.asarray(data)]
        elif len(names) == 1 and data and isinstance(data[0], (float, int)):
            arrays = [np.asarray(data)]
        else:
            arrays = [_frame_values(x) for x in data]
    else:
        arrays = [_frame_values(data)]
    arrays = [standardize_single_array(x) for x in arrays]
    if len(arrays) != len(names):
        if arrays and hasattr(arrays[0], 'shape'):
            raise ValueError('Error when checking model %s: the list of arrays that you are passing to your model '
                             'is not the size the model expected. Expected to see %d array(s), but instead got '
                             'the following list of %d arrays: %s' % (exception_prefix, len(names), len(arrays),
                                                                       str(arrays)[:200]))
        if len(names) > 1:
            raise ValueError('Error when checking model %s: you are passing a list as input to your model, but the '
                             'model expects a list of %d arrays: %s.' % (exception_prefix, len(names), names))
        raise ValueError('Error when checking model %s: data should be an array or a list of arrays. Received: %s.'
                         % (exception_prefix, type(data).__name__))
    if shapes:
        for i, (name, array, shape) in enumerate(zip(names, arrays, shapes)):
            if shape is None or array is None or not hasattr(array, 'shape'):
                continue
            data_shape = tuple(array.shape)
            if len(data_shape) != len(shape):
                raise ValueError('Error when checking %s: expected %s to have %d dimensions, but got array with '
                                 'shape %s' % (exception_prefix, name, len(shape), data_shape))
            want, got = (shape, data_shape) if check_batch_axis else (shape[1:], data_shape[1:])
            for dim, ref_dim in zip(got, want):
                if ref_dim is not None and dim is not None and ref_dim != dim:
                    raise ValueError('Error when checking %s: expected %s to have shape %s but got array with '
                                     'shape %s' % (exception_prefix, name, tuple(shape), data_shape))
    return arrays


def standardize_sample_or_class_weights(x_weight, output_names, weight_type):
    """Per-output weights: None, a list (one per output) or a dict by output name."""
    if x_weight is None or (isinstance(x_weight, (list, dict)) and len(x_weight) == 0):
        return [None for _ in output_names]
    if len(output_names) == 1:
        if isinstance(x_weight, list) and len(x_weight) == 1:
            return x_weight
        if isinstance(x_weight, dict) and output_names[0] in x_weight:
            return [x_weight[output_names[0]]]
        return [x_weight]
    if isinstance(x_weight, list):
        if len(x_weight) != len(output_names):
            raise ValueError('Provided `%s` was a list of %d elements, but the model has %d outputs. You should '
                             'provide one `%s` array per model output.' % (weight_type, len(x_weight),
                                                                          len(output_names), weight_type))
        return x_weight
    if isinstance(x_weight, dict):
        return [x_weight.get(name) for name in output_names]
    raise TypeError('The model has multiple outputs, so `%s` should be either a list or a dict. Provided `%s` '
                    'type not understood: %r' % (weight_type, weight_type, x_weight))


def standardize_class_weights(class_weight, output_names):
    """``class_weight`` as one entry per output name (Keras 2's helper)."""
    return standardize_sample_or_class_weights(class_weight, output_names, 'class_weight')


def standardize_sample_weights(sample_weight, output_names):
    """``sample_weight`` as one entry per output name (Keras 2's helper)."""
    return standardize_sample_or_class_weights(sample_weight, output_names, 'sample_weight')


def check_array_length_consistency(inputs, targets, weights=None):
    """Every input, target and weight array must have the same number of samples.

    As Keras 2.3: each argument is iterated (a list of arrays; a bare array gives its rows),
    and None, or a None entry, counts as 0 samples, so weights must be given (arrays, as
    ``standardize_weights`` makes them) when targets are.
    """
    def lengths(arrays):
        return {0} if arrays is None else {0 if a is None else int(a.shape[0]) for a in arrays}
    set_x, set_y, set_w = lengths(inputs), lengths(targets), lengths(weights)
    if len(set_x) > 1:
        raise ValueError('All input arrays (x) should have the same number of samples. Got array shapes: %s'
                         % [None if x is None else tuple(x.shape) for x in inputs])
    if len(set_y) > 1:
        raise ValueError('All target arrays (y) should have the same number of samples. Got array shapes: %s'
                         % [None if y is None else tuple(y.shape) for y in targets])
    if set_x and set_y and set_x != set_y:
        raise ValueError('Input arrays should have the same number of samples as target arrays. Found %d input '
                         'samples and %d target samples.' % (min(set_x), min(set_y)))
    if len(set_w) > 1:
        raise ValueError('All sample_weight arrays should have the same number of samples.')
    if set_y and set_w and set_y != set_w:
        raise ValueError('Sample_weight arrays should have the same number of samples as target arrays. Got %d '
                         'input samples and %d target samples.' % (min(set_y), min(set_w)))


def check_generator_arguments(y=None, sample_weight=None, validation_split=None):
    """Refuse arguments that make no sense when the data is a generator or a Sequence."""
    if y is not None:
        raise ValueError('`y` argument is not supported when data is a generator or Sequence instance. Instead '
                         'pass targets as the second element of the generator.')
    if sample_weight is not None:
        raise ValueError('`sample_weight` argument is not supported when data is a generator or Sequence '
                         'instance. Instead pass sample weights as the third element of the generator.')
    if validation_split:
        raise ValueError('If your data is in the form of a Python generator, you cannot use `validation_split`.')


def standardize_weights(y, sample_weight=None, class_weight=None, sample_weight_mode=None):
    """Per-sample weights for targets ``y`` from ``sample_weight`` or ``class_weight``
    (ones when neither is given)."""
    if sample_weight_mode not in (None, 'temporal'):
        raise ValueError('"sample_weight_mode" should be None or "temporal". Found: %r' % (sample_weight_mode,))
    if sample_weight_mode == 'temporal' and len(y.shape) < 3:
        raise ValueError('Found a sample_weight array for an input with shape %s. Timestep-wise sample weighting '
                         '(use of sample_weight_mode="temporal") is restricted to outputs that are at least '
                         '3D, i.e. that have a time dimension.' % (tuple(y.shape),))
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight)
        want = 2 if sample_weight_mode == 'temporal' else 1
        if sample_weight.ndim != want:
            raise ValueError('Found a sample_weight with shape %s. Expected sample_weight with rank %d%s.'
                             % (sample_weight.shape, want, ' (sample_weight_mode="temporal")' if want == 2 else ''))
        if tuple(sample_weight.shape) != tuple(y.shape[:sample_weight.ndim]):
            raise ValueError('Found a sample_weight array with shape %s for an input with shape %s. sample_weight '
                             'cannot be broadcast.' % (sample_weight.shape, tuple(y.shape)))
        return sample_weight
    if isinstance(class_weight, dict):
        if len(y.shape) > 2:
            raise ValueError('`class_weight` not supported for 3+ dimensional targets.')
        from kcore.training.class_weights import class_weights_to_sample_weights
        return class_weights_to_sample_weights(y, class_weight)
    if sample_weight_mode is None:
        return np.ones((y.shape[0],), dtype='float32')
    return np.ones((y.shape[0], y.shape[1]), dtype='float32')


def get_static_batch_size(layer):
    """The batch size fixed by the first input of a built layer or model, else None."""
    shape = getattr(layer, 'batch_input_shape', None) or getattr(layer, '_batch_input_shape', None)
    if shape is None:
        inputs = getattr(layer, 'inputs', None)
        if inputs:
            shape = inputs[0].shape
    return shape[0] if shape else None


def get_input_shape_and_dtype(layer):
    """``(batch_input_shape, dtype)`` of a layer or model's first input, or ``(None, None)``."""
    inputs = getattr(layer, 'inputs', None)
    if inputs:
        t = inputs[0]
        return tuple(t.shape), str(t.dtype)
    shape = getattr(layer, 'batch_input_shape', None) or getattr(layer, '_batch_input_shape', None)
    if shape is not None:
        return tuple(shape), getattr(layer, 'dtype', None)
    return None, None


def get_loss_function(loss):
    """A loss object (or function) from a name, a function or a Loss; None stays None."""
    if loss is None:
        return None
    return _losses.get(loss)


def prepare_loss_weights(output_names, loss_weights=None):
    """One weight per output from None (all 1), a list or a dict by output name."""
    if loss_weights is None:
        return [1.] * len(output_names)
    if isinstance(loss_weights, dict):
        check_for_unexpected_keys('loss_weights', loss_weights, output_names)
        return [loss_weights.get(name, 1.) for name in output_names]
    if isinstance(loss_weights, list):
        if len(loss_weights) != len(output_names):
            raise ValueError('When passing a list as loss_weights, it should have one entry per model output. The '
                             'model has %d outputs, but you passed loss_weights=%s' % (len(output_names), loss_weights))
        return loss_weights
    raise TypeError('Could not interpret loss_weights argument: %r - expected a list of dicts.' % (loss_weights,))


def check_loss_and_target_compatibility(targets, loss_fns, output_shapes):
    """Refuse targets that cannot fit their loss: a one-column target with categorical
    crossentropy, or a target shaped unlike its output for mse/binary/categorical crossentropy.

    Raises:
        ValueError: naming the target's and the output's shapes and the fix.
    """
    key_fns = (_losses.mean_squared_error, _losses.binary_crossentropy,
               _losses.categorical_crossentropy)
    key_classes = (_losses.MeanSquaredError, _losses.BinaryCrossentropy,
                   _losses.CategoricalCrossentropy)
    for y, loss, shape in zip(targets, loss_fns, output_shapes):
        if y is None or loss is None:
            continue
        if _losses.is_categorical_crossentropy(loss) and y.shape[-1] == 1:
            raise ValueError('You are passing a target array of shape %s while using as loss '
                             '`categorical_crossentropy`. `categorical_crossentropy` expects targets to be binary '
                             'matrices (1s and 0s) of shape (samples, classes). If your targets are integer '
                             'classes, convert them with `kcore.utils.to_categorical(y_int)`, or use the loss '
                             '`sparse_categorical_crossentropy`, which expects integer targets.' % (y.shape,))
        wrapped = isinstance(loss, _losses.LossFunctionWrapper)
        if isinstance(loss, key_classes) or (wrapped and loss.fn in key_fns) or loss in key_fns:
            for target_dim, out_dim in zip(y.shape[1:], shape[1:]):
                if out_dim is not None and target_dim != out_dim:
                    name = getattr(loss.fn if wrapped else loss, '__name__', type(loss).__name__)
                    raise ValueError('A target array with shape %s was passed for an output of shape %s while '
                                     'using as loss `%s`. This loss expects targets to have the same shape as '
                                     'the output.' % (y.shape, shape, name))


def weighted_masked_objective(fn):
    """Keras 2's wrapper of a loss function: ``weighted(y_true, y_pred, weights, mask=None)``
    averages ``fn``'s values over the axes past the weights' rank, weights them (the mean over
    the samples of nonzero weight) and masks them; None for ``fn=None``."""
    if fn is None:
        return None

    def weighted(y_true, y_pred, weights, mask=None):
        score = fn(y_true, y_pred)
        if mask is not None:
            mask = _K.cast(mask, _K.floatx() if not hasattr(score, 'dtype') else score.dtype)
            score = score * mask
            score = score / (_K.mean(mask) + _K.epsilon())
        if weights is not None:
            weights = _K.to_tensor(weights)
            axes = list(range(weights.ndim, score.ndim))
            if axes:
                score = _K.mean(score, axis=axes)
            score = score * weights
            nonzero = _K.mean(_K.cast(_K.not_equal(weights, 0), score.dtype))
            score = score / nonzero
        return _K.mean(score)
    weighted.__name__ = getattr(fn, '__name__', 'weighted')
    return weighted


def get_output_sample_weight_and_mode(skip_target_weighing_indices, sample_weight_mode, output_name,
                                      output_index):
    """(the sample weights placeholder, the mode) of one output: ``(None, None)`` for an output
    that takes no weights, a 2-D placeholder and ``'temporal'``, or a 1-D placeholder and None."""
    if output_index in skip_target_weighing_indices:
        return None, None
    if sample_weight_mode == 'temporal':
        return placeholder(ndim=2, name=output_name + '_sample_weights'), 'temporal'
    return placeholder(ndim=1, name=output_name + '_sample_weights'), None


def prepare_sample_weights(output_names, sample_weight_mode, skip_target_weighing_indices):
    """The sample-weight placeholders and modes of every output from ``sample_weight_mode``
    (None, 'temporal', a list or a dict by output name).

    Raises:
        ValueError: for unknown output names or a list of the wrong length.
    """
    if isinstance(sample_weight_mode, collections.abc.Mapping):
        check_for_unexpected_keys('sample_weight_mode', sample_weight_mode, output_names)
        modes = []
        for i, name in enumerate(output_names):
            if i not in skip_target_weighing_indices and name not in sample_weight_mode:
                raise ValueError('Output "%s" missing from sample_weight_modes dictionary' % name)
            modes.append(sample_weight_mode.get(name))
    elif isinstance(sample_weight_mode, (list, tuple)):
        if len(sample_weight_mode) != len(output_names):
            raise ValueError('When passing a list as sample_weight_mode, it should have one entry per model '
                             'output. The model has %d outputs, but you passed %d sample_weight_modes'
                             % (len(output_names), len(sample_weight_mode)))
        modes = list(sample_weight_mode)
    else:
        modes = [sample_weight_mode] * len(output_names)
    pairs = [get_output_sample_weight_and_mode(skip_target_weighing_indices, mode, name, i)
             for i, (name, mode) in enumerate(zip(output_names, modes))]
    return [p for p, _ in pairs], [m for _, m in pairs]


def prepare_loss_functions(loss, output_names):
    """One loss per output from a name, a function, a list or a dict by output name (an output
    missing from the dict gets None, with Keras's warning).

    Raises:
        ValueError: for unknown output names or a list of the wrong length.
    """
    if isinstance(loss, collections.abc.Mapping):
        check_for_unexpected_keys('loss', loss, output_names)
        out = []
        for name in output_names:
            if name not in loss:
                warnings.warn('Output {0} missing from loss dictionary. We assume this was done on purpose. The '
                              'fit and evaluate APIs will not be expecting any data to be passed to {0}.'
                              .format(name))
            out.append(None if loss.get(name) is None else get_loss_function(loss[name]))
        return out
    if isinstance(loss, str):
        return [get_loss_function(loss) for _ in output_names]
    if isinstance(loss, (list, tuple)):
        if len(loss) != len(output_names):
            raise ValueError('When passing a list as loss, it should have one entry per model outputs. The model '
                             'has %d outputs, but you passed loss=%s' % (len(output_names), loss))
        return [get_loss_function(l) for l in loss]
    return [get_loss_function(loss) for _ in output_names]


def collect_per_output_metric_info(metrics, output_names, output_shapes, loss_fns, is_weighted=False):
    """For each output, an ordered ``{metric name: Metric}`` from ``compile``'s ``metrics``
    (a list for every output, or a dict by output name); functions become ``MeanMetricWrapper``s.

    Raises:
        TypeError: for ``metrics`` that is neither a list nor a dict.
    """
    if not metrics:
        return [collections.OrderedDict() for _ in output_names]
    if isinstance(metrics, list):
        nested = [copy.copy(metrics) for _ in output_names]
    elif isinstance(metrics, dict):
        nested = [list(m) if isinstance(m, (list, tuple)) else [m] for m in
                  (metrics.get(name, []) for name in output_names)]
    else:
        raise TypeError('Type of `metrics` argument not understood. Expected a list or dictionary, found: %s'
                        % (metrics,))
    per_output = []
    for i, output_metrics in enumerate(nested):
        named = collections.OrderedDict()
        for metric in output_metrics:
            name = get_metric_name(metric, is_weighted)
            fn = get_metric_function(metric, output_shape=output_shapes[i], loss_fn=loss_fns[i])
            if not isinstance(fn, _metrics.Metric):
                fn = _metrics.MeanMetricWrapper(fn, name=name)
            named[name] = fn
        per_output.append(named)
    return per_output


def get_metric_name(metric, weighted=False):
    """The name a metric is logged under: a string as given in ``compile``, else the metric's
    ``name`` or the function's ``__name__``."""
    if isinstance(metric, str):
        return metric
    metric = _metrics.get(metric)
    return metric.name if hasattr(metric, 'name') else metric.__name__


def get_metric_function(metric, output_shape=None, loss_fn=None):
    """The metric for ``metric``; 'accuracy'/'acc' and 'crossentropy'/'ce' become the binary,
    sparse or categorical variant that fits the output's shape and the loss, as in Keras 2."""
    if metric not in ('accuracy', 'acc', 'crossentropy', 'ce'):
        return _metrics.get(metric)
    wrapped = isinstance(loss_fn, _losses.LossFunctionWrapper)
    sparse = (isinstance(loss_fn, _losses.SparseCategoricalCrossentropy)
              or (wrapped and loss_fn.fn is _losses.sparse_categorical_crossentropy)
              or loss_fn is _losses.sparse_categorical_crossentropy)
    binary = (isinstance(loss_fn, _losses.BinaryCrossentropy)
              or (wrapped and loss_fn.fn is _losses.binary_crossentropy)
              or loss_fn is _losses.binary_crossentropy)
    single = output_shape is not None and output_shape[-1] == 1
    if metric in ('accuracy', 'acc'):
        if single or binary:
            return _metrics.binary_accuracy
        return _metrics.sparse_categorical_accuracy if sparse else _metrics.categorical_accuracy
    if single or binary:
        return _metrics.binary_crossentropy
    return _metrics.sparse_categorical_crossentropy if sparse else _metrics.categorical_crossentropy


def call_metric_function(metric_fn, y_true, y_pred=None, weights=None, mask=None):
    """Update the stateful ``metric_fn`` with a batch (``mask`` multiplies the weights) and
    return its result; without ``y_pred`` the metric takes ``y_true`` alone (a ``Mean``)."""
    if mask is not None:
        mask = _K.as_array(mask).astype(_K.floatx())
        if weights is None:
            weights = mask
        else:
            weights = _K.as_array(weights).astype(_K.floatx())
            while weights.ndim < mask.ndim:
                weights = weights[..., None]
            while mask.ndim < weights.ndim:
                mask = mask[..., None]
            weights = weights * mask
    if y_pred is not None:
        metric_fn.update_state(y_true, y_pred, sample_weight=weights)
    else:
        metric_fn.update_state(y_true, sample_weight=weights)
    return metric_fn.result()


__getattr__ = _legacy_paths.module_getattr(__name__, ('K', 'losses', 'metrics_module', 'generic_utils',
                                                      'losses_utils'))

__all__ = ['make_batches', 'batch_shuffle', 'check_num_samples', 'should_run_validation', 'is_sequence',
           'iter_sequence_infinite', 'is_generator_or_sequence', 'standardize_single_array',
           'standardize_input_data', 'standardize_sample_or_class_weights', 'standardize_class_weights',
           'standardize_sample_weights', 'check_array_length_consistency', 'check_generator_arguments',
           'standardize_weights', 'get_static_batch_size', 'get_input_shape_and_dtype', 'get_loss_function',
           'prepare_loss_weights', 'Sequence', 'check_loss_and_target_compatibility', 'weighted_masked_objective',
           'get_output_sample_weight_and_mode', 'prepare_sample_weights', 'prepare_loss_functions',
           'collect_per_output_metric_info', 'get_metric_name', 'get_metric_function', 'call_metric_function']
