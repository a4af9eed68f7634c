"""Wrappers that let other libraries use kcore models (``kcore.wrappers.scikit_learn``)."""
from kcore.wrappers import scikit_learn  # noqa: F401

__all__ = ['scikit_learn']
