"""Keras 2.3's training behaviour (issue 19): history.params keys, predict silent by default,
the learning rate logged as ``lr``, stateful recurrent layers need a batch size."""
import numpy as np
import pytest

import kcore


def _model():
    model = kcore.Sequential([kcore.layers.Dense(2, activation='softmax', input_shape=(3,))])
    model.compile('sgd', 'categorical_crossentropy', metrics=['accuracy'])
    return model


def _data(n=20):
    x = np.random.default_rng(0).random((n, 3)).astype('float32')
    return x, kcore.utils.to_categorical((x[:, 0] > 0.5).astype('int64'), 2)


def test_history_params_have_keras_2_3_keys():
    x, y = _data()
    history = _model().fit(x, y, batch_size=5, epochs=2, verbose=0, validation_split=0.25)
    params = history.params
    assert {'batch_size', 'epochs', 'steps', 'samples', 'verbose', 'do_validation', 'metrics'} <= set(params)
    assert params['batch_size'] == 5 and params['epochs'] == 2 and params['samples'] == 15
    assert params['do_validation'] is True and params['verbose'] == 0
    assert params['metrics'] == ['loss', 'accuracy', 'val_loss', 'val_accuracy']
    assert _model().fit(x, y, epochs=1, verbose=0).params['metrics'] == ['loss', 'accuracy']


def test_predict_is_silent_by_default(capsys):
    x, _ = _data()
    model = _model()
    model.predict(x)
    assert capsys.readouterr().out == ''
    model.predict(x, verbose=1)
    assert '1/1' in capsys.readouterr().out


@pytest.mark.parametrize('callback', [
    lambda: kcore.callbacks.ReduceLROnPlateau(monitor='loss', patience=0, factor=0.5, min_delta=10.0),
    lambda: kcore.callbacks.LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1))])
def test_the_learning_rate_is_logged_as_lr(callback):
    x, y = _data()
    history = _model().fit(x, y, epochs=3, verbose=0, callbacks=[callback()])
    assert 'lr' in history.history and 'learning_rate' not in history.history
    assert len(history.history['lr']) == 3 and history.history['lr'][-1] < 0.1


def test_stateful_rnn_without_a_batch_size_raises_keras_error():
    pytest.importorskip('kcore_rnn')
    with pytest.raises(ValueError, match='If a RNN is stateful, it needs to know its batch size'):
        kcore.Sequential([kcore.layers.LSTM(2, stateful=True, input_shape=(3, 4))])
    with pytest.raises(ValueError, match='`batch_shape` argument to your Input layer'):
        kcore.layers.GRU(2, stateful=True)(kcore.Input((3, 4)))
    model = kcore.Sequential([kcore.layers.LSTM(2, stateful=True, batch_input_shape=(2, 3, 4))])
    assert model.layers[0].states[0].shape == (2, 2)


def test_python_lists_read_as_keras_2_3_reads_them():
    model = kcore.Sequential([kcore.layers.Dense(1, input_shape=(2,))])
    model.compile('sgd', 'mse')
    assert model.predict([[1, 2], [3, 4], [5, 6]]).shape == (3, 1)  # a list of lists is one array
    history = model.fit([[1, 2], [3, 4]], [1, 2], epochs=1, verbose=0)
    assert len(history.history['loss']) == 1
    assert np.isfinite(model.evaluate([[1, 2]], [[1]], verbose=0))
    one = kcore.Sequential([kcore.layers.Dense(1, input_shape=(1,))])
    assert one.predict([1.0, 2.0, 3.0]).shape == (3, 1)  # a list of numbers: one sample each
    a, b = kcore.Input((2,)), kcore.Input((3,))
    two = kcore.Model([a, b], kcore.layers.Dense(1)(kcore.layers.concatenate([a, b])))
    out = two.predict([np.ones((4, 2), 'float32'), np.ones((4, 3), 'float32')])  # still one array per input
    assert out.shape == (4, 1)


