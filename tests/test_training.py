"""compile / fit / evaluate / predict: arguments, log names, multi-output models and errors."""
import gc

import numpy as np
import pytest

import kcore
import kcore.backend as K
from kcore.autodiff.tensor import Node
from kcore.errors import NotCompiledError, ShapeError, UnknownNameError
from kcore.layers import Dense, Input, concatenate
from kcore.models import Model, Sequential
from kcore.training.metrics import binary_accuracy, categorical_accuracy, sparse_categorical_accuracy


def _regression(n=32, seed=0):
    rs = np.random.RandomState(seed)
    x = rs.rand(n, 3).astype('float32')
    return x, (x @ np.array([[1.], [-2.], [0.5]], 'float32'))


def _mlp(units=1, activation=None, hidden=8):
    return Sequential([Dense(hidden, activation='relu', input_shape=(3,)), Dense(units, activation=activation)])


def _classification(n=60, classes=3, seed=0):
    rs = np.random.RandomState(seed)
    x = rs.rand(n, 3).astype('float32')
    labels = np.argmax((x - 0.5) @ rs.randn(3, classes), axis=1)
    return x, labels


# -- compile ------------------------------------------------------------------------------------------
def test_compile_accepts_names_instances_and_functions():
    x, y = _regression()

    def my_loss(y_true, y_pred):
        return K.mean(K.square(y_pred - y_true), axis=-1)

    def mean_pred(y_true, y_pred):
        return K.mean(y_pred)
    cases = (('sgd', 'mse'), (kcore.optimizers.Adam(learning_rate=0.01), kcore.losses.MeanSquaredError()),
             ('adam', my_loss))
    for optimizer, loss in cases:
        m = _mlp()
        m.compile(optimizer=optimizer, loss=loss, metrics=['mae', mean_pred])
        assert m.metrics_names == ['loss', 'mae', 'mean_pred']
        loss_value, mae, mp = m.evaluate(x, y, verbose=0, batch_size=32)
        p = m.predict(x, verbose=0)
        assert loss_value == pytest.approx(float(np.mean((p - y) ** 2)), rel=1e-5)
        assert mae == pytest.approx(float(np.mean(np.abs(p - y))), rel=1e-5)
        assert mp == pytest.approx(float(p.mean()), rel=1e-5)


@pytest.mark.parametrize('kind,value,close', [('optimizer', 'adamm', 'adam'), ('loss', 'mean_squared_eror',
                                                                               'mean_squared_error'),
                                              ('metrics', ['acuracy'], 'accuracy')])
def test_unknown_names_fail_at_compile_with_close_matches(kind, value, close):
    args = {'optimizer': 'sgd', 'loss': 'mse'}
    args[kind] = value
    with pytest.raises(UnknownNameError, match="Did you mean.*'%s'" % close):
        _mlp().compile(**args)


def test_compile_needs_a_loss():
    with pytest.raises(ValueError, match='needs a loss'):
        _mlp().compile('sgd')


@pytest.mark.parametrize('loss,units,targets,expected_fn', [
    ('binary_crossentropy', 3, 'multi_hot', binary_accuracy),          # Keras 2: binary whatever the width
    ('categorical_crossentropy', 3, 'one_hot', categorical_accuracy),
    ('sparse_categorical_crossentropy', 3, 'labels', sparse_categorical_accuracy),
    ('mse', 1, 'binary', binary_accuracy),                              # a single unit: binary
])
def test_accuracy_is_resolved_by_the_loss_as_in_keras2(loss, units, targets, expected_fn):
    x, labels = _classification(classes=units if units > 1 else 2)
    y = {'multi_hot': np.eye(3, dtype='float32')[labels], 'one_hot': np.eye(3, dtype='float32')[labels],
         'labels': labels, 'binary': labels[:, None].astype('float32')}[targets]
    m = _mlp(units, 'softmax' if units > 1 else 'sigmoid')
    for name in ('accuracy', 'acc'):
        m.compile('sgd', loss, metrics=[name])
        logs = m.evaluate(x, y, verbose=0, return_dict=True, batch_size=60)
        assert list(logs) == ['loss', name]
        expected = float(np.mean(np.asarray(expected_fn(y, m.predict(x, verbose=0)))))
        assert logs[name] == pytest.approx(expected)


def test_accuracy_with_a_custom_loss_and_integer_targets_falls_back_to_sparse():
    x, labels = _classification()

    def my_sparse_loss(y_true, y_pred):
        return kcore.losses.sparse_categorical_crossentropy(y_true, y_pred)
    m = _mlp(3, 'softmax')
    m.compile('sgd', my_sparse_loss, metrics=['accuracy'])
    acc = m.evaluate(x, labels, verbose=0)[1]
    assert acc == pytest.approx(float(np.mean(m.predict(x, verbose=0).argmax(1) == labels)))


