"""Augmented batches of the image files a table lists (``flow_from_dataframe``).

The table is a pandas ``DataFrame`` or, without pandas, any mapping of column name to a
sequence of values (``{'filename': [...], 'class': [...]}``); kcore needs only its columns.
"""
import os
import warnings

import numpy as np

from kcore.preprocessing.image.iterator import BatchFromFilesMixin, Iterator
from kcore.preprocessing.image.utils import validate_filename

__all__ = ['DataFrameIterator']

_NO_CLASSES = ('input', 'multi_output', 'raw', None)


def _column(table, name):
    try:
        return list(table[name])
    except KeyError:
        raise KeyError('flow_from_dataframe: the table has no column %r. Received columns: %s.'
                       % (name, list(getattr(table, 'columns', table)))) from None


def _values(table, cols, rows):
    """``table[cols].values`` restricted to ``rows`` (positions), as pandas would give it."""
    if hasattr(table, 'iloc'):
        return table[cols].to_numpy()[rows]
    if isinstance(cols, list):
        return np.asarray([[_column(table, c)[r] for c in cols] for r in rows])
    column = _column(table, cols)
    return np.asarray([column[r] for r in rows])


class DataFrameIterator(BatchFromFilesMixin, Iterator):
    """Images named in column ``x_col`` (relative to ``directory``), labelled by ``y_col``.

    ``class_mode``: ``'categorical'`` (labels are strings, or lists of strings for multi-label),
    ``'binary'``/``'sparse'`` (strings), ``'raw'`` (the values of ``y_col``, one or several
    columns), ``'multi_output'`` (one array per column of the list ``y_col``), ``'input'`` or
    ``None``. Rows whose file is missing or not an image are dropped with a warning when
    ``validate_filenames``; ``weight_col`` gives sample weights.
    """
    allowed_class_modes = {'binary', 'categorical', 'input', 'multi_output', 'raw', 'sparse', None}

    def __init__(self, dataframe, directory=None, image_data_generator=None, x_col='filename', y_col='class',
                 weight_col=None, target_size=(256, 256), color_mode='rgb', classes=None, class_mode='categorical',
                 batch_size=32, shuffle=True, seed=None, data_format='channels_last', save_to_dir=None,
                 save_prefix='', save_format='png', subset=None, interpolation='nearest', dtype='float32',
                 validate_filenames=True):
        self.set_processing_attrs(image_data_generator, target_size, color_mode, data_format, save_to_dir,
                                  save_prefix, save_format, subset, interpolation)
        self.directory = directory or ''
        self.class_mode = class_mode
        self.dtype = dtype
        table = dataframe
        filenames = _column(table, x_col)
        self._check_params(table, filenames, x_col, y_col, weight_col, classes)
        rows = list(range(len(filenames)))
        if validate_filenames:
            valid = [r for r in rows if validate_filename(os.path.join(self.directory, filenames[r]),
                                                          self.white_list_formats)]
            if len(valid) != len(rows):
                warnings.warn('Found {} invalid image filename(s) in x_col="{}". These filename(s) will be ignored.'
                              .format(len(rows) - len(valid), x_col))
            rows = valid
        labels = None
        if class_mode not in _NO_CLASSES:
            labels, classes, rows = self._filter_classes(_column(table, y_col), rows, y_col, classes)
            self.class_indices = dict(zip(classes, range(len(classes))))
        if self.split:
            rows = rows[int(self.split[0] * len(rows)):int(self.split[1] * len(rows))]
        if class_mode not in _NO_CLASSES:
            self.classes = self.get_classes([labels[r] for r in rows])
        self.filenames = [filenames[r] for r in rows]
        self._sample_weight = _values(table, weight_col, rows) if weight_col else None
        if class_mode == 'multi_output':
            self._targets = [np.array(_values(table, col, rows).tolist()) for col in y_col]
        if class_mode == 'raw':
            self._targets = _values(table, y_col, rows)
        self.samples = len(self.filenames)
        validated = 'validated' if validate_filenames else 'non-validated'
        if class_mode in _NO_CLASSES:
            print('Found {} {} image filenames.'.format(self.samples, validated))
        else:
            print('Found {} {} image filenames belonging to {} classes.'.format(self.samples, validated,
                                                                                 len(classes)))
        self._filepaths = [os.path.join(self.directory, fname) for fname in self.filenames]
        super().__init__(self.samples, batch_size, shuffle, seed)

    def _check_params(self, table, filenames, x_col, y_col, weight_col, classes):
        if self.class_mode not in self.allowed_class_modes:
            raise ValueError('Invalid class_mode: {}; expected one of: {}'
                             .format(self.class_mode, self.allowed_class_modes))
        if self.class_mode == 'multi_output' and not isinstance(y_col, list):
            raise TypeError('If class_mode="{}", y_col must be a list. Received {}.'
                            .format(self.class_mode, type(y_col).__name__))
        if not all(isinstance(x, str) for x in filenames):
            raise TypeError('All values in column x_col={} must be strings.'.format(x_col))
        if self.class_mode in {'binary', 'sparse'}:
            if not all(isinstance(v, str) for v in _column(table, y_col)):
                raise TypeError('If class_mode="{}", y_col="{}" column values must be strings.'
                                .format(self.class_mode, y_col))
        if self.class_mode == 'binary':
            if classes:
                if len(set(classes)) != 2:
                    raise ValueError('If class_mode="binary" there must be 2 classes. {} class/es were given.'
                                     .format(len(set(classes))))
            else:
                found = len({v for v in _column(table, y_col) if v == v})
                if found != 2:
                    raise ValueError('If class_mode="binary" there must be 2 classes. Found {} classes.'
                                     .format(found))
        if self.class_mode == 'categorical':
            if not all(isinstance(v, (str, list, tuple)) for v in _column(table, y_col)):
                raise TypeError('If class_mode="{}", y_col="{}" column values must be type string, list or tuple.'
                                .format(self.class_mode, y_col))
        if classes and self.class_mode in _NO_CLASSES:
            warnings.warn('`classes` will be ignored given the class_mode="{}"'.format(self.class_mode))
        if weight_col:
            weights = _values(table, weight_col, list(range(len(filenames))))
            if not issubclass(weights.dtype.type, np.number):
                raise TypeError('Column weight_col={} must be numeric.'.format(weight_col))

    def get_classes(self, labels, y_col=None):
        """The class index (or list of indices) of each label."""
        if y_col is not None:  # keras_preprocessing's signature: (dataframe, y_col)
            labels = _column(labels, y_col)
        return [[self.class_indices[lbl] for lbl in label] if isinstance(label, (list, tuple))
                else self.class_indices[label] for label in labels]

    @staticmethod
    def _filter_classes(labels, rows, y_col, classes):
        """Labels restricted to ``classes`` (rows left without one dropped), and the sorted classes."""
        if classes:
            classes = set(classes)
            kept = {}
            for r in rows:
                label = labels[r]
                if isinstance(label, (list, tuple)):
                    label = [c for c in label if c in classes] or None
                elif isinstance(label, str):
                    label = label if label in classes else None
                else:
                    raise TypeError('Expect string, list or tuple but found {} in {} column '
                                    .format(type(label), y_col))
                if label is not None:
                    kept[r] = label
            labels = [kept.get(r) for r in range(len(labels))]
            rows = [r for r in rows if r in kept]
        else:
            classes = set()
            for r in rows:
                v = labels[r]
                classes.update(v) if isinstance(v, (list, tuple)) else classes.add(v)
        return labels, sorted(classes), rows

    @property
    def filepaths(self):
        return self._filepaths

    @property
    def labels(self):
        if self.class_mode in {'multi_output', 'raw'}:
            return self._targets
        return self.classes

    @property
    def sample_weight(self):
        return self._sample_weight
