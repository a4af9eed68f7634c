"""Metrics.  Registered metrics (plugins included) resolve by attribute."""
from kcore import plugins as _plugins
from kcore.training.metrics import (Accuracy, BinaryAccuracy, BinaryCrossentropy,  # noqa: F401
                                    CategoricalAccuracy, CategoricalCrossentropy, Mean, MeanAbsoluteError,
                                    MeanMetricWrapper, MeanSquaredError, Metric, SparseCategoricalAccuracy,
                                    SparseCategoricalCrossentropy, SparseTopKCategoricalAccuracy, Sum,
                                    TopKCategoricalAccuracy, accuracy, binary_accuracy, categorical_accuracy,
                                    get, mean_absolute_error, mean_squared_error, sparse_categorical_accuracy,
                                    sparse_top_k_categorical_accuracy, top_k_categorical_accuracy)

mse = mean_squared_error
mae = mean_absolute_error


__getattr__ = _plugins.module_getattr('metrics')
