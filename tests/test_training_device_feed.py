"""The training data path on a device: one copy per batch, no host reads inside a step.

``SimDevice`` is a backend whose arrays stand in for a GPU's: arithmetic works (they are
NumPy underneath), every array module function returns one, and reading a value back on
the host (``float``, ``int``, ``bool``, ``item``) raises while ``strict`` is on.  Each copy
from host memory is recorded by shape, so a test can count what crossed.
"""
import collections

import numpy as np
import pytest

import kcore
from kcore import plugins
from kcore.backend.device import ACTIVE, NUMPY_GLOBAL_RANDOM, Backend, set_backend
from kcore.callbacks import Callback, LambdaCallback
from kcore.layers import Dense, Input
from kcore.models import Model, Sequential

STATE = {'strict': False}
COPIES = collections.Counter()  # shape -> copies from host memory
EVENTS = []  # 'copy' (SimDevice.to_device) and 'step' (a training step begins), in order


class HostRead(AssertionError):
    """A value was read back from the (simulated) device inside a training step."""


class DeviceArray(np.ndarray):
    def __array_wrap__(self, array, context=None, return_scalar=False):
        return np.asarray(array).view(DeviceArray)  # reductions stay 0-d device arrays, as on a GPU

    def _read(self, what):
        if STATE['strict']:
            raise HostRead('%s() of a device array inside a training step' % what)
        return np.asarray(self).view(np.ndarray)

    def __float__(self):
        return float(self._read('float'))

    def __int__(self):
        return int(self._read('int'))

    def __bool__(self):
        return bool(self._read('bool'))

    def __index__(self):
        return self._read('index').__index__()

    def item(self, *args):
        return self._read('item').item(*args)

    def tolist(self):
        return self._read('tolist').tolist()


def _device(value):
    if isinstance(value, DeviceArray):
        return value
    if isinstance(value, np.generic):
        return np.asarray(value).view(DeviceArray)
    return value.view(DeviceArray) if isinstance(value, np.ndarray) else value


class _SimXP:
    """NumPy whose functions return device arrays; ``asarray`` of host data counts as a copy."""

    def __getattr__(self, name):
        attr = getattr(np, name)
        if isinstance(attr, type) or not callable(attr):
            return attr

        def call(*args, **kwargs):
            out = attr(*args, **kwargs)
            return tuple(_device(o) for o in out) if isinstance(out, tuple) else _device(out)
        return call

    def asarray(self, value, dtype=None):
        if isinstance(value, DeviceArray):
            return value if dtype is None or value.dtype == dtype else value.astype(dtype)
        array = np.asarray(value, dtype=dtype)
        COPIES[array.shape] += 1
        return array.view(DeviceArray)


class SimDevice(Backend):
    name = 'simdevice'
    pinned = 0

    def load_xp(self):
        return _SimXP()

    def global_random_generator(self):
        return NUMPY_GLOBAL_RANDOM  # the NumPy backend's draws: the same initial weights

    def to_numpy(self, array):
        if STATE['strict'] and isinstance(array, DeviceArray):
            raise HostRead('to_numpy() of a device array inside a training step')
        return np.asarray(array).view(np.ndarray)

    def pin(self, host_array):
        SimDevice.pinned += 1
        return host_array

    def to_device(self, host_array):  # its own copy: the feed then prefetches the next batch
        EVENTS.append('copy')
        return self.xp.asarray(host_array)


@pytest.fixture
def sim_device():
    backend = SimDevice()
    with plugins.registered(backend, kind='backends', name='simdevice'):
        set_backend('simdevice')
        COPIES.clear()
        try:
            yield backend
        finally:
            STATE['strict'] = False
            set_backend('numpy')


class StrictSteps(Callback):
    """Host reads of device values raise from the start to the end of every training step."""

    def on_train_batch_begin(self, batch, logs=None):
        STATE['strict'] = True

    def on_train_batch_end(self, batch, logs=None):
        STATE['strict'] = False


