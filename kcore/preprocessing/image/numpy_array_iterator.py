"""Augmented batches of in-memory images (``ImageDataGenerator.flow``)."""
import warnings

import numpy as np

from kcore.preprocessing.image.iterator import Iterator, _save_batch

__all__ = ['NumpyArrayIterator']


class NumpyArrayIterator(Iterator):
    """Batches of ``x`` (rank 4), transformed by ``image_data_generator``, with ``y`` and
    ``sample_weight`` when given. ``x`` may be ``(images, other_array)`` or ``(images,
    [arrays])``: the other arrays are batched alongside, untransformed."""

    def __init__(self, x, y, image_data_generator, batch_size=32, shuffle=False, sample_weight=None, seed=None,
                 data_format='channels_last', save_to_dir=None, save_prefix='', save_format='png', subset=None,
                 dtype='float32'):
        self.dtype = dtype
        if type(x) is tuple or type(x) is list:
            x_misc = [np.asarray(x[1])] if type(x[1]) is not list else [np.asarray(xx) for xx in x[1]]
            x = x[0]
            for xx in x_misc:
                if len(x) != len(xx):
                    raise ValueError('All of the arrays in `x` should have the same length. Found a pair with: '
                                     'len(x[0]) = %s, len(x[?]) = %s' % (len(x), len(xx)))
        else:
            x_misc = []
        if y is not None and len(x) != len(y):
            raise ValueError('`x` (images tensor) and `y` (labels) should have the same length. Found: x.shape = '
                             '%s, y.shape = %s' % (np.asarray(x).shape, np.asarray(y).shape))
        if sample_weight is not None and len(x) != len(sample_weight):
            raise ValueError('`x` (images tensor) and `sample_weight` should have the same length. Found: x.shape '
                             '= %s, sample_weight.shape = %s' % (np.asarray(x).shape, np.asarray(sample_weight).shape))
        if subset is not None:
            if subset not in {'training', 'validation'}:
                raise ValueError('Invalid subset name: %r; expected "training" or "validation".' % (subset,))
            split_idx = int(len(x) * image_data_generator._validation_split)
            if y is not None and not np.array_equal(np.unique(y[:split_idx]), np.unique(y[split_idx:])):
                raise ValueError('Training and validation subsets have different number of classes after the '
                                 'split. If your numpy arrays are sorted by the label, you might want to shuffle '
                                 'them.')
            part = slice(None, split_idx) if subset == 'validation' else slice(split_idx, None)
            x = x[part]
            x_misc = [np.asarray(xx[part]) for xx in x_misc]
            if y is not None:
                y = y[part]
            if sample_weight is not None:  # keras_preprocessing forgets to split the weights
                sample_weight = sample_weight[part]
        self.x = np.asarray(x, dtype=self.dtype)
        self.x_misc = x_misc
        if self.x.ndim != 4:
            raise ValueError('Input data in `NumpyArrayIterator` should have rank 4 (samples, height, width, '
                             'channels for channels_last). Received: an array with shape %s. Add the missing axis, '
                             'e.g. x[..., np.newaxis] for grayscale images.' % (self.x.shape,))
        channels_axis = 3 if data_format == 'channels_last' else 1
        if self.x.shape[channels_axis] not in {1, 3, 4}:
            warnings.warn('NumpyArrayIterator is set to use the data format convention "' + data_format + '" '
                          '(channels on axis ' + str(channels_axis) + '), i.e. expected either 1, 3, or 4 '
                          'channels on axis ' + str(channels_axis) + '. However, it was passed an array with '
                          'shape ' + str(self.x.shape) + ' (' + str(self.x.shape[channels_axis]) + ' channels).')
        self.y = np.asarray(y) if y is not None else None
        self.sample_weight = np.asarray(sample_weight) if sample_weight is not None else None
        self.image_data_generator = image_data_generator
        self.data_format = data_format
        self.save_to_dir = save_to_dir
        self.save_prefix = save_prefix
        self.save_format = save_format
        super().__init__(self.x.shape[0], batch_size, shuffle, seed)

    def _get_batches_of_transformed_samples(self, index_array):
        batch_x = np.zeros((len(index_array),) + self.x.shape[1:], dtype=self.dtype)
        generator = self.image_data_generator
        for i, j in enumerate(index_array):
            x = self.x[j]
            params = generator.get_random_transform(x.shape)
            x = generator.apply_transform(x.astype(self.dtype), params)
            batch_x[i] = generator.standardize(x)
        if self.save_to_dir:
            _save_batch(batch_x, index_array, self.data_format, self.save_to_dir, self.save_prefix,
                        self.save_format, 10 ** 4)
        miscs = [xx[index_array] for xx in self.x_misc]
        output = (batch_x if not miscs else [batch_x] + miscs,)
        if self.y is None:
            return output[0]
        output += (self.y[index_array],)
        if self.sample_weight is not None:
            output += (self.sample_weight[index_array],)
        return output
