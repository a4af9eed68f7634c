"""Keras 2's module path ``keras.engine.training_arrays``: the helpers it imported.

Keras 2's ``fit_loop``/``test_loop``/``predict_loop`` drove compiled backend
functions; kcore's ``Trainer`` (``model.fit``/``evaluate``/``predict``) does that
work, so the loops themselves are not provided.
"""
from kcore import _legacy_paths
from kcore.engine.training_utils import (batch_shuffle, check_num_samples, make_batches,  # noqa: F401
                                         should_run_validation)

__getattr__ = _legacy_paths.module_getattr(__name__, ('K', 'cbks', 'Progbar', 'slice_arrays', 'to_list',
                                                      'unpack_singleton'))
