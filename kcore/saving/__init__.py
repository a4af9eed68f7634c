"""Saving and loading models: HDF5 in Keras's legacy layout, atomic writes, safe reads.

    model.save('m.h5')                       # == kcore.saving.save_model(model, 'm.h5')
    model = kcore.saving.load_model('m.h5')  # kcore, Keras 2.x and Keras 3 files
    model.save_weights('w.h5'); model.load_weights('w.h5', by_name=False, skip_mismatch=False)
    kcore.saving.check_savable(model)        # raises now if saving would fail later

Loading never runs code from the file (see ``safety``), and a failed save never
replaces the previous file (see ``atomic``).  ``import kcore`` does not load this
package (models reach it on ``save``/``load_weights``), and h5py loads only when a
file is touched.  ``serialize``/``deserialize`` live in ``kcore.serialization``
(every config-making module uses them); ``kcore.saving.serialization`` names the
same module.
"""
import sys

from kcore import serialization
from kcore.saving.hdf5_format import load_weights, save_weights
from kcore.saving.streams import load_model, save_model
from kcore.saving.savable import check_savable
from kcore.serialization import deserialize, serialize

sys.modules[__name__ + '.serialization'] = serialization  # the old import path

__all__ = ['save_model', 'load_model', 'save_weights', 'load_weights', 'check_savable', 'serialize',
           'deserialize']
