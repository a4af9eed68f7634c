"""kcore.distribute: strategies by name, the contract the trainer calls, and the
pieces every engine shares (gradient buffer, metric merging, backward hook).

The MPI engine itself is tested under mpiexec in plugins/kcore-mpi/tests.
"""
import importlib.metadata

import numpy as np
import pytest

import kcore
from kcore import callbacks as cbs
from kcore import backend as K
from kcore import plugins
from kcore.autodiff.tensor import Variable, gradients
from kcore.distribute import Strategy, get_strategy
from kcore.distribute.averaging import GradientBuffer
from kcore.layers import Dense
from kcore.training import metrics as metrics_mod
from helpers.dists import fresh_plugins  # noqa: F401  (fixture)


def _without_entry_point(monkeypatch, name):
    real = importlib.metadata.entry_points

    def entry_points(**kwargs):
        return [ep for ep in real(**kwargs) if ep.name != name]
    monkeypatch.setattr(importlib.metadata, 'entry_points', entry_points)


def test_a_missing_engine_names_the_package_to_install(fresh_plugins, monkeypatch):  # noqa: F811
    _without_entry_point(monkeypatch, 'mpi')
    # an ImportError (kcore.errors.MissingPluginError, issue 19): `from kcore.distribute import
    # MPIDataParallel` shows the pip line too
    with pytest.raises(ImportError, match=r"Unknown strategy: 'MPIDataParallel'.*pip install kcore-mpi"):
        kcore.distribute.MPIDataParallel


def test_strategies_register_like_any_other_kind(fresh_plugins):  # noqa: F811
    class LocalEngine(Strategy):
        pass
    with plugins.registered(LocalEngine):
        assert kcore.distribute.LocalEngine is LocalEngine
        assert plugins.registry('strategies').name_of(LocalEngine) == 'LocalEngine'


def _model():
    model = kcore.Sequential([Dense(4, activation='relu', input_shape=(3,)), Dense(2, activation='softmax')])
    model.compile('sgd', 'categorical_crossentropy', metrics=['accuracy'])
    return model


def test_scope_sets_the_strategy_of_models_compiled_in_it():
    outer, inner = Strategy(), Strategy()
    assert _model().distribute_strategy is get_strategy()
    with outer.scope():
        with inner.scope():
            assert get_strategy() is inner
            model = _model()
        assert get_strategy() is outer
    assert model.distribute_strategy is inner
    assert get_strategy() is not outer and get_strategy().size == 1
    alone = _model()  # compiled outside any scope: follows the scope in effect when it trains
    with outer.scope():
        assert alone.distribute_strategy is outer
    assert alone.distribute_strategy is get_strategy()


class Recorder(Strategy):
    """A one-process 'engine' that plays rank 1 of 2 and records what the trainer asks of it."""

    rank, size = 1, 2

    def __init__(self):
        self.calls = []

    def prepare(self, model):
        self.calls.append(('prepare', model.built))

    def permutation(self, n):
        self.calls.append(('permutation', n))
        return np.arange(n)[::-1]

    def shard(self, batch):
        self.calls.append(('shard', len(batch[0])))
        return batch

    def gradients(self, loss, variables, samples):
        self.calls.append(('gradients', samples))
        return super().gradients(loss, variables, samples)

    def merged_metrics(self, metrics):
        self.calls.append(('merged_metrics', len(metrics)))
        return super().merged_metrics(metrics)

    def agree(self, flag):
        self.calls.append(('agree', flag))
        return flag

    def sync_state(self, model):
        self.calls.append(('sync_state',))

    def gather(self, chunks):
        self.calls.append(('gather', len(chunks)))
        return super().gather(chunks)


def test_fit_evaluate_predict_call_the_strategy_at_each_point(tmp_path, capsys):
    strategy = Recorder()
    with strategy.scope():
        model = _model()
    x = np.random.rand(10, 3).astype('float32')
    y = np.eye(2, dtype='float32')[np.arange(10) % 2]
    marker = tmp_path / 'log.csv'
    model.fit(x, y, batch_size=4, epochs=2, verbose=1,
              callbacks=[cbs.CSVLogger(str(marker)), cbs.ModelCheckpoint(str(tmp_path / 'm.h5')),
                         cbs.TensorBoard(str(tmp_path / 'tb'))])
    calls = strategy.calls
    assert calls[0] == ('permutation', 10)
    assert calls.count(('prepare', True)) == 1 and len([c for c in calls if c[0] == 'prepare']) == 1
    assert [c for c in calls if c[0] == 'shard'] == [('shard', 4), ('shard', 4), ('shard', 2)] * 2
    assert [c for c in calls if c[0] == 'gradients'] == [('gradients', 4), ('gradients', 4), ('gradients', 2)] * 2
    assert calls.count(('sync_state',)) == 2
    assert calls.count(('agree', False)) == 3 * 2 + 2  # after every step and every epoch
    # rank 1 runs no chief-only callback and prints no progress bar
    assert not marker.exists() and not (tmp_path / 'm.h5').exists() and not (tmp_path / 'tb').exists()
    assert capsys.readouterr().out == ''
    strategy.calls.clear()
    model.evaluate(x, y, batch_size=4, verbose=0)
    assert [c[0] for c in strategy.calls].count('shard') == 3
    strategy.calls.clear()
    assert model.predict(x, batch_size=3, verbose=0).shape == (10, 2)
    assert [c for c in strategy.calls if c[0] in ('shard', 'gather')] == [('shard', 3)] * 3 + [('shard', 1),
                                                                                             ('gather', 4)]