# -- errors --------------------------------------------------------------------------------------------
def test_fit_evaluate_before_compile():
    x, y = _regression()
    for call in (lambda m: m.fit(x, y), lambda m: m.evaluate(x, y), lambda m: m.train_on_batch(x, y)):
        with pytest.raises(NotCompiledError, match=r"compile\(\) the model before"):
            call(_mlp())


def test_x_and_y_of_different_lengths():
    x, y = _regression()
    m = _mlp()
    m.compile('sgd', 'mse')
    with pytest.raises(ValueError, match='x with 32 samples, y with 31 samples'):
        m.fit(x, y[:-1], verbose=0)
    with pytest.raises(ValueError, match='same number of samples'):
        m.train_on_batch(x, y[:-1])


def test_integer_labels_with_categorical_crossentropy_suggest_the_fix():
    x, labels = _classification()
    m = _mlp(3, 'softmax')
    m.compile('sgd', 'categorical_crossentropy')
    for y in (labels, labels[:, None]):
        with pytest.raises(ShapeError, match="sparse_categorical_crossentropy.*to_categorical"):
            m.fit(x, y, verbose=0)


def test_output_target_shape_mismatch():
    x, _ = _regression()
    m = _mlp(2)
    m.compile('sgd', 'mse')
    with pytest.raises(ShapeError, match=r"has shape \(None, 2\) but its targets have shape \(32, 3\)"):
        m.fit(x, np.zeros((32, 3)), verbose=0, batch_size=32)


def test_unexpected_arguments_are_named():
    x, y = _regression()
    m = _mlp()
    m.compile('sgd', 'mse')
    with pytest.raises(TypeError, match='epoch_count'):
        m.fit(x, y, epoch_count=3)
    with pytest.raises(ValueError, match='validation_freq'):
        m.fit(x, y, validation_data=(x, y), validation_freq=0, verbose=0)
    with pytest.raises(ValueError, match='batch_size'):
        m.fit(x, y, batch_size=0)
    with pytest.raises(ValueError, match='validation_data'):
        m.fit(x, y, validation_data=x, verbose=0)


# -- fit ------------------------------------------------------------------------------------------------------
def test_fit_learns_and_returns_history():
    x, y = _regression(128)
    m = _mlp()
    m.compile(kcore.optimizers.Adam(learning_rate=0.02), 'mse')
    before = m.evaluate(x, y, verbose=0)
    h = m.fit(x, y, epochs=15, batch_size=16, verbose=0)
    assert isinstance(h, kcore.callbacks.History)
    assert len(h.history['loss']) == 15 and h.history['loss'][-1] < h.history['loss'][0]
    assert m.evaluate(x, y, verbose=0) < 0.2 * before


def test_legacy_nb_epoch_warns_and_works():
    x, y = _regression()
    m = _mlp()
    m.compile('sgd', 'mse')
    with pytest.warns(FutureWarning, match='epochs'):
        h = m.fit(x, y, nb_epoch=2, verbose=0)
    assert len(h.history['loss']) == 2


def test_reported_loss_is_the_sample_weighted_epoch_mean():
    x, y = _regression(10)
    m = _mlp()
    m.compile(kcore.optimizers.SGD(learning_rate=0.0), 'mse')  # no update: every batch sees the same weights
    h = m.fit(x, y, batch_size=4, epochs=1, verbose=0, shuffle=False)
    p = m.predict(x, verbose=0)
    assert h.history['loss'][0] == pytest.approx(float(np.mean((p - y) ** 2)), rel=1e-5)


def test_shuffle_and_batches_seen_by_train_step():
    seen = []

    class Recording(Model):
        def __init__(self):
            super().__init__()
            self.dense = Dense(1)

        def call(self, inputs):
            return self.dense(inputs)

        def train_step(self, data):
            seen.append(np.asarray(data[0])[:, 0].copy())
            return super().train_step(data)
    x = np.arange(10, dtype='float32')[:, None]
    m = Recording()
    m.compile('sgd', 'mse')
    m.fit(x, x, batch_size=4, shuffle=False, epochs=1, verbose=0)
    assert [s.tolist() for s in seen] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    seen.clear()
    kcore.utils.set_random_seed(3)
    m.fit(x, x, batch_size=4, epochs=2, verbose=0)
    first, second = np.concatenate(seen[:3]), np.concatenate(seen[3:])
    assert sorted(first.tolist()) == list(range(10)) and sorted(second.tolist()) == list(range(10))
    assert first.tolist() != list(range(10)) and first.tolist() != second.tolist()
    seen.clear()
    m.fit(x, x, batch_size=4, steps_per_epoch=4, shuffle=False, epochs=1, verbose=0)
    assert [s.tolist() for s in seen] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9], [0, 1, 2, 3]]


