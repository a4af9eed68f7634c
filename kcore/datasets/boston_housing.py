"""Boston housing prices: 13 features of 506 Boston suburbs in the 1970s, and the median price."""
import numpy as np

from kcore.datasets.safe_pickle import load_npz
from kcore.utils.data_utils import get_file

ORIGIN = 'https://s3.amazonaws.com/keras-datasets/boston_housing.npz'
# SHA-256 (Keras 2.3's value; get_file tells SHA-256 from MD5 by its length)
FILE_HASH = 'f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5'


def load_data(path='boston_housing.npz', test_split=0.2, seed=113):
    """``(x_train, y_train), (x_test, y_test)``: float64 ``(n, 13)`` and ``(n,)``, shuffled
    with ``seed`` then split at ``int(n * (1 - test_split))`` (Keras's order).

    Keras reseeds NumPy's global generator here; kcore uses its own
    ``RandomState(seed)``, which gives the same order and leaves the global one alone.
    """
    if not 0 <= test_split < 1:
        raise ValueError('boston_housing.load_data: test_split must be in [0, 1). Received: test_split=%r.'
                         % (test_split,))
    path = get_file(path, origin=ORIGIN, file_hash=FILE_HASH)
    f = load_npz(path)
    x, y = f['x'], f['y']
    indices = np.arange(len(x))
    np.random.RandomState(seed).shuffle(indices)
    x, y = x[indices], y[indices]
    cut = int(len(x) * (1 - test_split))
    return (np.array(x[:cut]), np.array(y[:cut])), (np.array(x[cut:]), np.array(y[cut:]))
