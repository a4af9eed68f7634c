"""Train an MLP on real handwritten digits, offline, with kcore.

The digits are scikit-learn's copy of the UCI optical-recognition set
(1797 images of 8x8 pixels, 10 classes), which ships inside the package, so
nothing is downloaded.  The script follows Keras's classic ``mnist_mlp.py``:
a Dense/Dropout stack, categorical crossentropy on one-hot targets, the
progress bar, then the accuracy on digits held out from training.

    python examples/mnist_mlp.py              # about 40 epochs, a few seconds
    python examples/mnist_mlp.py --epochs 2   # a quick smoke run
"""
import argparse
import sys
import time


def load_digits_split(test_fraction=0.2, seed=0):
    """(x_train, y_train), (x_test, y_test): pixels scaled to [0, 1], a stratified split."""
    try:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split
    except ImportError:
        sys.exit('This demo reads scikit-learn\'s bundled digits. Install it with: pip install scikit-learn '
                 '(or pip install -e ".[demo]").')
    digits = load_digits()
    x = (digits.data / 16.0).astype('float32')
    return train_test_split(x, digits.target, test_size=test_fraction, random_state=seed, stratify=digits.target)


def build_model(num_features, num_classes):
    from kcore.layers import Dense, Dropout
    from kcore.models import Sequential
    return Sequential([
        Dense(256, activation='relu', input_shape=(num_features,)),
        Dropout(0.2),
        Dense(128, activation='relu'),
        Dropout(0.2),
        Dense(num_classes, activation='softmax'),
    ])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--epochs', type=int, default=40, help='training epochs (default 40)')
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--verbose', default='auto', help="1 (bar), 2 (a line per epoch), 0 or 'auto'")
    args = parser.parse_args(argv)

    import kcore
    from kcore.utils import to_categorical
    kcore.utils.set_random_seed(args.seed)
    x_train, x_test, y_train, y_test = load_digits_split()
    num_classes = 10
    print('%d training and %d held-out digits of %d pixels' % (len(x_train), len(x_test), x_train.shape[1]))

    model = build_model(x_train.shape[1], num_classes)
    model.compile(optimizer=kcore.optimizers.Adam(learning_rate=1e-3), loss='categorical_crossentropy',
                  metrics=['accuracy'])
    verbose = args.verbose if args.verbose == 'auto' else int(args.verbose)
    start = time.time()
    model.fit(x_train, to_categorical(y_train, num_classes), batch_size=args.batch_size, epochs=args.epochs,
              validation_split=0.1, verbose=verbose)
    seconds = time.time() - start
    loss, accuracy = model.evaluate(x_test, to_categorical(y_test, num_classes), verbose=0)
    print('Trained in %.1f s. Held-out loss: %.4f  held-out accuracy: %.2f%%' % (seconds, loss, 100 * accuracy))
    return accuracy


if __name__ == '__main__':
    main()
