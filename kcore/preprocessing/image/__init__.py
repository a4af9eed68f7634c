"""Image loading and augmentation, as ``keras.preprocessing.image`` (keras_preprocessing 1.1.2).

Needs Pillow and SciPy: ``pip install "kcore[image]"``. The submodules keep
keras_preprocessing's names (``affine_transformations``, ``image_data_generator``,
``iterator``, ``numpy_array_iterator``, ``directory_iterator``, ``dataframe_iterator``,
``utils``). The iterators are :class:`kcore.utils.Sequence` objects, so ``model.fit``
takes them directly (``workers=N`` reads batches on N threads).

Deliberate differences from 1.1.2: an empty class folder tree, a missing directory and an
unreadable image file raise errors naming the folder or file; ``flow(..., subset=...)``
splits ``sample_weight`` with ``x`` and ``y`` (1.1.2 does not); ``flow_from_dataframe``
also takes a plain ``{column: values}`` mapping, so pandas is optional.
"""
from kcore.preprocessing.image._deps import EXTRA_HINT  # noqa: F401  (fails early, naming the extra)
from kcore.preprocessing.image.affine_transformations import (apply_affine_transform, apply_brightness_shift,
                                                              apply_channel_shift, flip_axis, random_brightness,
                                                              random_channel_shift, random_rotation, random_shear,
                                                              random_shift, random_zoom,
                                                              transform_matrix_offset_center)
from kcore.preprocessing.image.dataframe_iterator import DataFrameIterator
from kcore.preprocessing.image.directory_iterator import DirectoryIterator
from kcore.preprocessing.image.image_data_generator import ImageDataGenerator
from kcore.preprocessing.image.iterator import BatchFromFilesMixin, Iterator
from kcore.preprocessing.image.numpy_array_iterator import NumpyArrayIterator
from kcore.preprocessing.image.utils import (ImageFileError, array_to_img, img_to_array, list_pictures, load_img,
                                             save_img, validate_filename)

__all__ = ['ImageDataGenerator', 'Iterator', 'BatchFromFilesMixin', 'NumpyArrayIterator', 'DirectoryIterator',
           'DataFrameIterator', 'ImageFileError', 'array_to_img', 'img_to_array', 'load_img', 'save_img',
           'list_pictures', 'validate_filename', 'flip_axis', 'random_rotation', 'random_shift', 'random_shear',
           'random_zoom', 'apply_channel_shift', 'random_channel_shift', 'apply_brightness_shift',
           'random_brightness', 'transform_matrix_offset_center', 'apply_affine_transform']
