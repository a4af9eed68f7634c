"""Test kit for kcore and plugin authors: gradient checks, layer tests, strategies."""
from kcore.testing.gradients import check_gradients  # noqa: F401

__all__ = ['check_gradients']
