"""Targets cross to the device once per batch, and softmax/sigmoid carry their logits locally."""
import numpy as np

import kcore
from kcore import backend as K
from kcore.autodiff.tensor import Tensor
from kcore.runtime import ops


def _model():
    return kcore.Sequential([kcore.layers.Dense(3, activation='softmax', input_shape=(4,))])


def test_loss_and_metrics_share_one_target_tensor_per_batch():
    seen = {'loss': [], 'metric': []}

    def loss(y_true, y_pred):
        seen['loss'].append(y_true)
        return K.mean(K.square(y_true - y_pred), axis=-1)

    def metric(y_true, y_pred):
        seen['metric'].append(y_true)
        return K.mean(K.abs(y_true - y_pred), axis=-1)

    model = _model()
    model.compile('sgd', loss=loss, metrics=[metric])
    x = np.random.default_rng(0).random((8, 4)).astype('float32')
    y = np.eye(3, dtype='float32')[np.arange(8) % 3]
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    assert len(seen['loss']) == 2 and len(seen['metric']) == 2
    for in_loss, in_metric in zip(seen['loss'], seen['metric']):
        assert isinstance(in_loss, Tensor)
        assert in_metric is in_loss  # converted once, shared by the loss and the metric


def test_public_loss_and_metric_functions_still_take_numpy_and_lists():
    y_true = [[0.0, 1.0], [1.0, 0.0]]
    y_pred = np.array([[0.2, 0.8], [0.6, 0.4]], dtype='float32')
    loss = kcore.losses.categorical_crossentropy(y_true, y_pred)
    np.testing.assert_allclose(K.eval(loss), -np.log([0.8, 0.6]), rtol=1e-5)
    acc = kcore.metrics.categorical_accuracy(y_true, y_pred)
    np.testing.assert_allclose(K.eval(acc), [1.0, 1.0])


def test_softmax_and_sigmoid_outputs_carry_their_logits():
    logits = K.variable(np.array([[1.0, 2.0, 3.0]], dtype='float32'))
    assert ops.logits_of(K.softmax(logits), 'softmax', -1) is logits
    assert ops.logits_of(K.softmax(logits), 'softmax', 0) is None  # another axis
    assert ops.logits_of(K.sigmoid(logits), 'sigmoid') is logits
    assert ops.logits_of(K.sigmoid(logits), 'softmax') is None
    assert ops.logits_of(K.exp(logits), 'softmax') is None  # not produced by softmax
    assert not hasattr(ops, '_PRODUCED_FROM')  # no global side channel


def test_crossentropy_of_a_saturated_softmax_stays_finite():
    logits = K.variable(np.array([[0.0, 200.0]], dtype='float32'))
    probs = K.softmax(logits)
    loss = kcore.losses.categorical_crossentropy(np.array([[1.0, 0.0]], dtype='float32'), probs)
    np.testing.assert_allclose(K.eval(loss), [200.0], rtol=1e-5)
    bce = kcore.losses.binary_crossentropy(np.array([[1.0, 0.0]], dtype='float32'), K.sigmoid(logits))
    np.testing.assert_allclose(K.eval(bce), [(np.log(2.0) + 200.0) / 2], rtol=1e-5)
