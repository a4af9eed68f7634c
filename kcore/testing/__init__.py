"""Test kit for kcore and plugin authors: gradient checks, layer tests, strategies.

``check_gradients`` and ``layer_test`` are here; the hypothesis strategies are in
``kcore.testing.strategies`` (imported on demand: hypothesis is a test dependency).
"""
from kcore.testing.gradients import check_gradients  # noqa: F401
from kcore.testing.layer_test import layer_test  # noqa: F401

__all__ = ['check_gradients', 'layer_test']
