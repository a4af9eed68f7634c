"""Keras 2's ``keras.engine.training_utils``: the data-checking helpers that Keras 2 scripts
and tests call directly.  kcore's own training loop (``kcore.training``) does not use them;
they are kept here with Keras 2's behaviour for code that does.
"""
import inspect

import numpy as np

from kcore import _legacy_paths
from kcore.training.data import Sequence


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
    """Every input, target and weight array must have the same number of samples."""
    def lengths(arrays):
        return {int(a.shape[0]) for a in arrays or () if a is not None and hasattr(a, 'shape')}
    set_x, set_y, set_w = lengths(inputs), lengths(targets), lengths(weights)
    if len(set_x) > 1:
        raise ValueError('All input arrays (x) should have the same number of samples. Got array shapes: %s'
                         % [tuple(x.shape) for x in inputs])
    if len(set_y) > 1:
        raise ValueError('All target arrays (y) should have the same number of samples. Got array shapes: %s'
                         % [tuple(y.shape) for y in targets])
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
    """A loss object (or function) from a name, a function or a Loss."""
    from kcore.losses import get
    return get(loss)


def prepare_loss_weights(output_names, loss_weights=None):
    """One weight per output from None (all 1), a list or a dict by output name."""
    if loss_weights is None:
        return [1.] * len(output_names)
    if isinstance(loss_weights, dict):
        unknown = set(loss_weights) - set(output_names)
        if unknown:
            raise ValueError('Unknown entries in loss_weights dictionary: %s. Only expected the following keys: %s'
                             % (sorted(unknown), output_names))
        return [loss_weights.get(name, 1.) for name in output_names]
    if isinstance(loss_weights, list):
        if len(loss_weights) != len(output_names):
            raise ValueError('When passing a list as loss_weights, it should have one entry per model output. The '
                             'model has %d outputs, but you passed loss_weights=%s' % (len(output_names), loss_weights))
        return loss_weights
    raise TypeError('Could not interpret loss_weights argument: %r - expected a list of dicts.' % (loss_weights,))


__getattr__ = _legacy_paths.module_getattr(__name__, ('K', 'losses', 'metrics_module', 'generic_utils',
                                                      'losses_utils'))

__all__ = ['make_batches', 'batch_shuffle', 'check_num_samples', 'should_run_validation', 'is_sequence',
           'iter_sequence_infinite', 'is_generator_or_sequence', 'standardize_single_array',
           'standardize_input_data', 'standardize_sample_or_class_weights', 'standardize_class_weights',
           'standardize_sample_weights', 'check_array_length_consistency', 'check_generator_arguments',
           'standardize_weights', 'get_static_batch_size', 'get_input_shape_and_dtype', 'get_loss_function',
           'prepare_loss_weights', 'Sequence']