def _classifier(seed=0, **compile_kwargs):
    np.random.seed(seed)
    inputs = Input((5,))
    outputs = Dense(3, activation='softmax')(Dense(4, activation='relu')(inputs))
    m = Model(inputs, outputs)
    compile_kwargs.setdefault('metrics', ['accuracy', 'sparse_categorical_crossentropy'])
    m.compile(compile_kwargs.pop('optimizer', kcore.optimizers.SGD(0.1)), 'sparse_categorical_crossentropy',
              **compile_kwargs)
    return m


def _data(n=24):
    rs = np.random.RandomState(1)
    x = rs.rand(n, 5).astype('float32')
    return x, rs.randint(0, 3, n), rs.rand(n).astype('float32') + 0.5


def test_the_simulated_device_catches_a_host_read(sim_device):
    a = ACTIVE.xp.asarray(np.ones(3, 'float32')).sum()
    assert isinstance(a, DeviceArray)
    STATE['strict'] = True
    for read in (float, int, bool, lambda v: v.item(), ACTIVE.backend.to_numpy):
        with pytest.raises(HostRead):
            read(a)
    STATE['strict'] = False

    class ReadsEachStep(kcore.metrics.Mean):  # a metric that reads its sum back every step
        def update_state(self, y_true, y_pred, sample_weight=None):
            super().update_state(y_pred)
            float(self.total)

    m = _classifier(metrics=[kcore.metrics.MeanMetricWrapper(lambda t, p: p, name='p')])
    m.compiled_metrics.build([(None, 3)])
    m.compiled_metrics.metrics.append((0, ReadsEachStep(name='r'), False))
    x, y, _ = _data()
    with pytest.raises(HostRead):
        m.fit(x, y, batch_size=6, epochs=1, verbose=0, callbacks=[StrictSteps()])


@pytest.mark.parametrize('optimizer', [kcore.optimizers.SGD(0.1, clipnorm=0.05),
                                       kcore.optimizers.Adam(0.01, global_clipnorm=0.05),
                                       kcore.optimizers.RMSprop(0.01)], ids=['clipnorm', 'global_clipnorm', 'plain'])
def test_a_training_step_reads_nothing_back_from_the_device(sim_device, optimizer):
    x, y, sw = _data()
    m = _classifier(optimizer=optimizer)
    h = m.fit(x, y, sample_weight=sw, class_weight={0: 1.0, 1: 2.0, 2: 0.5}, batch_size=6, epochs=2, verbose=0,
              validation_data=(x, y), callbacks=[StrictSteps()])
    assert all(np.isfinite(v) for k in h.history for v in h.history[k])
    set_backend('numpy')  # the same fit on the NumPy backend gives the same numbers
    reference = _classifier(optimizer=type(optimizer).from_config(optimizer.get_config()))
    r = reference.fit(x, y, sample_weight=sw, class_weight={0: 1.0, 1: 2.0, 2: 0.5}, batch_size=6, epochs=2,
                      verbose=0, validation_data=(x, y))
    assert sorted(h.history) == sorted(r.history)
    for key in r.history:
        np.testing.assert_allclose(h.history[key], r.history[key], rtol=1e-5, err_msg=key)


def test_each_batch_crosses_to_the_device_once(sim_device):
    x, y, sw = _data()
    m = _classifier(loss_weights=None, weighted_metrics=['accuracy'])
    pinned = SimDevice.pinned
    COPIES.clear()
    m.fit(x, y, sample_weight=sw, batch_size=6, epochs=3, shuffle=False, verbose=0)
    # 4 batches a pass, 3 passes: x, y and the sample weights each copied once per batch, pinned first,
    # and nothing else crosses during the steps (no per-step scalars such as the batch size)
    assert dict(COPIES) == {(6, 5): 12, (6,): 24}  # y and the sample weights are both (6,)
    assert SimDevice.pinned - pinned == 36
    COPIES.clear()
    m.evaluate(x, y, batch_size=6, verbose=0)
    m.train_on_batch(x[:6], y[:6], class_weight={0: 1.0, 1: 2.0, 2: 3.0})
    m.predict(x, batch_size=6)
    assert COPIES[(6, 5)] == 4 + 1 + 4 and COPIES[(6,)] == 4 + 2