def test_validation_split_takes_the_last_samples_before_shuffling():
    x, y = _regression(40)
    m = _mlp()
    m.compile('sgd', 'mse', metrics=['mae'])
    h = m.fit(x, y, epochs=1, validation_split=0.25, verbose=0)
    assert set(h.history) == {'loss', 'mae', 'val_loss', 'val_mae'}
    val_loss, val_mae = m.evaluate(x[30:], y[30:], verbose=0)
    assert h.history['val_loss'][0] == pytest.approx(val_loss, rel=1e-6)
    assert h.history['val_mae'][0] == pytest.approx(val_mae, rel=1e-6)
    with pytest.raises(ValueError, match='validation_split'):
        m.fit(x, y, validation_split=1.5, verbose=0)


def test_validation_data_with_weights_freq_and_steps():
    x, y = _regression(40)
    w = np.linspace(0, 1, 40).astype('float32')
    m = _mlp()
    m.compile(kcore.optimizers.SGD(learning_rate=0.0), 'mse', weighted_metrics=['mse'])
    h = m.fit(x, y, epochs=4, validation_data=(x, y, w), validation_freq=2, verbose=0)
    assert len(h.history['loss']) == 4 and len(h.history['val_loss']) == 2
    p = m.predict(x, verbose=0)[:, 0]
    err = (p - y[:, 0]) ** 2
    # the loss weighs each sample and divides by the count; the weighted metric divides by the weight sum
    assert h.history['val_loss'][-1] == pytest.approx(float(np.mean(err * w)), rel=1e-5)
    assert h.history['val_mse'][-1] == pytest.approx(float(np.sum(err * w) / np.sum(w)), rel=1e-5)
    h = m.fit(x, y, epochs=3, validation_data=(x, y), validation_freq=[1, 3], verbose=0)
    assert len(h.history['val_loss']) == 2
    h = m.fit(x, y, epochs=1, validation_data=(x, y), validation_steps=1, validation_batch_size=8, verbose=0)
    assert h.history['val_loss'][0] == pytest.approx(float(np.mean(err[:8])), rel=1e-5)  # one batch of 8


def test_class_weight_equals_the_matching_sample_weight():
    x, labels = _classification()
    cw = {0: 1.0, 1: 3.0, 2: 0.5}
    a, b = _mlp(3, 'softmax'), _mlp(3, 'softmax')
    b.set_weights(a.get_weights())
    for m in (a, b):
        m.compile('sgd', 'sparse_categorical_crossentropy')
    ha = a.fit(x, labels, class_weight=cw, epochs=2, shuffle=False, verbose=0)
    hb = b.fit(x, labels, sample_weight=np.array([cw[c] for c in labels]), epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(ha.history['loss'], hb.history['loss'], rtol=1e-6)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-6)
    with pytest.raises(ValueError, match=r'no entry for class\(es\) \[2\]'):
        a.fit(x, labels, class_weight={0: 1.0, 1: 1.0}, verbose=0)


def test_initial_epoch_and_steps_per_epoch():
    x, y = _regression()
    m = _mlp()
    m.compile('sgd', 'mse')
    h = m.fit(x, y, initial_epoch=2, epochs=5, verbose=0, steps_per_epoch=3, batch_size=4)
    assert h.epoch == [2, 3, 4]
    assert m.optimizer.iterations == 9


# -- single batches, metrics state ------------------------------------------------------------------------
def test_on_batch_methods_and_metric_accumulation():
    x, y = _regression(8)
    m = _mlp()
    m.compile(kcore.optimizers.SGD(learning_rate=0.0), 'mse', metrics=['mae'])
    loss, mae = m.train_on_batch(x, y)
    p = m.predict_on_batch(x)
    assert isinstance(p, np.ndarray) and p.shape == (8, 1)
    assert loss == pytest.approx(float(np.mean((p - y) ** 2)), rel=1e-5)
    assert m.test_on_batch(x, y, return_dict=True) == pytest.approx({'loss': loss, 'mae': mae})
    # reset_metrics=False keeps a running mean over calls
    m.test_on_batch(x[:4], y[:4])
    acc = m.test_on_batch(x[4:], y[4:], reset_metrics=False)
    assert acc[0] == pytest.approx(loss, rel=1e-5)
    m.reset_metrics()
    assert all(v == 0 for v in m._logs().values())


