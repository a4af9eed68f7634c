"""Fixtures for kcore-applications's tests."""
import os

import numpy as np
import pytest

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'fixtures')


@pytest.fixture
def fast_random(monkeypatch):
    """Initial weights from a seeded PCG64 generator in float32 instead of NumPy's global
    state (which draws float64): building VGG16's 138 million weights then takes a
    fraction of a second.  For tests of structure (layers, shapes, parameter counts)."""
    from kcore.runtime import rng
    generator = np.random.default_rng(0)
    monkeypatch.setattr(rng, 'global_generator', lambda: generator)


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    """An empty Keras cache (``$KERAS_HOME``) for the test."""
    monkeypatch.setenv('KERAS_HOME', str(tmp_path / 'keras_home'))
    return tmp_path / 'keras_home'
