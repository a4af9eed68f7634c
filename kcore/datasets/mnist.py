"""MNIST handwritten digits: 60,000 training and 10,000 test images, 28x28 uint8."""
from kcore.datasets.safe_pickle import load_npz
from kcore.utils.data_utils import get_file

ORIGIN = 'https://s3.amazonaws.com/img-datasets/mnist.npz'
FILE_HASH = '8a61469f7ea1b51cbae51d4f78837e45'


def load_data(path='mnist.npz'):
    """``(x_train, y_train), (x_test, y_test)``: uint8 images ``(n, 28, 28)`` and uint8
    labels ``(n,)``. ``path`` is relative to ``~/.keras/datasets``."""
    path = get_file(path, origin=ORIGIN, file_hash=FILE_HASH)
    f = load_npz(path)
    return (f['x_train'], f['y_train']), (f['x_test'], f['y_test'])
