"""Keras's small datasets, read from Keras's own cache (``~/.keras/datasets``).

``from kcore.datasets import mnist; (x_train, y_train), (x_test, y_test) = mnist.load_data()``
gives the arrays Keras 2.3 gives: same shapes, dtypes, order and index conventions.
A file already downloaded by Keras is reused. Files holding pickles (imdb,
reuters, CIFAR) are read by :mod:`kcore.datasets.safe_pickle`, which never runs them.
"""
from kcore.datasets import boston_housing, cifar10, cifar100, fashion_mnist, imdb, mnist, reuters  # noqa: F401

__all__ = ['boston_housing', 'cifar10', 'cifar100', 'fashion_mnist', 'imdb', 'mnist', 'reuters']