def test_confusion_and_subclassed_mean_metrics_read_nothing_back_in_a_step(sim_device):
    x, y, _ = _data()
    onehot = np.eye(3, dtype='float32')[y]
    metrics = [kcore.metrics.Precision(), kcore.metrics.AUC(), kcore.metrics.RootMeanSquaredError()]
    np.random.seed(0)
    m = Sequential([Dense(3, activation='softmax', input_shape=(5,))])
    m.compile('sgd', 'categorical_crossentropy', metrics=metrics)
    h = m.fit(x, onehot, batch_size=6, epochs=1, verbose=0, callbacks=[StrictSteps()])
    set_backend('numpy')
    np.random.seed(0)
    r = Sequential([Dense(3, activation='softmax', input_shape=(5,))])
    r.compile('sgd', 'categorical_crossentropy', metrics=[type(k).from_config(k.get_config()) for k in metrics])
    ref = r.fit(x, onehot, batch_size=6, epochs=1, verbose=0)
    for key in ref.history:
        np.testing.assert_allclose(h.history[key], ref.history[key], rtol=1e-6, err_msg=key)


def test_the_next_batch_is_copied_before_the_step_runs(sim_device):
    x, y, _ = _data()
    m = _classifier()
    del EVENTS[:]
    m.fit(x, y, batch_size=6, epochs=1, shuffle=False, verbose=0,
          callbacks=[LambdaCallback(on_batch_begin=lambda b, logs: EVENTS.append('step'))])
    # x and y of batches 0 and 1 before step 0; then batch i+1 before step i; nothing left for step 3
    copy2 = ['copy', 'copy']
    assert EVENTS == copy2 + copy2 + ['step'] + copy2 + ['step'] + copy2 + ['step', 'step']


def test_the_default_copy_is_made_just_before_its_step():
    from kcore.training.feed import BatchFeed
    order = []

    def batches():
        for i in range(3):
            order.append('read %d' % i)
            yield np.full((2, 1), i, 'float32'), None, None
    for x, _, _ in BatchFeed()(batches()):
        order.append('step %d' % int(x[0, 0]))
    assert order == ['read 0', 'step 0', 'read 1', 'step 1', 'read 2', 'step 2']


def test_logs_are_floats_read_when_a_callback_reads_them(sim_device):
    x, y, _ = _data()
    seen = []
    m = _classifier()
    h = m.fit(x, y, batch_size=6, epochs=2, verbose=0,
              callbacks=[StrictSteps(), LambdaCallback(on_batch_end=lambda b, logs: seen.append(logs['loss']))])
    assert len(seen) == 8 and all(type(v) is float for v in seen)
    assert seen[3] == pytest.approx(h.history['loss'][0]) and seen[7] == pytest.approx(h.history['loss'][1])
    assert all(type(v) is float for values in h.history.values() for v in values)


def test_logs_behave_as_a_dict_of_floats():
    from kcore.training.logs import Logs
    logs = Logs(loss=np.float32(0.5), acc=np.array(0.25), n=3)
    assert logs['loss'] == 0.5 and type(logs['loss']) is float and type(logs.get('acc')) is float
    assert dict(logs) == {'loss': 0.5, 'acc': 0.25, 'n': 3} and {**logs} == dict(logs) == logs.copy()
    assert list(logs.items()) == [('loss', 0.5), ('acc', 0.25), ('n', 3)] and logs == dict(logs)
    logs['lr'] = 0.1  # callbacks add entries (Keras 2.3's ReduceLROnPlateau reads them back)
    assert logs.pop('lr') == 0.1 and 'lr' not in logs and logs.get('missing', 7) == 7
    import copy
    import json
    import pickle
    assert json.loads(json.dumps(logs)) == dict(logs)
    assert type(copy.copy(logs)) is dict and pickle.loads(pickle.dumps(logs)) == dict(logs)