def test_a_stop_decided_by_the_engine_stops_every_process():
    class StopsAfterTwoSteps(Strategy):
        steps = 0

        def agree(self, flag):
            self.steps += 1
            return flag or self.steps >= 2
    with StopsAfterTwoSteps().scope():
        model = _model()
    history = model.fit(np.zeros((12, 3), 'float32'), np.zeros((12, 2), 'float32'), batch_size=2, epochs=3,
                        verbose=0)
    assert model.optimizer.iterations == 2 and len(history.history['loss']) == 1


def test_empty_slices_train_and_evaluate_without_rows():
    class NothingHere(Strategy):
        def shard(self, batch):
            return tuple(None if p is None else p[:0] for p in batch)

        def gradients(self, loss, variables, samples):
            assert loss is None and samples == 0
            return [np.zeros(v.shape, 'float32') for v in variables]
    strategy = NothingHere()
    with strategy.scope():
        model = _model()
    x, y = np.ones((4, 3), 'float32'), np.ones((4, 2), 'float32') / 2
    before = [w.copy() for w in model.get_weights()]
    model.fit(x, y, batch_size=2, epochs=1, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    assert model.evaluate(x, y, verbose=0) == [0.0, 0.0]


def test_gradient_buffer_weights_replicas_by_their_samples():
    rs = np.random.RandomState(0)
    variables = [np.zeros((3, 2), 'float32'), np.zeros(2, 'float32'), np.zeros(4, 'float32')]
    per_sample = [[rs.rand(*v.shape).astype('float32') for v in variables] for _ in range(5)]
    whole = [np.mean([g[i] for g in per_sample], axis=0) for i in range(3)]
    slices = [per_sample[:3], per_sample[3:], []]  # unequal slices, one replica without rows
    total = None
    for part in slices:
        buffer = GradientBuffer(variables, np)
        grads = [np.mean([g[i] for g in part], axis=0) for i in range(2)] + [None] if part else None
        buffer.pack(grads, len(part))
        total = buffer.buffer.copy() if total is None else total + buffer.buffer
    buffer.buffer[...] = total
    averaged = buffer.unpack()
    np.testing.assert_allclose(averaged[0], whole[0], rtol=1e-6)
    np.testing.assert_allclose(averaged[1], whole[1], rtol=1e-6)
    assert averaged[2] is None  # no replica had a gradient for it
    assert averaged[0].base is not None and averaged[0].shape == (3, 2)


def test_gradients_report_each_one_as_it_completes():
    w1, w2, unused = Variable(np.full((3, 3), 0.5)), Variable(np.ones(3)), Variable(np.ones(2))
    x = Variable(np.arange(3.0))
    loss = K.sum((x @ w1) * w2) + K.sum(x @ w1)
    seen = []
    expected = gradients(loss, [w1, w2, unused])
    got = gradients(loss, [w1, w2, unused], on_ready=lambda i, g: seen.append((i, None if g is None else g.copy())))
    assert sorted(i for i, _ in seen) == [0, 1, 2]
    assert [i for i, _ in seen].index(1) < [i for i, _ in seen].index(0)  # w2 (used last) completes first
    for i, g in seen:
        if expected[i] is None:
            assert g is None and got[i] is None
        else:
            np.testing.assert_allclose(g, expected[i])


@pytest.mark.parametrize('make', [
    lambda: metrics_mod.Mean(), lambda: metrics_mod.get('BinaryAccuracy'), lambda: metrics_mod.get('AUC'),
    lambda: metrics_mod.get('Precision'), lambda: metrics_mod.get('Recall'), lambda: metrics_mod.get('MeanAbsoluteError'),
    lambda: metrics_mod.get('TruePositives')], ids=['mean', 'accuracy', 'auc', 'precision', 'recall', 'mae', 'tp'])
def test_summed_states_of_two_shards_give_the_metric_of_the_whole(make):
    rs = np.random.RandomState(1)
    y_true = (rs.rand(30, 1) > 0.5).astype('float32')
    y_pred = rs.rand(30, 1).astype('float32')
    whole, first, second = make(), make(), make()
    if isinstance(whole, metrics_mod.Mean) and type(whole) is metrics_mod.Mean:
        whole.update_state(y_pred), first.update_state(y_pred[:11]), second.update_state(y_pred[11:])
    else:
        whole.update_state(y_true, y_pred)
        first.update_state(y_true[:11], y_pred[:11])
        second.update_state(y_true[11:], y_pred[11:])
    assert first.summed_state
    for name in first.summed_state:
        setattr(first, name, getattr(first, name) + getattr(second, name))
    np.testing.assert_allclose(first.result(), whole.result(), rtol=1e-6)
