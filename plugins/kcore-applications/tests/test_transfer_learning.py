"""Transfer learning as Keras tutorials teach it: freeze the base, train a new head on a
few images, then unfreeze the top of the base and fine-tune with a small learning rate."""
import numpy as np

import kcore
from kcore.applications import mobilenet_v2
from kcore.layers import Dense, GlobalAveragePooling2D


def _images(n=32, size=32, seed=0):
    """Two classes a small network can tell apart: bright squares left or right."""
    rng = np.random.RandomState(seed)
    x = rng.uniform(0, 80, (n, size, size, 3)).astype('float32')
    y = np.arange(n) % 2
    for i in range(n):
        cols = slice(0, size // 2) if y[i] == 0 else slice(size // 2, size)
        x[i, 8:24, cols] += 150
    return mobilenet_v2.preprocess_input(x), kcore.utils.to_categorical(y, 2)


def test_freeze_train_a_head_then_fine_tune():
    np.random.seed(0)
    x, y = _images()
    base = mobilenet_v2.MobileNetV2(weights=None, alpha=0.35, include_top=False, input_shape=(32, 32, 3))
    base.trainable = False
    model = kcore.Sequential([base, GlobalAveragePooling2D(), Dense(2, activation='softmax')])
    model.compile(optimizer=kcore.optimizers.Adam(learning_rate=0.01), loss='categorical_crossentropy',
                  metrics=['accuracy'])
    frozen = [w.copy() for w in base.get_weights()]
    assert len(model.trainable_weights) == 2
    history = model.fit(x, y, epochs=8, batch_size=16, verbose=0)
    assert history.history['loss'][-1] < history.history['loss'][0]
    for before, after in zip(frozen, base.get_weights()):
        np.testing.assert_array_equal(before, after)  # weights and BatchNormalization statistics

    base.trainable = True
    for layer in base.layers[:-10]:
        layer.trainable = False
    model.compile(optimizer=kcore.optimizers.Adam(learning_rate=1e-4), loss='categorical_crossentropy')
    tuned = [l for l in base.layers[-10:] if l.trainable_weights]
    assert tuned and len(model.trainable_weights) == 2 + sum(len(l.trainable_weights) for l in tuned)
    loss_before = model.evaluate(x, y, verbose=0)
    before = [w.copy() for l in tuned for w in l.get_weights()]
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    after = [w for l in tuned for w in l.get_weights()]
    assert all(not np.array_equal(a, b) for a, b in zip(before, after))  # every tuned weight moved
    assert np.isfinite(model.evaluate(x, y, verbose=0)) and np.isfinite(loss_before)
    np.testing.assert_array_equal(frozen[0], base.get_weights()[0])  # the bottom stays frozen