def test_the_progress_bar_reads_logs_only_when_it_prints(sim_device, capsys):
    x, y, _ = _data()
    m = _classifier()
    m.fit(x, y, batch_size=6, epochs=1, verbose=2, callbacks=[StrictSteps()])
    out = capsys.readouterr().out
    assert '4/4' in out and 'loss: ' in out and 'accuracy: ' in out


def test_out_of_range_labels_fail_before_the_step_or_give_nan_on_the_device(sim_device):
    x, y, _ = _data()
    m = _classifier()
    bad = y.copy()
    bad[5] = 3
    with pytest.raises(ValueError, match=r'labels must be integers in \[0, 3\). Received labels from 0 to 3'):
        m.fit(x, bad, batch_size=6, verbose=0)

    def batches():
        while True:
            yield x[:6], bad[:6]
    with pytest.raises(ValueError, match=r'labels must be integers in \[0, 3\)'):
        m.fit(batches(), steps_per_epoch=2, verbose=0)
    with pytest.raises(ValueError, match=r'labels must be integers in \[0, 3\)'):
        m.train_on_batch(x[:6], bad[:6])
    # host labels called directly: the same error; labels already on the device: NaN, nothing read back
    pred = kcore.backend.constant(np.full((2, 3), 1 / 3, 'float32'))
    with pytest.raises(ValueError, match='Received labels from 0 to 5'):
        kcore.losses.sparse_categorical_crossentropy(np.array([0, 5]), pred)
    STATE['strict'] = True
    out = kcore.losses.sparse_categorical_crossentropy(kcore.backend.constant(np.array([0, 5])), pred)
    STATE['strict'] = False
    assert np.isfinite(out.numpy()).tolist() == [True, False]


# -- class weights: one path for arrays, generators, Sequences and train_on_batch -------------------------
def _twin_models(**compile_kwargs):
    a, b = _classifier(**compile_kwargs), _classifier(**compile_kwargs)
    b.set_weights(a.get_weights())
    return a, b


def test_class_weight_on_arrays_and_on_a_generator_give_the_same_steps():
    x, y, _ = _data()
    cw = {0: 0.5, 1: 2.0, 2: 1.5}
    a, b = _twin_models()

    def batches():
        while True:
            for i in range(0, 24, 6):
                yield x[i:i + 6], y[i:i + 6]

    ha = a.fit(x, y, class_weight=cw, batch_size=6, epochs=2, shuffle=False, verbose=0)
    hb = b.fit(batches(), steps_per_epoch=4, class_weight=cw, epochs=2, verbose=0)
    assert ha.history == hb.history
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)


def test_class_weight_multiplies_sample_weight_in_train_on_batch_as_in_fit():
    x, y, sw = _data(6)
    cw = {0: 3.0, 1: 1.0, 2: 0.25}
    a, b = _twin_models()
    la = a.train_on_batch(x, y, sample_weight=sw, class_weight=cw)
    lb = b.train_on_batch(x, y, sample_weight=sw * np.array([cw[c] for c in y], 'float32'))
    np.testing.assert_allclose(la, lb, rtol=1e-6)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-6)


