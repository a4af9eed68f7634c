"""Write the Keras-made HDF5 files that kcore's tests read (tests/fixtures/keras/).

Run it with real Keras, in a virtual environment of its own, never in kcore's
(Keras is not a kcore dependency); see tests/fixtures/keras/README.md for the
exact commands.  The same script serves Keras 3 (any backend; we use torch) and
Keras 2.x (tf.keras); the files are prefixed ``k3_`` or ``k2_``.

For each small model it writes:
  <prefix>_<name>.h5          model.save(...) in the legacy HDF5 layout
  <prefix>_<name>.npz         the inputs (x0, x1, ...), Keras's predictions (y), the training
                              targets (y_train), and after one more train_on_batch(x, y_train)
                              of the saved model its loss (next_loss) and predictions (next_y)
and for Keras 2 also ``<prefix>_<name>_weights.h5`` (save_weights, legacy layout; a
``.weights.h5`` suffix would select the newer layout, the only one Keras 3's
save_weights writes, which kcore does not read).

Every model is trained for a few steps with Adam first, so its weights, moving
statistics and optimizer state are not the initial ones.

kcore-applications's fixtures (Keras applications' layer tables, Keras-written
MobileNet files) need keras_applications and come from
tools/make_keras_application_fixtures.py.
"""
import argparse
import os
import sys

import numpy as np


def _keras():
    import keras
    version = keras.__version__
    if int(version.split('.')[0]) < 3:  # Keras 2.x: tf.keras is the implementation
        from tensorflow import keras as tfk
        return tfk, 2, version
    return keras, 3, version


keras, MAJOR, VERSION = _keras()
L = keras.layers


def mlp():
    model = keras.Sequential([keras.Input(shape=(8,)), L.Dense(16, activation='relu', name='hidden'),
                              L.Dropout(0.3), L.Dense(4, activation='softmax', name='probs')])
    return model, [(32, 8)], (32, 4), 'categorical_crossentropy', ['accuracy']


def functional():
    """Two inputs through one shared Dense, merged, with an Activation layer."""
    a = keras.Input(shape=(6,), name='left')
    b = keras.Input(shape=(6,), name='right')
    shared = L.Dense(5, activation='tanh', name='shared')
    merged = L.Add(name='add')([shared(a), shared(b)])
    out = L.Dense(3, name='logits')(L.Activation('relu', name='act')(merged))
    return keras.Model([a, b], out, name='two_towers'), [(32, 6), (32, 6)], (32, 3), 'mse'


def batchnorm():
    # no bias before BatchNormalization: its gradient is zero up to rounding, which Adam would amplify
    model = keras.Sequential([keras.Input(shape=(5,)), L.Dense(7, use_bias=False, name='dense'),
                              L.BatchNormalization(momentum=0.5, name='bn'), L.Activation('relu'),
                              L.Dense(2, name='out')])
    return model, [(32, 5)], (32, 2), 'mse'


def embedding():
    model = keras.Sequential([keras.Input(shape=(7,), dtype='int32'), L.Embedding(20, 5, name='embed'),
                              L.Flatten(), L.Dense(1, activation='sigmoid', name='out')])
    return model, [(32, 7, 'int', 20)], (32, 1), 'binary_crossentropy'


def cnn():
    model = keras.Sequential([keras.Input(shape=(8, 8, 2)), L.Conv2D(4, 3, activation='relu', name='conv'),
                              L.MaxPooling2D(2), L.Flatten(), L.Dense(3, activation='softmax', name='out')])
    return model, [(32, 8, 8, 2)], (32, 3), 'categorical_crossentropy'


def lstm():
    model = keras.Sequential([keras.Input(shape=(5, 3)), L.LSTM(6, name='lstm'), L.Dense(2, name='out')])
    return model, [(32, 5, 3)], (32, 2), 'mse'


def nested():
    """A Sequential used as a layer inside a functional model."""
    inner = keras.Sequential([keras.Input(shape=(4,)), L.Dense(6, activation='relu', name='inner_dense')],
                             name='inner')
    x = keras.Input(shape=(4,), name='x')
    out = L.Dense(2, name='head')(inner(x))
    return keras.Model(x, out, name='outer'), [(32, 4)], (32, 2), 'mse'


MODELS = {'mlp': mlp, 'functional': functional, 'batchnorm': batchnorm, 'embedding': embedding,
          'cnn': cnn, 'lstm': lstm, 'nested': nested}


def _data(rng, spec):
    if len(spec) == 4 and spec[2] == 'int':
        return rng.randint(0, spec[3], size=spec[:2]).astype('int32')
    return rng.normal(size=spec).astype('float32')


def make(name, folder):
    keras.utils.set_random_seed(0)
    rng = np.random.RandomState(0)
    model, x_specs, y_shape, loss, *metrics = MODELS[name]()
    xs = [_data(rng, s) for s in x_specs]
    y = rng.uniform(size=y_shape).astype('float32')
    if loss == 'categorical_crossentropy':
        y = np.eye(y_shape[1], dtype='float32')[rng.randint(0, y_shape[1], size=y_shape[0])]
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss=loss,
                  metrics=metrics[0] if metrics else None)
    x = xs if len(xs) > 1 else xs[0]
    model.fit(x, y, batch_size=16, epochs=2, verbose=0)
    prefix = os.path.join(folder, 'k%d_%s' % (MAJOR, name))
    model.save(prefix + '.h5')
    if MAJOR == 2:
        model.save_weights(prefix + '_weights.h5')
    pred = model.predict(x, verbose=0)
    # Keras reads back what it wrote (compile=False: Keras 3.15 cannot rebuild the string loss 'mse'
    # from its own legacy HDF5 file; kcore's tests cover the training config)
    again = keras.models.load_model(prefix + '.h5', compile=False)
    np.testing.assert_allclose(again.predict(x, verbose=0), pred, rtol=1e-6, atol=1e-6)
    # one more training step of the saved model: what a loaded model must reproduce
    logs = model.train_on_batch(x, y)
    next_loss = np.float32(logs[0] if isinstance(logs, (list, tuple)) else logs)
    np.savez(prefix + '.npz', y=pred, y_train=y, next_loss=next_loss, next_y=model.predict(x, verbose=0),
             **{'x%d' % i: a for i, a in enumerate(xs)})
    print('wrote %s.h5 (%d bytes)' % (prefix, os.path.getsize(prefix + '.h5')))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('folder', help='where to write (tests/fixtures/keras)')
    parser.add_argument('names', nargs='*', default=sorted(MODELS), help='models to make (default: all)')
    args = parser.parse_args(argv)
    print('Keras %s, backend %s, Python %s' % (VERSION, keras.backend.backend(), sys.version.split()[0]))
    for name in args.names:
        make(name, args.folder)


if __name__ == '__main__':
    main()
