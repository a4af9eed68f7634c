"""``ImageDataGenerator``: random augmentation and normalisation of image batches (keras_preprocessing 1.1.2)."""
import warnings

import numpy as np

from kcore.preprocessing.image.affine_transformations import (FILL_MODES, apply_affine_transform,
                                                              apply_brightness_shift, apply_channel_shift, flip_axis)
from kcore.preprocessing.image.dataframe_iterator import DataFrameIterator
from kcore.preprocessing.image.directory_iterator import DirectoryIterator
from kcore.preprocessing.image.numpy_array_iterator import NumpyArrayIterator

__all__ = ['ImageDataGenerator']


def _overrides(flag, by):
    warnings.warn('This ImageDataGenerator specifies `%s`, which overrides setting of `%s`.' % (by, flag))


def _not_fit(what):
    warnings.warn("This ImageDataGenerator specifies `%s`, but it hasn't been fit on any training data. Fit it "
                  "first by calling `.fit(numpy_data)`." % what)


class ImageDataGenerator:
    """Batches of augmented (random rotation, shift, shear, zoom, channel shift, brightness,
    flips) and normalised (rescale, sample- or feature-wise centring and std scaling, ZCA
    whitening) images from arrays (:meth:`flow`), folders (:meth:`flow_from_directory`) or tables
    (:meth:`flow_from_dataframe`).

    The random parameters are drawn from NumPy's global generator in keras_preprocessing's
    order, so with the same seed the same images come out. Shift ranges below 1 are fractions
    of the size, from 1 pixels; an int or list picks among those pixel counts.
    """

    def __init__(self, featurewise_center=False, samplewise_center=False, featurewise_std_normalization=False,
                 samplewise_std_normalization=False, zca_whitening=False, zca_epsilon=1e-6, rotation_range=0,
                 width_shift_range=0., height_shift_range=0., brightness_range=None, shear_range=0., zoom_range=0.,
                 channel_shift_range=0., fill_mode='nearest', cval=0., horizontal_flip=False, vertical_flip=False,
                 rescale=None, preprocessing_function=None, data_format='channels_last', validation_split=0.0,
                 interpolation_order=1, dtype='float32'):
        self.featurewise_center = featurewise_center
        self.samplewise_center = samplewise_center
        self.featurewise_std_normalization = featurewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.zca_whitening = zca_whitening
        self.zca_epsilon = zca_epsilon
        self.rotation_range = rotation_range
        self.width_shift_range = width_shift_range
        self.height_shift_range = height_shift_range
        self.shear_range = shear_range
        self.zoom_range = zoom_range
        self.channel_shift_range = channel_shift_range
        self.fill_mode = fill_mode
        self.cval = cval
        self.horizontal_flip = horizontal_flip
        self.vertical_flip = vertical_flip
        self.rescale = rescale
        self.preprocessing_function = preprocessing_function
        self.dtype = dtype
        self.interpolation_order = interpolation_order
        if data_format is None:
            from kcore import config
            data_format = config.image_data_format()
        if data_format not in {'channels_last', 'channels_first'}:
            raise ValueError('`data_format` should be `"channels_last"` (channel after row and column) or '
                             '`"channels_first"` (channel before row and column). Received: %s' % data_format)
        self.data_format = data_format
        if data_format == 'channels_first':
            self.channel_axis, self.row_axis, self.col_axis = 1, 2, 3
        else:
            self.channel_axis, self.row_axis, self.col_axis = 3, 1, 2
        if validation_split and not 0 < validation_split < 1:
            raise ValueError('`validation_split` must be strictly between 0 and 1.  Received: %s' % validation_split)
        self._validation_split = validation_split
        self.mean = None
        self.std = None
        self.principal_components = None
        if isinstance(zoom_range, (float, int)):
            self.zoom_range = [1 - zoom_range, 1 + zoom_range]
        elif len(zoom_range) == 2 and all(isinstance(val, (float, int)) for val in zoom_range):
            self.zoom_range = [zoom_range[0], zoom_range[1]]
        else:
            raise ValueError('`zoom_range` should be a float or a tuple or list of two floats. Received: %s'
                             % (zoom_range,))
        if fill_mode not in FILL_MODES:
            raise ValueError('`fill_mode` should be one of %s. Received: fill_mode=%r.'
                             % (', '.join(map(repr, FILL_MODES)), fill_mode))
        if zca_whitening:
            if not featurewise_center:
                self.featurewise_center = True
                _overrides('featurewise_center', 'zca_whitening')
            if featurewise_std_normalization:
                self.featurewise_std_normalization = False
                _overrides('featurewise_std_normalization', 'zca_whitening')
        if featurewise_std_normalization and not featurewise_center:
            self.featurewise_center = True
            _overrides('featurewise_center', 'featurewise_std_normalization')
        if samplewise_std_normalization and not samplewise_center:
            self.samplewise_center = True
            _overrides('samplewise_center', 'samplewise_std_normalization')
        if brightness_range is not None:
            if not isinstance(brightness_range, (tuple, list)) or len(brightness_range) != 2:
                raise ValueError('`brightness_range should be tuple or list of two floats. Received: %s'
                                 % (brightness_range,))
        self.brightness_range = brightness_range

    # -- sources ---------------------------------------------------------------------------

    def flow(self, x, y=None, batch_size=32, shuffle=True, sample_weight=None, seed=None, save_to_dir=None,
             save_prefix='', save_format='png', subset=None):
        """Batches of the rank-4 array ``x`` (with ``y`` and ``sample_weight``), augmented."""
        return NumpyArrayIterator(x, y, self, batch_size=batch_size, shuffle=shuffle, sample_weight=sample_weight,
                                  seed=seed, data_format=self.data_format, save_to_dir=save_to_dir,
                                  save_prefix=save_prefix, save_format=save_format, subset=subset, dtype=self.dtype)

    def flow_from_directory(self, directory, target_size=(256, 256), color_mode='rgb', classes=None,
                            class_mode='categorical', batch_size=32, shuffle=True, seed=None, save_to_dir=None,
                            save_prefix='', save_format='png', follow_links=False, subset=None,
                            interpolation='nearest'):
        """Batches of the images in ``directory``'s class folders; see :class:`DirectoryIterator`."""
        return DirectoryIterator(directory, self, target_size=target_size, color_mode=color_mode, classes=classes,
                                 class_mode=class_mode, data_format=self.data_format, batch_size=batch_size,
                                 shuffle=shuffle, seed=seed, save_to_dir=save_to_dir, save_prefix=save_prefix,
                                 save_format=save_format, follow_links=follow_links, subset=subset,
                                 interpolation=interpolation, dtype=self.dtype)

    def flow_from_dataframe(self, dataframe, directory=None, x_col='filename', y_col='class', weight_col=None,
                            target_size=(256, 256), color_mode='rgb', classes=None, class_mode='categorical',
                            batch_size=32, shuffle=True, seed=None, save_to_dir=None, save_prefix='',
                            save_format='png', subset=None, interpolation='nearest', validate_filenames=True,
                            **kwargs):
        """Batches of the images a table lists; see :class:`DataFrameIterator`."""
        if 'has_ext' in kwargs:
            warnings.warn('has_ext is deprecated, filenames in the dataframe have to match the exact filenames '
                          'in disk.', DeprecationWarning)
        if 'sort' in kwargs:
            warnings.warn('sort is deprecated, batches will be created in the same order than the filenames '
                          'provided if shuffle is set to False.', DeprecationWarning)
        if class_mode == 'other':
            warnings.warn('`class_mode` "other" is deprecated, please use `class_mode` "raw".', DeprecationWarning)
            class_mode = 'raw'
        if 'drop_duplicates' in kwargs:
            warnings.warn('drop_duplicates is deprecated, you can drop duplicates by using the '
                          'pandas.DataFrame.drop_duplicates method.', DeprecationWarning)
        return DataFrameIterator(dataframe, directory, self, x_col=x_col, y_col=y_col, weight_col=weight_col,
                                 target_size=target_size, color_mode=color_mode, classes=classes,
                                 class_mode=class_mode, data_format=self.data_format, batch_size=batch_size,
                                 shuffle=shuffle, seed=seed, save_to_dir=save_to_dir, save_prefix=save_prefix,
                                 save_format=save_format, subset=subset, interpolation=interpolation,
                                 validate_filenames=validate_filenames, dtype=self.dtype)

    # -- one image -------------------------------------------------------------------------

    def standardize(self, x):
        """Normalise one image (or a batch), in place where possible: ``preprocessing_function``,
        ``rescale``, then sample-wise and feature-wise centring/scaling and ZCA."""
        if self.preprocessing_function:
            x = self.preprocessing_function(x)
        if self.rescale:
            x *= self.rescale
        if self.samplewise_center:
            x -= np.mean(x, keepdims=True)
        if self.samplewise_std_normalization:
            x /= (np.std(x, keepdims=True) + 1e-6)
        if self.featurewise_center:
            if self.mean is not None:
                x -= self.mean
            else:
                _not_fit('featurewise_center')
        if self.featurewise_std_normalization:
            if self.std is not None:
                x /= (self.std + 1e-6)
            else:
                _not_fit('featurewise_std_normalization')
        if self.zca_whitening:
            if self.principal_components is not None:
                flatx = np.reshape(x, (-1, np.prod(x.shape[-3:])))
                x = np.reshape(np.dot(flatx, self.principal_components), x.shape)
            else:
                _not_fit('zca_whitening')
        return x

    def _shift(self, shift_range, size):
        try:  # an int or a 1-D list: pick one of those pixel counts, either sign
            t = np.random.choice(shift_range)
            t *= np.random.choice([-1, 1])
        except ValueError:  # a float: a uniform fraction
            t = np.random.uniform(-shift_range, shift_range)
        if np.max(shift_range) < 1:
            t *= size
        return t

    def get_random_transform(self, img_shape, seed=None):
        """A dict of random parameters for :meth:`apply_transform` (drawn in keras_preprocessing's order)."""
        if len(img_shape) != 3:
            raise ValueError('get_random_transform: `img_shape` must be the shape of one image (rank 3: rows, '
                             'columns, channels in some order). Received: %r.' % (tuple(img_shape),))
        img_row_axis, img_col_axis = self.row_axis - 1, self.col_axis - 1
        if seed is not None:
            np.random.seed(seed)
        theta = np.random.uniform(-self.rotation_range, self.rotation_range) if self.rotation_range else 0
        tx = self._shift(self.height_shift_range, img_shape[img_row_axis]) if self.height_shift_range else 0
        ty = self._shift(self.width_shift_range, img_shape[img_col_axis]) if self.width_shift_range else 0
        shear = np.random.uniform(-self.shear_range, self.shear_range) if self.shear_range else 0
        if self.zoom_range[0] == 1 and self.zoom_range[1] == 1:
            zx, zy = 1, 1
        else:
            zx, zy = np.random.uniform(self.zoom_range[0], self.zoom_range[1], 2)
        flip_horizontal = (np.random.random() < 0.5) * self.horizontal_flip
        flip_vertical = (np.random.random() < 0.5) * self.vertical_flip
        channel_shift_intensity = None
        if self.channel_shift_range != 0:
            channel_shift_intensity = np.random.uniform(-self.channel_shift_range, self.channel_shift_range)
        brightness = None
        if self.brightness_range is not None:
            brightness = np.random.uniform(self.brightness_range[0], self.brightness_range[1])
        return {'theta': theta, 'tx': tx, 'ty': ty, 'shear': shear, 'zx': zx, 'zy': zy,
                'flip_horizontal': flip_horizontal, 'flip_vertical': flip_vertical,
                'channel_shift_intensity': channel_shift_intensity, 'brightness': brightness}

    def apply_transform(self, x, transform_parameters):
        """Apply the parameters of :meth:`get_random_transform` to one image (rank 3)."""
        x = np.asarray(x)
        if x.ndim != 3:
            raise ValueError('apply_transform: `x` must be one image of rank 3 (%s). Received: an array of shape '
                             '%s. Use flow() for batches.' % (self.data_format, x.shape))
        img_row_axis, img_col_axis = self.row_axis - 1, self.col_axis - 1
        img_channel_axis = self.channel_axis - 1
        p = transform_parameters
        x = apply_affine_transform(x, p.get('theta', 0), p.get('tx', 0), p.get('ty', 0), p.get('shear', 0),
                                   p.get('zx', 1), p.get('zy', 1), row_axis=img_row_axis, col_axis=img_col_axis,
                                   channel_axis=img_channel_axis, fill_mode=self.fill_mode, cval=self.cval,
                                   order=self.interpolation_order)
        if p.get('channel_shift_intensity') is not None:
            x = apply_channel_shift(x, p['channel_shift_intensity'], img_channel_axis)
        if p.get('flip_horizontal', False):
            x = flip_axis(x, img_col_axis)
        if p.get('flip_vertical', False):
            x = flip_axis(x, img_row_axis)
        if p.get('brightness') is not None:
            x = apply_brightness_shift(x, p['brightness'])
        return x

    def random_transform(self, x, seed=None):
        """One image, randomly transformed."""
        return self.apply_transform(x, self.get_random_transform(np.shape(x), seed))

    def fit(self, x, augment=False, rounds=1, seed=None):
        """Compute the feature-wise mean, std and ZCA matrix the settings need, from the rank-4
        sample ``x`` (``augment``: over ``rounds`` randomly transformed copies)."""
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim != 4:
            raise ValueError('Input to `.fit()` should have rank 4. Got array with shape: ' + str(x.shape))
        if x.shape[self.channel_axis] not in {1, 3, 4}:
            warnings.warn('Expected input to be images (as Numpy array) following the data format convention "'
                          + self.data_format + '" (channels on axis ' + str(self.channel_axis) + '), i.e. '
                          'expected either 1, 3 or 4 channels on axis ' + str(self.channel_axis) + '. However, it '
                          'was passed an array with shape ' + str(x.shape) + ' (' + str(x.shape[self.channel_axis])
                          + ' channels).')
        if seed is not None:
            np.random.seed(seed)
        x = np.copy(x)
        if self.rescale:
            x *= self.rescale
        if augment:
            ax = np.zeros(tuple([rounds * x.shape[0]] + list(x.shape)[1:]), dtype=self.dtype)
            for r in range(rounds):
                for i in range(x.shape[0]):
                    ax[i + r * x.shape[0]] = self.random_transform(x[i])
            x = ax
        broadcast_shape = [1, 1, 1]
        broadcast_shape[self.channel_axis - 1] = x.shape[self.channel_axis]
        if self.featurewise_center:
            self.mean = np.reshape(np.mean(x, axis=(0, self.row_axis, self.col_axis)), broadcast_shape)
            x -= self.mean
        if self.featurewise_std_normalization:
            self.std = np.reshape(np.std(x, axis=(0, self.row_axis, self.col_axis)), broadcast_shape)
            x /= (self.std + 1e-6)
        if self.zca_whitening:
            from scipy import linalg
            flat_x = np.reshape(x, (x.shape[0], x.shape[1] * x.shape[2] * x.shape[3]))
            sigma = np.dot(flat_x.T, flat_x) / flat_x.shape[0]
            u, s, _ = linalg.svd(sigma)
            s_inv = 1. / np.sqrt(s[np.newaxis] + self.zca_epsilon)
            self.principal_components = (u * s_inv).dot(u.T)