def test_class_weight_with_one_hot_targets_and_per_output():
    x, y, _ = _data()
    onehot = np.eye(3, dtype='float32')[y]
    cw = {0: 0.5, 1: 2.0, 2: 1.5}
    a, b = _twin_models()
    for m in (a, b):
        m.compile(kcore.optimizers.SGD(0.1), 'categorical_crossentropy')
    ha = a.fit(x, onehot, class_weight=cw, batch_size=6, epochs=1, shuffle=False, verbose=0)
    hb = b.fit(x, onehot, sample_weight=np.array([cw[c] for c in y], 'float32'), batch_size=6, epochs=1,
               shuffle=False, verbose=0)
    np.testing.assert_allclose(ha.history['loss'], hb.history['loss'], rtol=1e-6)

    def two_outputs():
        np.random.seed(3)
        inputs = Input((5,))
        m = Model(inputs, [Dense(3, activation='softmax', name='c')(inputs), Dense(1, name='r')(inputs)])
        m.compile('sgd', ['sparse_categorical_crossentropy', 'mse'])
        return m
    c, d = two_outputs(), two_outputs()
    hc = c.fit(x, [y, x[:, :1]], class_weight={'c': cw}, batch_size=6, epochs=1, shuffle=False, verbose=0)
    hd = d.fit(x, [y, x[:, :1]], sample_weight=[np.array([cw[k] for k in y], 'float32'), None], batch_size=6,
               epochs=1, shuffle=False, verbose=0)
    np.testing.assert_allclose(hc.history['loss'], hd.history['loss'], rtol=1e-6)
    with pytest.raises(ValueError, match='a list of 1 element'):
        c.fit(x, [y, x[:, :1]], class_weight=[cw], verbose=0)


def test_bad_class_weights_are_refused_as_keras_does():
    x, y, _ = _data()
    m = _classifier()
    with pytest.raises(ValueError, match=r'must contain all classes in the data: no entry for class\(es\) \[2\]'):
        m.fit(x, y, class_weight={0: 1.0, 1: 1.0}, verbose=0)
    with pytest.raises(ValueError, match='must map class indices'):
        m.fit(x, y, class_weight={'zero': 1.0}, verbose=0)
    with pytest.raises(ValueError, match='must be a dict'):
        m.train_on_batch(x, y, class_weight=0.5)
    seq = Sequential([Dense(2, input_shape=(4, 3))])
    seq.compile('sgd', 'mse')
    with pytest.raises(ValueError, match='3\\+ dimensional targets'):
        seq.fit(np.zeros((4, 4, 3)), np.zeros((4, 4, 2)), class_weight={0: 1.0, 1: 1.0}, verbose=0)


def test_clipnorm_clips_each_gradient_and_global_clipnorm_all_together():
    def step(**clip):
        v1, v2 = kcore.backend.variable(np.zeros(2)), kcore.backend.variable(np.zeros(1))
        opt = kcore.optimizers.SGD(1.0, **clip)
        opt.apply_gradients([(np.array([3.0, 4.0]), v1), (np.array([0.5]), v2)])
        return -kcore.backend.get_value(v1), -kcore.backend.get_value(v2)

    g1, g2 = step(clipnorm=1.0)
    np.testing.assert_allclose(g1, [0.6, 0.8], rtol=1e-6)   # norm 5 -> 1
    np.testing.assert_allclose(g2, [0.5], rtol=1e-6)        # norm 0.5: unchanged
    g1, g2 = step(global_clipnorm=2.0)                       # global norm sqrt(25.25)
    scale = 2.0 / np.sqrt(25.25)
    np.testing.assert_allclose(np.concatenate([g1, g2]), np.array([3.0, 4.0, 0.5]) * scale, rtol=1e-6)
    g1, g2 = step(global_clipnorm=10.0)
    np.testing.assert_array_equal(np.concatenate([g1, g2]), [3.0, 4.0, 0.5])
    v = kcore.backend.variable(np.zeros(2))
    opt = kcore.optimizers.SGD(1.0, global_clipnorm=1.0)
    opt.apply_gradients([(np.array([np.inf, 1.0]), v)])
    assert np.isnan(kcore.backend.get_value(v)).all()  # Keras 3: a non-finite global norm gives NaN
