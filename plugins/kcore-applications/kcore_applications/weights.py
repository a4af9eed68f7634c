"""The ``weights`` argument of every model: checked, fetched, loaded.

``weights='imagenet'`` downloads Keras's published file through
``kcore.utils.data_utils.get_file`` into Keras's cache (``~/.keras/models``,
or ``$KERAS_HOME/models``), checked against the hash Keras uses, so a file
Keras already downloaded is reused as it is.  Offline, ``get_file``'s error
names the file, its URL and where to put it by hand.  A path loads that
file with ``model.load_weights``: Keras 2 and Keras 3 legacy-layout ``.h5``
files (weights only or a whole saved model), paired by layer position as
Keras does, which is why the models list their layers in Keras's order.
"""
import os

CACHE_SUBDIR = 'models'


def check(weights, include_top, classes):
    """Keras's checks of ``weights`` and ``classes``, before anything is built."""
    if not (weights in ('imagenet', None) or (isinstance(weights, (str, os.PathLike)) and os.path.exists(weights))):
        raise ValueError('The `weights` argument should be either `None` (random initialization), `imagenet` '
                         '(pre-training on ImageNet), or the path to the weights file to be loaded. Received: '
                         'weights=%r%s.' % (weights, ', which is not an existing file'
                                            if isinstance(weights, (str, os.PathLike)) else ''))
    if weights == 'imagenet' and include_top and classes != 1000:
        raise ValueError('If using `weights` as `"imagenet"` with `include_top` as true, `classes` should be '
                         '1000. Received: classes=%r. Pass include_top=False and add your own classifier.'
                         % (classes,))


def fetch(fname, origin, file_hash=None):
    """The local path of Keras's file ``fname`` (downloaded from ``origin`` once, then cached)."""
    from kcore.utils.data_utils import get_file
    return get_file(fname, origin, cache_subdir=CACHE_SUBDIR, file_hash=file_hash)


def load(model, weights, imagenet_file=None):
    """Load ``weights`` into ``model``: None (nothing), ``'imagenet'`` (``imagenet_file``
    is ``(fname, origin, file_hash)``) or a file path.  Returns ``model``."""
    if weights is None:
        return model
    if weights == 'imagenet':
        if imagenet_file is None:
            raise ValueError('Model %r: Keras publishes no ImageNet weights for this configuration. Use '
                             'weights=None, or the path of a weights file.' % model.name)
        weights = fetch(*imagenet_file)
    model.load_weights(os.fspath(weights))
    return model


def saved_layer_names(path):
    """The layer names a Keras or kcore weights/model file lists (read through kcore's
    checked HDF5 reader; nothing else is read)."""
    from kcore.saving.h5_reader import H5Reader
    with H5Reader(os.fspath(path)) as reader:
        group = reader.root
        if not reader.has_attr(group, 'layer_names'):
            group = reader.child(group, 'model_weights', 'group')
            if group is None:
                return []
        return list(reader.name_list_attr(group, 'layer_names') or [])
