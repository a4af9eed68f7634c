"""Fashion-MNIST: Zalando's 28x28 grey article images in 10 classes, as four gzipped IDX files."""
import gzip
import os

import numpy as np

from kcore.utils.data_utils import get_file

BASE = 'https://storage.googleapis.com/tensorflow/tf-keras-datasets/'
FILES = ['train-labels-idx1-ubyte.gz', 'train-images-idx3-ubyte.gz',
         't10k-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz']
#: a bound on what one gz file may decompress to (the real image file is 47 MB)
MAX_BYTES = 1 << 30


def _read(path, offset):
    with gzip.open(path, 'rb') as f:
        data = f.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES or len(data) < offset:
        raise ValueError('fashion_mnist: %s is not an IDX file of the expected size. Delete it and '
                         'download it again.' % path)
    return np.frombuffer(data, np.uint8, offset=offset)


def load_data():
    """``(x_train, y_train), (x_test, y_test)``: uint8 images ``(n, 28, 28)`` and uint8 labels
    ``(n,)``, from ``~/.keras/datasets/fashion-mnist/``."""
    dirname = os.path.join('datasets', 'fashion-mnist')
    paths = [get_file(fname, origin=BASE + fname, cache_subdir=dirname) for fname in FILES]
    y_train = _read(paths[0], 8)
    x_train = _read(paths[1], 16).reshape(len(y_train), 28, 28)
    y_test = _read(paths[2], 8)
    x_test = _read(paths[3], 16).reshape(len(y_test), 28, 28)
    return (x_train, y_train), (x_test, y_test)
