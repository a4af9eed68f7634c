"""Metrics.  Registered metrics (plugins included) resolve by attribute."""
from kcore import _legacy_paths
from kcore import plugins as _plugins
from kcore.training.metrics import (Accuracy, BinaryAccuracy, BinaryCrossentropy,  # noqa: F401
                                    CategoricalAccuracy, CategoricalCrossentropy, Mean, MeanAbsoluteError,
                                    MeanMetricWrapper, MeanSquaredError, Metric, SparseCategoricalAccuracy,
                                    SparseCategoricalCrossentropy, SparseTopKCategoricalAccuracy, Sum,
                                    TopKCategoricalAccuracy, accuracy, binary_accuracy, categorical_accuracy,
                                    get, mean_absolute_error, mean_squared_error, sparse_categorical_accuracy,
                                    sparse_top_k_categorical_accuracy, top_k_categorical_accuracy, Reduce,
                                    clone_metric, clone_metrics, serialize, deserialize)

mse = mean_squared_error
mae = mean_absolute_error


# names Keras 2's keras.metrics imported, and the two base classes of the Keras 2.3 metrics
_EXTRA = {n: _legacy_paths.COMMON[n] for n in ('K', 'Layer', 'serialize_keras_object', 'deserialize_keras_object',
                                                'losses_utils', 'metrics_utils')}
_EXTRA.update(dict.fromkeys(('SensitivitySpecificityBase', 'BaseMeanIoU'), 'kcore.training.keras2_metrics'))
__getattr__ = _plugins.module_getattr('metrics', _EXTRA)