def _two_branch_model():
    L = kcore.layers
    a, b = kcore.Input((4,), name='a'), kcore.Input((3,), name='b')
    x = L.BatchNormalization(name='bn_a')(L.Dense(5, name='dense_a')(a))
    y = L.Dense(5, name='dense_b')(b)
    out = L.Dense(1, name='out')(L.concatenate([x, y], name='cat'))
    return kcore.Model([a, b], out)


def test_functional_layer_order_follows_keras_traversal():
    """Keras 2 orders a graph's layers by depth from the outputs (deepest first), ties by the
    order a depth-first walk from the outputs meets them: the weight order Keras's files and
    set_weights use (issue 19's two-input model with BatchNormalization)."""
    model = _two_branch_model()
    assert [l.name for l in model.layers] == ['a', 'dense_a', 'b', 'bn_a', 'dense_b', 'cat', 'out']
    shapes = [tuple(w.shape) for w in model.get_weights()]
    assert shapes == [(4, 5), (5,), (5,), (5,), (5,), (5,), (3, 5), (5,), (10, 1), (1,)]
    # Keras-ordered weights load by position
    weights = [np.random.default_rng(i).random(s).astype('float32') + 0.5 for i, s in enumerate(shapes)]
    model.set_weights(weights)
    assert np.allclose(model.get_layer('dense_b').get_weights()[0], weights[6])


def test_layer_order_with_a_shared_layer_and_a_skip_connection():
    L = kcore.layers
    inp = kcore.Input((3,), name='in')
    shared = L.Dense(3, name='shared')
    h = shared(inp)
    h2 = shared(L.Dense(3, name='mid')(h))
    out = L.add([h2, inp], name='skip')
    model = kcore.Model(inp, out)
    # depths: skip 0, shared (second call) 1, mid 2, shared (first call) 3 -> the layer takes its deepest
    assert [l.name for l in model.layers] == ['in', 'shared', 'mid', 'skip']


def test_predict_takes_the_number_of_samples_from_the_first_input():
    """Keras 2.3's predict reads len(first input) rows of every input (cnn_seq2seq.py feeds a
    longer second input); inputs shorter than the first are still an error."""
    a, b = kcore.layers.Input((2,)), kcore.layers.Input((3,))
    model = kcore.Model([a, b], kcore.layers.concatenate([a, b]))
    x1, x2 = np.ones((4, 2), 'float32'), np.arange(18, dtype='float32').reshape(6, 3)
    out = model.predict([x1, x2])
    assert out.shape == (4, 5) and np.array_equal(out[:, 2:], x2[:4])
    with pytest.raises(ValueError, match='same number of samples'):
        model.predict([np.ones((7, 2), 'float32'), x2])
    model.compile('sgd', 'mse')
    with pytest.raises(ValueError, match='same number of samples'):
        model.fit([x1, x2], np.zeros((4, 5)), verbose=0)


def test_a_model_called_inside_a_model_applies_to_inputs_of_higher_rank():
    """mnist_acgan.py: a Sequential built for (None, 4) runs on the (None, 1, 4) product of an
    Embedding; its layers decide (Dense works on the last axis), as in Keras 2.3."""
    inner = kcore.Sequential([kcore.layers.Dense(6, input_dim=4), kcore.layers.Reshape((3, 2))])
    latent, label = kcore.layers.Input((4,)), kcore.layers.Input((1,), dtype='int32')
    embedding = kcore.layers.Embedding(3, 4)
    h = kcore.layers.multiply([latent, embedding(label)])
    outer = kcore.Model([latent, label], inner(h))
    z, labels = np.random.default_rng(1).random((5, 4)).astype('float32'), np.array([[0], [1], [2], [1], [0]])
    out = outer.predict([z, labels])
    emb, = embedding.get_weights()
    kernel, bias = inner.get_weights()
    want = ((z * emb[labels[:, 0]]) @ kernel + bias).reshape(5, 3, 2)
    assert out.shape == (5, 3, 2) and np.allclose(out, want, atol=1e-5)
    with pytest.raises(kcore.errors.ShapeError, match='rank 2'):
        inner.predict(np.ones((5, 1, 4), 'float32'))  # called directly, the model checks its input


