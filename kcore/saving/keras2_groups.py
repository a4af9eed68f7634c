"""Keras 2's HDF5 group functions (``keras.engine.saving``): weights and attributes written
into, and read from, an HDF5 group the caller holds open.

They use kcore's own writer and checked reader (``hdf5_weights``, ``h5_reader``):
reading through them follows the same rules as ``load_weights`` (no external
storage or links, numbers only, every array checked before any weight is set, a
file that does not fit is an error, not a half-loaded model).
"""
import numpy as np

from kcore.errors import SavingError, layer_prefix
from kcore.saving import h5_reader, hdf5_weights
from kcore.saving.hdf5_format import _stamp
from kcore.utils.conv_utils import convert_kernel

#: HDF5 object headers hold at most 64 KiB; Keras splits longer attributes into name0, name1, ...
HDF5_OBJECT_HEADER_LIMIT = 64512


def save_attributes_to_hdf5_group(group, name, data):
    """Store the list of strings ``data`` as attribute ``name`` of ``group``, split into
    ``name0``, ``name1``, ... when it is too long for one HDF5 object header.

    Raises:
        ValueError: when one item alone is longer than the header limit.
    """
    too_long = [x for x in data if len(x) > HDF5_OBJECT_HEADER_LIMIT]
    if too_long:
        raise ValueError('The following attributes cannot be saved to HDF5 file because they are larger than '
                         '%d bytes: %s' % (HDF5_OBJECT_HEADER_LIMIT, too_long))
    array = np.asarray([x.encode('utf-8') if isinstance(x, str) else x for x in data])
    chunks = 1
    pieces = np.array_split(array, chunks)
    while any(p.nbytes > HDF5_OBJECT_HEADER_LIMIT for p in pieces):
        chunks += 1
        pieces = np.array_split(array, chunks)
    if chunks > 1:
        for i, piece in enumerate(pieces):
            group.attrs['%s%d' % (name, i)] = piece
    else:
        group.attrs[name] = array


def load_attributes_from_hdf5_group(group, name):
    """The list of strings stored as attribute ``name`` of ``group`` (whole or in chunks),
    read with kcore's checks.

    Raises:
        SavingError: when the attribute is absent or is not a list of names.
    """
    reader = h5_reader.H5Reader.over(group)
    names = reader.name_list_attr(group, name)
    if names is None:
        raise SavingError('%r: group %r has no attribute %r (nor %r0, %r1, ...). Expected a group written by '
                          'save_weights or save_attributes_to_hdf5_group.' % (reader.filepath, group.name, name,
                                                                             name, name))
    return names


def save_weights_to_hdf5_group(group, layers):
    """Write the weights of ``layers`` into ``group`` in Keras's layout (``layer_names``,
    one group per layer with ``weight_names``), as ``save_weights`` does."""
    hdf5_weights.write_layers(group, list(layers), _stamp())


class _LayerList:
    """A list of layers presented as a model to ``hdf5_weights.load_weights``."""

    def __init__(self, layers):
        self.name = 'layers'
        self.layers = list(layers)
        self.weights = [w for layer in self.layers for w in layer.weights]
        self.built = True


def _load(f, layers, by_name, skip_mismatch, reshape):
    group = f
    reader = h5_reader.H5Reader.over(f)
    if not reader.has_attr(group, 'layer_names'):
        group = reader.child(f, 'model_weights', 'group')
        if group is None or not reader.has_attr(group, 'layer_names'):
            raise SavingError('%r holds no weights: neither a "layer_names" attribute nor a "model_weights" group. '
                              'Expected a group written by save_weights_to_hdf5_group or model.save.'
                              % reader.filepath)
    return hdf5_weights.load_weights(reader, group, _LayerList(layers), by_name=by_name, skip_mismatch=skip_mismatch,
                                     reshape=reshape, top_level=False)


def load_weights_from_hdf5_group(f, layers, reshape=False):
    """Load the weights in ``f`` into ``layers``, pairing the saved layers that hold weights
    with the ``layers`` that hold weights, in order (Keras's rule).

    Args:
        f: an open ``h5py.File`` or group (a weights file, or a model file's root).
        layers: the layers to load into.
        reshape: reshape a saved array that has the right number of values but another shape.

    Returns:
        How many arrays were loaded.

    Raises:
        SavingError: when the numbers of layers or weights, or the shapes, do not match.
    """
    return _load(f, layers, False, False, reshape)


def load_weights_from_hdf5_group_by_name(f, layers, skip_mismatch=False, reshape=False):
    """Load the weights in ``f`` into the ``layers`` whose names match a saved layer.

    Args:
        f: an open ``h5py.File`` or group.
        layers: the layers to load into.
        skip_mismatch: warn about and skip layers whose weights do not fit, instead of raising.
        reshape: reshape a saved array that has the right number of values but another shape.

    Returns:
        How many arrays were loaded.

    Raises:
        SavingError: for weights that do not fit, unless ``skip_mismatch``.
    """
    return _load(f, layers, True, skip_mismatch, reshape)


def preprocess_weights_for_loading(layer, weights, original_keras_version=None, original_backend=None,
                                   reshape=False):
    """Saved weight arrays converted for ``layer.set_weights``, as Keras 2 does for files from
    other Keras 2 backends: Theano's flipped convolution kernels are flipped back, the halves
    of a ``Bidirectional`` are converted layer by layer, and with ``reshape`` an array of
    the right size but another shape is reshaped.

    Args:
        layer: the layer the weights are for.
        weights: the saved arrays, in the layer's weight order.
        original_keras_version: the ``keras_version`` the file records.
        original_backend: the ``backend`` the file records ('theano', 'tensorflow', ...).
        reshape: reshape arrays of the right size to the layer's weight shapes.

    Returns:
        A list of NumPy arrays.

    Raises:
        ValueError: for Keras 1 weights, which kcore does not convert.
    """
    if original_keras_version is not None and str(original_keras_version).startswith('1'):
        raise ValueError('%s: the weights come from Keras %s, whose layouts kcore does not convert. Load them in '
                         'Keras 2, save them again, and load that file.' % (layer_prefix(layer),
                                                                            original_keras_version))
    weights = [np.asarray(w) for w in weights]
    if type(layer).__name__ == 'Bidirectional' and hasattr(layer, 'forward_layer'):
        half = len(weights) // 2
        return (preprocess_weights_for_loading(layer.forward_layer, weights[:half], original_keras_version,
                                               original_backend, reshape)
                + preprocess_weights_for_loading(layer.backward_layer, weights[half:], original_keras_version,
                                                 original_backend, reshape))
    if original_backend == 'theano':
        flipped = hdf5_weights.THEANO_FLIPPED.get(type(layer).__name__, 0)
        weights[:flipped] = [convert_kernel(w) for w in weights[:flipped]]
    if reshape:
        wanted = [tuple(w.shape) for w in layer.weights]
        if len(wanted) == len(weights):
            weights = [w.reshape(shape) if w.shape != shape and w.size == int(np.prod(shape)) else w
                       for w, shape in zip(weights, wanted)]
    return weights


__all__ = ['save_attributes_to_hdf5_group', 'load_attributes_from_hdf5_group', 'save_weights_to_hdf5_group',
           'load_weights_from_hdf5_group', 'load_weights_from_hdf5_group_by_name', 'preprocess_weights_for_loading']
