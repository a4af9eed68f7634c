"""Keras 2.3's helper functions kept for scripts that call them: metrics_utils, the metric and loss
helpers, training_arrays' loops, training_utils' loss/metric preparation, BaseLogger,
RemoteMonitor, the TensorBoard module paths, data_utils' pool helpers and vis_utils' tests."""
import http.server
import json
import threading
import urllib.parse

import numpy as np
import pytest

import kcore
from kcore import backend as K
from kcore import callbacks, layers, losses, metrics, optimizers
from kcore.engine import training_arrays, training_utils
from kcore.utils import data_utils, metrics_utils, vis_utils

X = np.random.default_rng(0).random((8, 3)).astype('float32')
Y = np.random.default_rng(1).random((8, 2)).astype('float32')


def _model():
    kcore.utils.set_random_seed(0)
    model = kcore.Sequential([layers.Dense(2, input_shape=(3,))])
    model.compile('sgd', 'mse', metrics=['mae'])
    return model


# -- metrics_utils ---------------------------------------------------------------------------------------
def test_update_confusion_matrix_variables_counts_at_each_threshold():
    cm = metrics_utils.ConfusionMatrix
    tp, fn = K.variable(np.zeros(3)), np.zeros(3)
    y_true, y_pred = np.array([1, 0, 1, 1]), np.array([0.9, 0.6, 0.3, 0.7])
    metrics_utils.update_confusion_matrix_variables({cm.TRUE_POSITIVES: tp, cm.FALSE_NEGATIVES: fn}, y_true, y_pred,
                                                    thresholds=[0.5, 0.0, 0.8])
    np.testing.assert_array_equal(K.eval(tp), [2, 3, 1])
    np.testing.assert_array_equal(fn, [1, 0, 2])
    fp = np.zeros(1)
    metrics_utils.update_confusion_matrix_variables({cm.FALSE_POSITIVES: fp}, np.array([[0, 1, 0]]),
                                                    np.array([[0.6, 0.7, 0.9]]), thresholds=0.5, top_k=1)
    np.testing.assert_array_equal(fp, [1])
    with pytest.raises(ValueError, match='valid confusion matrix'):
        metrics_utils.update_confusion_matrix_variables({'tp': tp}, y_true, y_pred)
    with pytest.raises(ValueError, match=r'\[0, 1\]'):
        metrics_utils.parse_init_thresholds([0.5, 1.5])
    assert metrics_utils.parse_init_thresholds(None) == [0.5] and metrics_utils.parse_init_thresholds(0.3) == [0.3]


def test_metrics_utils_helpers():
    np.testing.assert_array_equal(metrics_utils.filter_top_k(np.array([[1.0, 3.0, 2.0]]), 2),
                                  [[metrics_utils.NEG_INF, 3.0, 2.0]])
    assert metrics_utils.AUCCurve.from_str('pr') is metrics_utils.AUCCurve.PR
    assert metrics_utils.AUCSummationMethod.from_str('Majoring') is metrics_utils.AUCSummationMethod.MAJORING
    with pytest.raises(ValueError, match='AUCCurve'):
        metrics_utils.AUCCurve.from_str('area')
    var = np.zeros(2)
    metrics_utils.weighted_assign_add(np.array([[1, 1], [0, 1]]).T, np.array([[1, 0], [1, 1]]).T, None, var)
    np.testing.assert_array_equal(var, [1, 1])
    mean = metrics.Mean()
    update = metrics_utils.update_state_wrapper(mean.update_state)
    update(mean, [1.0, 3.0])
    assert metrics_utils.result_wrapper(mean.result)(mean) == 2.0
    assert metrics_utils.to_list(3) == [3] and metrics_utils.Reduction.WEIGHTED_MEAN == 'weighted_mean'


def test_reduce_clone_and_serialize_metrics():
    total = metrics.Reduce('sum', name='total')
    total.update_state([1.0, 2.0], sample_weight=[1.0, 3.0])
    assert total.result() == 7.0
    per_value = metrics.Reduce('sum_over_batch_size', name='s')
    per_value.update_state([1.0, 2.0], sample_weight=[1.0, 3.0])
    assert per_value.result() == 3.5
    with pytest.raises(ValueError, match='reduction'):
        metrics.Reduce('median', name='m')
    acc = metrics.BinaryAccuracy(threshold=0.7)
    acc.update_state([[1]], [[0.8]])
    clone = metrics.clone_metric(acc)
    assert clone is not acc and clone.get_config() == acc.get_config() and clone.result() == 0.0
    assert metrics.clone_metric(metrics.mae) is metrics.mae
    assert metrics.clone_metrics(None) is None
    assert set(metrics.clone_metrics({'out': acc})) == {'out'}
    restored = metrics.deserialize(metrics.serialize(acc))
    assert isinstance(restored, metrics.BinaryAccuracy) and restored.get_config() == acc.get_config()


