"""``add_metric`` (Keras 2.3): values reported from ``call`` or a graph model's tensors are
averaged per epoch under their name; a ``Metric`` object's result reports the metric."""
import numpy as np
import pytest

from kcore import backend as K
from kcore import metrics
from kcore.layers import Dense, Input, Layer
from kcore.models import Model

X, Y = np.ones((10, 1), 'float32'), np.ones((10, 2), 'float32')


class _Reporting(Model):
    def __init__(self):
        super().__init__(name='reporting')
        self.dense = Dense(2, kernel_initializer='ones')
        self.mean = metrics.Mean(name='mean_x')

    def call(self, x):
        self.add_metric(K.sum(x), name='sum_x')       # 5 per batch of 5 ones
        self.add_metric(self.mean(x))                 # the metric's own running mean: 1
        return self.dense(x)


def test_add_metric_in_model_call_reports_per_epoch_and_in_evaluate():
    model = _Reporting()
    model.compile('sgd', 'mse', metrics=[metrics.MeanSquaredError('mse_1')])
    history = model.fit(X, Y, epochs=2, batch_size=5, validation_data=(X, Y), verbose=0).history
    assert list(history) == ['loss', 'mse_1', 'sum_x', 'mean_x', 'val_loss', 'val_mse_1', 'val_sum_x', 'val_mean_x']
    assert history['sum_x'] == [5.0, 5.0] and history['val_sum_x'][-1] == 5.0
    assert history['mean_x'] == [1.0, 1.0]          # not polluted by the build's stand-in call
    assert model.metrics_names == ['loss', 'mse_1', 'sum_x', 'mean_x']
    assert [m.name for m in model.metrics] == ['mse_1', 'sum_x', 'mean_x']   # Keras 2.3: no loss tracker
    np.testing.assert_allclose(model.evaluate(X, Y, batch_size=5, verbose=0)[2:], [5.0, 1.0])
    model.predict(X, batch_size=5)                  # no step: nothing recorded, nothing breaks


def test_add_metric_in_layer_call_and_on_a_graph_model():
    class Summing(Layer):
        def call(self, inputs):
            self.add_metric(K.sum(inputs), name='layer_sum')
            return inputs + 1

    inp = Input((1,))
    out = Dense(1, kernel_initializer='ones', trainable=False)(Summing()(inp))
    model = Model(inp, out)
    model.add_metric(K.sum(out), name='out_sum')     # symbolic: joins the graph
    model.add_metric(K.sum(out), name='out_sum')     # a known name is not added twice
    model.compile('sgd', 'mse')
    history = model.fit(X, np.zeros((10, 1)), epochs=1, batch_size=5, verbose=0).history
    assert history['layer_sum'] == [5.0] and history['out_sum'] == [10.0]
    assert model.metrics_names == ['loss', 'layer_sum', 'out_sum']


def test_add_metric_errors():
    with pytest.raises(ValueError, match='name is required'):
        Dense(1).add_metric(K.constant(1.0))
    with pytest.raises(ValueError, match='graph model'):
        Dense(1).add_metric(K.sum(Input((1,))), name='x')
    with pytest.raises(TypeError, match='symbolic'):
        metrics.Mean()(Input((1,)))

    class Clash(Model):
        def __init__(self):
            super().__init__()
            self.dense = Dense(1)

        def call(self, x):
            self.add_metric(K.sum(x), name='loss')
            return self.dense(x)

    model = Clash()
    model.compile('sgd', 'mse')
    with pytest.raises(ValueError, match="add_metric name 'loss'"):
        model.fit(X, X, verbose=0)


def test_metric_call_takes_what_update_state_takes():
    mean = metrics.Mean()
    assert mean(np.array([1.0, 3.0])) == 2.0          # Keras 2.3: update, then the running result
    result = mean(np.array([5.0]))
    assert result == 3.0 and result._metric_obj is mean
    mse = metrics.MeanSquaredError()
    assert mse(np.array([[0.0, 0.0]]), np.array([[1.0, 3.0]])) == 5.0