def test_losses_on_symbolic_tensors_and_add_loss_on_the_graph_train_without_a_compiled_loss():
    """Keras's variational_autoencoder.py: loss functions applied to the model's tensors, the
    sum added with model.add_loss, compile() without a loss; the added term is what fit lowers,
    and evaluate reports the same value as computing it by hand."""
    inp = kcore.layers.Input((4,))
    out = kcore.layers.Dense(4, activation='sigmoid')(inp)
    term = kcore.losses.binary_crossentropy(inp, out) + kcore.losses.mse(inp, out)
    assert kcore.backend.is_keras_tensor(term) and tuple(term.shape) == (None,)
    model = kcore.Model(inp, out)
    with pytest.raises(ValueError, match='needs a loss'):
        model.compile('adam')
    model.add_loss(kcore.backend.mean(term))
    model.compile(kcore.optimizers.Adam(0.05))
    x = np.random.default_rng(2).random((32, 4)).astype('float32')
    pred = model.predict(x)
    eps = kcore.backend.epsilon()
    p = np.clip(pred, eps, 1 - eps)
    want = np.mean(-np.mean(x * np.log(p) + (1 - x) * np.log(1 - p), axis=-1) + np.mean((x - pred) ** 2, axis=-1))
    assert model.evaluate(x, batch_size=32, verbose=0) == pytest.approx(want, rel=1e-4)
    history = model.fit(x, epochs=15, batch_size=32, verbose=0)
    assert history.history['loss'][-1] < history.history['loss'][0]


def test_a_non_scalar_graph_loss_counts_as_its_mean():
    inp = kcore.layers.Input((3,))
    out = kcore.layers.Dense(3)(inp)
    model = kcore.Model(inp, out)
    model.add_loss(kcore.backend.square(out - inp))  # per element
    model.compile('sgd', loss='mse')
    x = np.ones((4, 3), 'float32')
    pred = model.predict(x)
    assert model.evaluate(x, np.zeros((4, 3)), verbose=0) == pytest.approx(
        np.mean(pred ** 2) + np.mean((pred - x) ** 2), rel=1e-5)


def _two_output_model():
    inp = kcore.layers.Input((3,))
    a = kcore.layers.Dense(1, name='a', kernel_initializer='ones')(inp)
    b = kcore.layers.Dense(1, name='b', kernel_initializer='ones')(inp)
    model = kcore.Model(inp, [a, b])
    model.compile('sgd', 'mse')
    return model


def test_class_weight_per_output_by_name_or_list_as_keras_2_3():
    x = np.arange(12, dtype='float32').reshape(4, 3) / 10
    ya, yb = np.array([[0.], [1.], [2.], [1.]]), np.array([[3.], [3.], [1.], [1.]])
    cw_a, cw_b = {0: 1.0, 1: 2.0, 2: 3.0}, {1: 0.5, 3: 4.0}
    sw_a = np.array([cw_a[int(v)] for v in ya[:, 0]])
    sw_b = np.array([cw_b[int(v)] for v in yb[:, 0]])
    want = _two_output_model().evaluate(x, [ya, yb], sample_weight=[sw_a, sw_b], batch_size=4, verbose=0)
    for cw in ({'a': cw_a, 'b': cw_b}, [cw_a, cw_b]):
        model = _two_output_model()
        got = model.train_on_batch(x, [ya, yb], class_weight=cw)
        assert np.allclose(got, want, rtol=1e-5)  # the first step's loss, before the update
    only_a = _two_output_model().train_on_batch(x, [ya, yb], class_weight={'a': cw_a})
    assert np.allclose(only_a, _two_output_model().evaluate(x, [ya, yb], sample_weight=[sw_a, None], batch_size=4,
                                                             verbose=0), rtol=1e-5)
    with pytest.raises(ValueError, match='applies to a single output'):
        _two_output_model().fit(x, [ya, yb], class_weight=cw_a, verbose=0)