def test_is_categorical_crossentropy_and_clip_norm():
    assert losses.is_categorical_crossentropy('categorical_crossentropy')
    assert losses.is_categorical_crossentropy(losses.categorical_crossentropy)
    assert losses.is_categorical_crossentropy(losses.CategoricalCrossentropy())
    assert not losses.is_categorical_crossentropy('mse')
    from kcore import objectives
    assert objectives.is_categorical_crossentropy is losses.is_categorical_crossentropy
    g = np.array([3.0, 4.0])
    np.testing.assert_allclose(optimizers.clip_norm(g, 1.0, 5.0), [0.6, 0.8])
    assert optimizers.clip_norm(g, 10.0, 5.0) is g and optimizers.clip_norm(g, 0, 5.0) is g


# -- training_arrays and training_utils --------------------------------------------------------------------
def test_training_array_loops_run_the_trainer():
    model, twin = _model(), _model()
    history = training_arrays.fit_loop(model, None, [X, Y], batch_size=4, epochs=2, verbose=0, val_inputs=[X, Y],
                                       shuffle=False)
    expected = twin.fit(X, Y, batch_size=4, epochs=2, verbose=0, validation_data=(X, Y), shuffle=False)
    np.testing.assert_allclose(history.history['loss'], expected.history['loss'], rtol=1e-6)
    assert set(history.history) == {'loss', 'mae', 'val_loss', 'val_mae'}
    weights = np.linspace(0, 1, 8).astype('float32')
    np.testing.assert_allclose(training_arrays.test_loop(model, None, [X, Y, weights, 1]),
                               model.evaluate(X, Y, sample_weight=weights, verbose=0), rtol=1e-6)
    np.testing.assert_allclose(training_arrays.predict_loop(model, None, [X]), model.predict(X), rtol=1e-6)
    with pytest.raises(ValueError, match='expected 2 or 3 arrays'):
        training_arrays.test_loop(model, None, [X])


def test_training_utils_prepare_losses_metrics_and_weights():
    with pytest.warns(UserWarning, match='Output b missing from loss dictionary'):
        fns = training_utils.prepare_loss_functions({'a': 'mse'}, ['a', 'b'])
    assert fns[1] is None and fns[0] is not None
    assert len(training_utils.prepare_loss_functions('mse', ['a', 'b'])) == 2
    with pytest.raises(ValueError, match='one entry per model outputs'):
        training_utils.prepare_loss_functions(['mse'], ['a', 'b'])
    info = training_utils.collect_per_output_metric_info(['acc', 'mae'], ['a'], [(None, 1)],
                                                         [losses.binary_crossentropy])
    assert list(info[0]) == ['acc', 'mae'] and isinstance(info[0]['acc'], metrics.Metric)
    assert training_utils.get_metric_function('acc', (None, 1)) is metrics.binary_accuracy
    assert training_utils.get_metric_function('acc', (None, 3)) is metrics.categorical_accuracy
    assert training_utils.get_metric_function('acc', (None, 3), losses.sparse_categorical_crossentropy) \
        is metrics.sparse_categorical_accuracy
    assert training_utils.get_metric_function('ce', (None, 3)) is metrics.categorical_crossentropy
    assert training_utils.get_metric_name('acc') == 'acc' and training_utils.get_metric_name(metrics.mae) == \
        metrics.mae.__name__
    acc = metrics.BinaryAccuracy()
    result = training_utils.call_metric_function(acc, np.array([[1.0], [0.0]]), np.array([[0.9], [0.9]]),
                                                 mask=np.array([1.0, 0.0]))
    assert result == 1.0
    weights, modes = training_utils.prepare_sample_weights(['a', 'b'], {'a': 'temporal', 'b': None}, [])
    assert modes == ['temporal', None] and weights[0].shape == (None, None) and weights[1].shape == (None,)
    assert training_utils.get_output_sample_weight_and_mode([0], None, 'a', 0) == (None, None)
    with pytest.raises(ValueError, match='categorical_crossentropy'):
        training_utils.check_loss_and_target_compatibility([np.zeros((4, 1))], ['categorical_crossentropy'],
                                                           [(None, 1)])
    with pytest.raises(ValueError, match='same shape as the output'):
        training_utils.check_loss_and_target_compatibility([np.zeros((4, 3))], [losses.mean_squared_error],
                                                           [(None, 2)])
    objective = training_utils.weighted_masked_objective(losses.mean_squared_error)
    value = objective(K.variable([[1.0], [3.0]]), K.variable([[0.0], [0.0]]), K.variable([1.0, 0.0]))
    np.testing.assert_allclose(float(K.eval(value)), 1.0)   # mean over nonzero weights only
    assert training_utils.weighted_masked_objective(None) is None