def test_stop_training_attribute():
    x, y = _regression()

    class StopAfterOneStep(Model):
        def __init__(self):
            super().__init__()
            self.dense = Dense(1)

        def call(self, inputs):
            return self.dense(inputs)

        def train_step(self, data):
            logs = super().train_step(data)
            self.stop_training = True
            return logs
    m = StopAfterOneStep()
    m.compile('sgd', 'mse')
    h = m.fit(x, y, epochs=3, batch_size=4, verbose=0)
    assert len(h.history['loss']) == 1 and m.optimizer.iterations == 1


def test_evaluate_returns_scalar_list_or_dict_and_predict_batches():
    x, y = _regression(10)
    m = _mlp()
    m.compile('sgd', 'mse')
    assert isinstance(m.evaluate(x, y, verbose=0), float)
    m.compile('sgd', 'mse', metrics=['mae'])
    assert m.evaluate(x, y, verbose=0, return_dict=True).keys() == {'loss', 'mae'}
    np.testing.assert_allclose(m.predict(x, batch_size=3, verbose=0), m.predict(x, batch_size=10, verbose=0),
                               rtol=1e-6)


# -- multi-input / multi-output -------------------------------------------------------------------------
def _two_outputs():
    a, b = Input((4,), name='a'), Input((3,), name='b')
    h = Dense(8, activation='relu')(concatenate([a, b]))
    return Model([a, b], [Dense(1, name='reg')(h), Dense(3, activation='softmax', name='cls')(h)])


def _two_output_data(n=20, seed=0):
    rs = np.random.RandomState(seed)
    return (rs.rand(n, 4).astype('float32'), rs.rand(n, 3).astype('float32'),
            rs.rand(n, 1).astype('float32'), rs.randint(0, 3, n))


def test_multi_output_log_names_loss_weights_and_dict_data():
    xa, xb, yr, yc = _two_output_data()
    m = _two_outputs()
    m.compile('sgd', loss={'reg': 'mse', 'cls': 'sparse_categorical_crossentropy'},
              loss_weights={'reg': 2.0, 'cls': 0.5}, metrics={'cls': ['acc'], 'reg': ['mae']},
              weighted_metrics={'reg': ['mae']})
    assert m.metrics_names == ['loss', 'reg_loss', 'cls_loss', 'reg_mae', 'reg_weighted_mae', 'cls_acc']
    res = m.evaluate({'a': xa, 'b': xb}, {'reg': yr, 'cls': yc}, verbose=0, batch_size=20)
    logs = dict(zip(m.metrics_names, res))
    assert logs['loss'] == pytest.approx(2.0 * logs['reg_loss'] + 0.5 * logs['cls_loss'], rel=1e-5)
    pr, pc = m.predict({'a': xa, 'b': xb}, verbose=0)
    assert logs['reg_loss'] == pytest.approx(float(np.mean((pr - yr) ** 2)), rel=1e-5)
    assert logs['cls_loss'] == pytest.approx(float(np.mean(-np.log(pc[np.arange(20), yc]))), rel=1e-4)
    assert logs['cls_acc'] == pytest.approx(float(np.mean(pc.argmax(1) == yc)))
    # lists in input/output order give the same
    assert m.evaluate([xa, xb], [yr, yc], verbose=0, batch_size=20) == pytest.approx(res)
    h = m.fit({'a': xa, 'b': xb}, {'reg': yr, 'cls': yc}, epochs=2, verbose=0)
    assert list(h.history) == m.metrics_names


def test_multi_output_list_losses_and_weighted_metric_prefix():
    xa, xb, yr, yc = _two_output_data()
    m = _two_outputs()
    m.compile('sgd', loss=['mse', 'sparse_categorical_crossentropy'], loss_weights=[1.0, 0.0],
              metrics=[['mse'], []], weighted_metrics=[['mse'], []])
    assert m.metrics_names == ['loss', 'reg_loss', 'cls_loss', 'reg_mse', 'reg_weighted_mse']
    w = np.linspace(0.1, 1, 20).astype('float32')
    logs = m.evaluate([xa, xb], [yr, yc], sample_weight=[w, np.ones(20)], verbose=0, return_dict=True,
                      batch_size=20)
    err = (m.predict([xa, xb], verbose=0)[0][:, 0] - yr[:, 0]) ** 2
    assert logs['reg_weighted_mse'] == pytest.approx(float((err * w).sum() / w.sum()), rel=1e-5)
    assert logs['reg_mse'] == pytest.approx(float(err.mean()), rel=1e-5)
    assert logs['loss'] == pytest.approx(logs['reg_loss'], rel=1e-5)  # loss weight 0 for 'cls'


