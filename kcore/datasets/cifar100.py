"""CIFAR-100: 50,000 training and 10,000 test 32x32 colour images, 100 fine / 20 coarse classes."""
import os

import numpy as np

from kcore import config
from kcore.datasets.cifar import load_batch
from kcore.utils.data_utils import get_file

ORIGIN = 'https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz'


def load_data(label_mode='fine'):
    """``(x_train, y_train), (x_test, y_test)``: uint8 images ``(n, 32, 32, 3)`` and int64
    labels ``(n, 1)``; ``label_mode`` is ``'fine'`` (100 classes) or ``'coarse'`` (20)."""
    if label_mode not in ['fine', 'coarse']:
        raise ValueError('`label_mode` must be one of `"fine"`, `"coarse"`. Received: label_mode=%r.'
                         % (label_mode,))
    path = get_file('cifar-100-python', origin=ORIGIN, untar=True)
    x_train, y_train = load_batch(os.path.join(path, 'train'), label_key=label_mode + '_labels')
    x_test, y_test = load_batch(os.path.join(path, 'test'), label_key=label_mode + '_labels')
    y_train = np.reshape(y_train, (len(y_train), 1))
    y_test = np.reshape(y_test, (len(y_test), 1))
    if config.image_data_format() == 'channels_last':
        x_train = x_train.transpose(0, 2, 3, 1)
        x_test = x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test, y_test)
