"""Augmented batches of the images in a folder of class folders (``flow_from_directory``)."""
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from kcore.preprocessing.image.iterator import BatchFromFilesMixin, Iterator
from kcore.preprocessing.image.utils import list_valid_filenames_in_directory

__all__ = ['DirectoryIterator']


class DirectoryIterator(BatchFromFilesMixin, Iterator):
    """Images under ``directory/<class>/`` (sub-folders included, sorted), labelled by class folder.

    ``classes`` lists the class folders to use (default: every sub-folder, sorted); ``class_mode``
    is ``'categorical'`` (one-hot), ``'binary'``/``'sparse'`` (the index), ``'input'`` (the image
    itself) or ``None`` (images only). ``subset`` takes the generator's ``validation_split``
    share of each class (``'validation'``: the first files, ``'training'``: the rest).
    """
    allowed_class_modes = {'categorical', 'binary', 'sparse', 'input', None}

    def __init__(self, directory, image_data_generator, target_size=(256, 256), color_mode='rgb', classes=None,
                 class_mode='categorical', batch_size=32, shuffle=True, seed=None, data_format='channels_last',
                 save_to_dir=None, save_prefix='', save_format='png', follow_links=False, subset=None,
                 interpolation='nearest', dtype='float32'):
        self.set_processing_attrs(image_data_generator, target_size, color_mode, data_format, save_to_dir,
                                  save_prefix, save_format, subset, interpolation)
        self.directory = directory
        self.classes = classes
        if class_mode not in self.allowed_class_modes:
            raise ValueError('Invalid class_mode: {}; expected one of: {}'
                             .format(class_mode, self.allowed_class_modes))
        self.class_mode = class_mode
        self.dtype = dtype
        if not os.path.isdir(directory):
            raise ValueError('flow_from_directory: `directory` %r is not a folder. Expected a folder holding one '
                             'sub-folder of images per class.' % (directory,))
        if not classes:
            classes = [d for d in sorted(os.listdir(directory)) if os.path.isdir(os.path.join(directory, d))]
        self.num_classes = len(classes)
        self.class_indices = dict(zip(classes, range(len(classes))))
        folders = [os.path.join(directory, c) for c in classes]
        with ThreadPoolExecutor(max_workers=min(8, max(1, len(folders)))) as pool:
            listed = list(pool.map(lambda d: list_valid_filenames_in_directory(
                d, self.white_list_formats, self.split, self.class_indices, follow_links), folders))
        self.filenames = [f for _, names in listed for f in names]
        self.samples = len(self.filenames)
        self.classes = np.zeros((self.samples,), dtype='int32')
        i = 0
        for labels, _ in listed:
            self.classes[i:i + len(labels)] = labels
            i += len(labels)
        print('Found %d images belonging to %d classes.' % (self.samples, self.num_classes))
        if self.samples == 0 and not self.split:
            raise ValueError('flow_from_directory: no images found in `directory` %r. Expected one sub-folder per '
                             'class holding files with the extensions %s. Received: %s.'
                             % (directory, ', '.join(self.white_list_formats),
                                'class folders %s' % classes if classes else 'no sub-folders'))
        self._filepaths = [os.path.join(self.directory, fname) for fname in self.filenames]
        super().__init__(self.samples, batch_size, shuffle, seed)

    @property
    def filepaths(self):
        return self._filepaths

    @property
    def labels(self):
        return self.classes

    @property
    def sample_weight(self):
        return None
