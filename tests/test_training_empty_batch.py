"""An empty batch from a generator is bad data in one process (Keras 2.3's ValueError)."""
import numpy as np
import pytest

from kcore.layers import Dense
from kcore.models import Sequential


def _empty_batches():
    while True:
        yield np.zeros((0, 2), 'float32'), np.zeros((0, 1), 'float32')


def test_empty_batch_raises_in_fit_and_evaluate():
    model = Sequential([Dense(1, input_shape=(2,))])
    model.compile('sgd', 'mse')
    with pytest.raises(ValueError, match='empty batch'):
        model.fit(_empty_batches(), steps_per_epoch=2, verbose=0)
    with pytest.raises(ValueError, match='empty batch'):
        model.evaluate(_empty_batches(), steps=2, verbose=0)