# -- callbacks ---------------------------------------------------------------------------------------------
def test_base_logger_averages_per_batch_values_the_epoch_logs_lack():
    logger = callbacks.BaseLogger(stateful_metrics=['last'])
    logger.on_epoch_begin(0)
    logger.on_batch_end(0, {'batch': 0, 'size': 2, 'extra': 1.0, 'loss': 9.0, 'last': 5})
    logger.on_batch_end(1, {'batch': 1, 'size': 6, 'extra': 3.0, 'loss': 9.0, 'last': 7})
    logs = {'loss': 0.5}
    logger.on_epoch_end(0, logs)
    assert logs == {'loss': 0.5, 'extra': 2.5, 'last': 7}


class _Recorder(http.server.BaseHTTPRequestHandler):
    received = []

    def do_POST(self):  # noqa: N802 - the stdlib's name
        body = self.rfile.read(int(self.headers['Content-Length'])).decode('utf-8')
        self.received.append((self.path, self.headers['Content-Type'], body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_remote_monitor_posts_the_epoch_logs():
    server = http.server.HTTPServer(('127.0.0.1', 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        root = 'http://127.0.0.1:%d' % server.server_address[1]
        _model().fit(X, Y, epochs=2, verbose=0, callbacks=[callbacks.RemoteMonitor(root=root)])
        _model().fit(X, Y, epochs=1, verbose=0, callbacks=[callbacks.RemoteMonitor(root=root, path='/j',
                                                                                    send_as_json=True)])
    finally:
        server.shutdown()
        server.server_close()
    (p0, t0, b0), _, (p2, t2, b2) = _Recorder.received[-3:]
    form = json.loads(urllib.parse.parse_qs(b0)['data'][0])
    assert p0 == '/publish/epoch/end/' and t0 == 'application/x-www-form-urlencoded'
    assert form['epoch'] == 0 and set(form) == {'epoch', 'loss', 'mae'}
    assert p2 == '/j' and t2 == 'application/json' and json.loads(b2)['epoch'] == 0
    with pytest.warns(UserWarning, match='could not reach RemoteMonitor'):
        callbacks.RemoteMonitor(root='http://127.0.0.1:1').on_epoch_end(0, {'loss': 1.0})


def test_tensorboard_module_paths(tmp_path):
    pytest.importorskip('tensorboardX')
    from kcore.callbacks import tensorboard_v1, tensorboard_v2
    from kcore.training.tensorboard import TensorBoard
    assert tensorboard_v1.TensorBoard is TensorBoard and tensorboard_v1.Callback is callbacks.Callback
    with pytest.warns(UserWarning, match='profile_batch'):
        board = tensorboard_v2.TensorBoard(log_dir=str(tmp_path), profile_batch=2)
    assert isinstance(board, TensorBoard) and board.log_dir == str(tmp_path)
    with pytest.warns(UserWarning, match='batch_size'):
        tensorboard_v2.TensorBoard(log_dir=str(tmp_path), batch_size=32)


# -- data_utils and vis_utils ------------------------------------------------------------------------------
def test_data_utils_pool_helpers_read_the_shared_table():
    data_utils.init_pool({7: [10, 11, 12]})
    assert data_utils.get_index(7, 2) == 12
    data_utils.init_pool_generator({3: iter('ab')}, random_seed=1)
    assert data_utils.next_sample(3) == 'a' and data_utils.next_sample(3) == 'b'


def test_vis_utils_model_tests_and_edges():
    pydot = pytest.importorskip('pydot')
    inner = kcore.Sequential([layers.Dense(2, input_shape=(3,))])
    assert vis_utils.is_model(inner) and not vis_utils.is_model(layers.Dense(1))
    wrapped = layers.TimeDistributed(inner)
    assert vis_utils.is_wrapped_model(wrapped) and not vis_utils.is_wrapped_model(layers.TimeDistributed(
        layers.Dense(1)))
    dot = pydot.Dot()
    vis_utils.add_edge(dot, 'a', 'b')
    vis_utils.add_edge(dot, 'a', 'b')
    assert len(dot.get_edges()) == 1


def test_training_generator_functions_take_keras_positional_arguments():
    from kcore.engine import training_generator

    def batches():
        while True:
            yield X[:4], Y[:4]
    model = _model()
    history = training_generator.fit_generator(model, batches(), 2, 2, 0)
    assert len(history.history['loss']) == 2
    loss = training_generator.evaluate_generator(model, batches(), 2)
    np.testing.assert_allclose(loss[0], model.evaluate(X[:4], Y[:4], verbose=0)[0], rtol=1e-5)
    assert training_generator.predict_generator(model, batches(), 1).shape == (4, 2)