def test_multi_output_errors():
    xa, xb, yr, yc = _two_output_data()
    m = _two_outputs()
    with pytest.raises(ValueError, match='one loss per output'):
        m.compile('sgd', loss=['mse'])
    with pytest.raises(ValueError, match=r"unknown output\(s\) \['clz'\]"):
        m.compile('sgd', loss={'reg': 'mse', 'clz': 'mse'})
    m.compile('sgd', loss=['mse', 'sparse_categorical_crossentropy'])
    with pytest.raises(ValueError, match='2 outputs'):
        m.fit([xa, xb], yr, verbose=0)
    with pytest.raises(ValueError, match='single output'):
        m.fit([xa, xb], [yr, yc], class_weight={0: 1.0}, verbose=0)


def test_one_metric_instance_for_several_outputs_keeps_separate_state():
    m = _two_outputs()
    m.compile('sgd', loss=['mse', 'mse'], metrics=[kcore.metrics.MeanAbsoluteError()])
    objs = m.compiled_metrics.metric_objects()
    assert len(objs) == 2 and objs[0] is not objs[1]
    assert m.metrics_names[-2:] == ['reg_mean_absolute_error', 'cls_mean_absolute_error']


# -- memory ------------------------------------------------------------------------------------------------
def test_no_graph_survives_a_training_step():
    x, y = _regression()
    m = _mlp()
    m.compile('adam', 'mse', metrics=['mae'])
    m.train_on_batch(x, y)
    m.fit(x, y, epochs=1, verbose=0, validation_split=0.25)
    gc.collect()
    assert not [o for o in gc.get_objects() if type(o) is Node]


class _PenalizedIdentity(kcore.layers.Layer):
    """Adds 0.5 * sum(x**2) of its input with add_loss, and passes it through."""

    def call(self, x):
        self.add_loss(0.5 * K.sum(K.square(x)))
        return x

    def compute_output_shape(self, input_shape):
        return input_shape


def test_regularization_and_added_losses_enter_the_loss():
    from kcore import regularizers
    x = np.random.RandomState(0).normal(size=(8, 3)).astype('float32')
    y = np.random.RandomState(1).normal(size=(8, 2)).astype('float32')
    inp = kcore.Input(shape=(3,))
    dense = kcore.layers.Dense(2, kernel_regularizer=regularizers.l2(0.1),
                               activity_regularizer=regularizers.l1(0.01))
    out = _PenalizedIdentity()(dense(inp))
    model = kcore.Model(inp, out)
    model.compile(optimizer=kcore.optimizers.SGD(0.0), loss='mse')
    W, b = model.get_weights()
    h = x @ W + b
    expected = (np.mean((h - y) ** 2) + 0.1 * np.sum(W ** 2) + 0.01 * np.abs(h).sum() / 8
                + 0.5 * np.sum(h ** 2))
    np.testing.assert_allclose(model.train_on_batch(x, y), expected, rtol=1e-5)
    np.testing.assert_allclose(model.test_on_batch(x, y), expected, rtol=1e-5)
    np.testing.assert_allclose(model.evaluate(x, y, batch_size=8, verbose=0), expected, rtol=1e-5)


def test_crossentropy_on_softmax_and_sigmoid_outputs_reads_their_logits():
    """A probability of exactly 0 from softmax/sigmoid still gives the true (large,
    finite) loss and a useful gradient, as Keras on TensorFlow does."""
    from kcore.autodiff import gradients
    from kcore.training.losses import binary_crossentropy, categorical_crossentropy
    logits = K.variable(np.array([[0.0, 200.0, -200.0]], dtype='float32'))
    target = np.array([[0.0, 0.0, 1.0]], dtype='float32')
    loss = categorical_crossentropy(target, K.softmax(logits))
    np.testing.assert_allclose(loss.numpy(), [400.0], rtol=1e-6)  # clipping would say -log(1e-7) = 16.1
    (g,) = gradients(loss, [logits])
    np.testing.assert_allclose(g, [[0.0, 1.0, -1.0]], atol=1e-6)
    loss = binary_crossentropy(np.array([[1.0]], 'float32'), K.sigmoid(K.variable(np.array([[-100.0]], 'float32'))))
    np.testing.assert_allclose(loss.numpy(), [100.0], rtol=1e-6)
    # a probability not produced by softmax/sigmoid is clipped (Keras 2's formula)
    p = np.array([[0.0, 1.0, 0.0]], 'float32')
    np.testing.assert_allclose(categorical_crossentropy(target, p).numpy(), [-np.log(1e-7)], rtol=1e-5)
