"""CIFAR-10: 50,000 training and 10,000 test 32x32 colour images in 10 classes."""
import os

import numpy as np

from kcore import config
from kcore.datasets.cifar import load_batch
from kcore.utils.data_utils import get_file

ORIGIN = 'https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz'


def load_data():
    """``(x_train, y_train), (x_test, y_test)``: uint8 images ``(n, 32, 32, 3)`` (``(n, 3, 32,
    32)`` under ``channels_first``), labels ``(n, 1)`` (uint8 for train, int64 for test, as Keras).

    Reads ``~/.keras/datasets/cifar-10-batches-py/`` (``data_batch_1..5``, ``test_batch``).
    Unlike Keras, batches of any size are accepted (Keras assumes 10,000 per batch).
    """
    path = get_file('cifar-10-batches-py', origin=ORIGIN, untar=True)
    parts = [load_batch(os.path.join(path, 'data_batch_%d' % i)) for i in range(1, 6)]
    x_train = np.concatenate([x for x, _ in parts]).astype('uint8', copy=False)
    y_train = np.concatenate([np.asarray(y) for _, y in parts]).astype('uint8')
    x_test, y_test = load_batch(os.path.join(path, 'test_batch'))
    y_train = np.reshape(y_train, (len(y_train), 1))
    y_test = np.reshape(y_test, (len(y_test), 1))
    if config.image_data_format() == 'channels_last':
        x_train = x_train.transpose(0, 2, 3, 1)
        x_test = x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test, y_test)
