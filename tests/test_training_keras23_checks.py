"""Keras 2.3's checks of training data and arguments: an empty batch from a generator is bad
data in one process; compile(target_tensors=) has one tensor per output."""
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


def test_compile_checks_target_tensors_as_keras_2_3():
    from kcore import backend as K
    from kcore.layers import Input
    from kcore.models import Model
    a, b = Input((3,)), Input((3,))
    model = Model([a, b], [Dense(4, name='first')(a), Dense(3, name='second')(b)])
    y, y1, y2 = K.placeholder((None, 4)), K.placeholder((None, 3)), K.placeholder((None, 5))
    with pytest.raises(ValueError, match='one entry per model output'):
        model.compile('rmsprop', 'mse', target_tensors=[y, y1, y2])
    with pytest.raises(ValueError, match="unknown entry.*'nope'"):
        model.compile('rmsprop', 'mse', target_tensors={'nope': y2})
    model.compile('rmsprop', 'mse', target_tensors={'first': y, 'second': y1})
    model.compile('rmsprop', 'mse', target_tensors=[y, y1])
    data = [np.ones((2, 3), 'float32')] * 2
    model.train_on_batch(data, [np.ones((2, 4), 'float32'), np.ones((2, 3), 'float32')])
