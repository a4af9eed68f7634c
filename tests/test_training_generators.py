"""fit/evaluate/predict fed by generators and Sequences, and Keras 2's *_generator methods."""
import numpy as np
import pytest

import kcore
from kcore.layers import Dense
from kcore.models import Sequential
from kcore.utils import Sequence


def _data(n=32, seed=0):
    rs = np.random.RandomState(seed)
    x = rs.rand(n, 3).astype('float32')
    return x, x.sum(axis=1, keepdims=True)


def _model():
    m = Sequential([Dense(1, input_shape=(3,))])
    m.compile(kcore.optimizers.SGD(learning_rate=0.1), 'mse', metrics=['mae'])
    return m


def _batches(x, y, batch_size=8, weights=None, forever=True):
    while True:
        for i in range(0, len(x), batch_size):
            if weights is None:
                yield x[i:i + batch_size], y[i:i + batch_size]
            else:
                yield x[i:i + batch_size], y[i:i + batch_size], weights[i:i + batch_size]
        if not forever:
            return


class Batches(Sequence):
    def __init__(self, x, y, batch_size=8):
        self.x, self.y, self.batch_size = x, y, batch_size
        self.epochs = 0

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, i):
        s = slice(i * self.batch_size, (i + 1) * self.batch_size)
        return self.x[s], self.y[s]

    def on_epoch_end(self):
        self.epochs += 1


def test_fit_on_a_generator_equals_fit_on_arrays():
    x, y = _data()
    a, b = _model(), _model()
    b.set_weights(a.get_weights())
    ha = a.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    hb = b.fit(_batches(x, y), steps_per_epoch=4, epochs=3, verbose=0)
    np.testing.assert_allclose(ha.history['loss'], hb.history['loss'], rtol=1e-6)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-6)


def test_generator_of_triples_uses_the_sample_weights():
    x, y = _data()
    w = np.zeros(32, 'float32')
    m = _model()
    before = m.get_weights()
    m.fit(_batches(x, y, weights=w), steps_per_epoch=4, epochs=1, verbose=0)
    for b, a in zip(before, m.get_weights()):
        np.testing.assert_array_equal(a, b)  # every weight 0: no gradient


def test_sequence_fit_calls_on_epoch_end_and_validates():
    x, y = _data()
    seq, val = Batches(x, y), Batches(x[:16], y[:16])
    m = _model()
    h = m.fit(seq, epochs=3, validation_data=val, verbose=0, workers=2)
    assert seq.epochs == 3 and val.epochs == 3
    assert len(h.history['val_loss']) == 3
    assert h.history['val_loss'][-1] == pytest.approx(m.evaluate(x[:16], y[:16], verbose=0)[0], rel=1e-6)


def test_keras2_generator_methods():
    x, y = _data()
    m = _model()
    h = m.fit_generator(_batches(x, y), steps_per_epoch=4, epochs=2, verbose=0,
                        validation_data=_batches(x, y), validation_steps=4)
    assert len(h.history['loss']) == 2 and 'val_mae' in h.history
    res = m.evaluate_generator(_batches(x, y), steps=4)
    np.testing.assert_allclose(res, m.evaluate(x, y, verbose=0, batch_size=8), rtol=1e-6)
    pred = m.predict_generator((xb for xb, _ in _batches(x, y, forever=False)), steps=4)
    np.testing.assert_allclose(pred, m.predict(x, verbose=0), rtol=1e-6)
    with pytest.warns(FutureWarning, match='epochs'):
        m.fit_generator(_batches(x, y), steps_per_epoch=1, nb_epoch=1, verbose=0)


def test_predict_on_a_sequence_of_inputs_only():
    x, _ = _data()

    class Inputs(Sequence):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return x[i * 8:(i + 1) * 8]
    m = _model()
    np.testing.assert_allclose(m.predict(Inputs(), verbose=0), m.predict(x, verbose=0), rtol=1e-6)


def test_class_weight_with_a_generator():
    x = np.random.RandomState(0).rand(16, 3).astype('float32')
    y = (x[:, :1] > 0.5).astype('float32')
    a, b = _model(), _model()
    b.set_weights(a.get_weights())
    cw = {0: 0.5, 1: 2.0}
    a.fit(_batches(x, y), steps_per_epoch=2, epochs=1, class_weight=cw, verbose=0)
    b.fit(_batches(x, y, weights=np.where(y[:, 0] > 0, 2.0, 0.5)), steps_per_epoch=2, epochs=1, verbose=0)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-6)


def test_a_generator_without_steps_is_refused_like_keras_2_3():
    # Keras 2.3 refuses a Python generator without steps (it cannot tell where a pass ends);
    # kcore used to read a finite one to its end (issue 19 makes Keras 2.3 the reference)
    x, y = _data()
    m = _model()
    with pytest.raises(ValueError, match='`steps_per_epoch=None` is only valid for a generator based on the '
                                         '`keras.utils.Sequence` class'):
        m.fit(_batches(x, y, forever=False), epochs=3, verbose=0)
    with pytest.raises(ValueError, match='`steps_per_epoch=None`'):
        m.fit_generator(_batches(x, y), epochs=1, verbose=0)
    with pytest.raises(ValueError, match='`steps=None` is only valid'):
        m.evaluate(_batches(x, y), verbose=0)
    with pytest.raises(ValueError, match='Please specify `steps`'):
        m.predict_generator(xb for xb, _ in _batches(x, y))
    with pytest.warns(UserWarning, match='ran out of data after 2 step'):
        h = m.fit(_batches(x[:16], y[:16], forever=False), steps_per_epoch=3, epochs=3, verbose=0)
    assert len(h.history['loss']) == 1


def test_validation_generator_needs_validation_steps():
    x, y = _data()
    with pytest.raises(ValueError, match='validation_steps is required'):
        _model().fit(x, y, validation_data=_batches(x, y), verbose=0)


def test_generator_errors_propagate_from_fit():
    def broken():
        yield _data()[0][:4], _data()[1][:4]
        raise OSError('disk gone')
    with pytest.raises(OSError, match='disk gone'):
        _model().fit(broken(), steps_per_epoch=3, verbose=0)
