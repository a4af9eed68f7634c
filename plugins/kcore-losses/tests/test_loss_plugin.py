"""The plugin as users meet it: names in ``compile``, the ``pip install`` hint
without it, and ``known.py`` equal to what it registers."""
import os
import subprocess
import sys

import numpy as np
import pytest

import kcore
import kcore_losses as L
from kcore import plugins
from kcore.layers import Activation, Dense
from kcore.models import Sequential
from kcore.plugins import known
from kcore_losses import metrics as M

rng = np.random.RandomState(5)
N, D = 8, 4
Y_TRUE = np.eye(D, dtype='float32')[rng.randint(0, D, N)]  # suits every loss here
Y_PRED = rng.uniform(0.05, 0.95, (N, D)).astype('float32')


def _identity_model():
    m = Sequential()
    m.add(Activation('linear', input_shape=(D,)))
    return m


def test_known_names_are_exactly_what_the_plugin_registers():
    record = next(r for r in plugins.plugins() if r['distribution'] == 'kcore-losses')
    assert record['status'] == 'loaded', record['error']
    expected = known.FIRST_PARTY['kcore-losses']
    assert set(record['registered']) == set(expected)
    for kind, names in expected.items():
        assert len(names) == len(set(names)), kind
        assert sorted(names) == record['registered'][kind], kind
        for name in names:
            assert plugins.registry(kind).entry(name).distribution.startswith('kcore-losses')


@pytest.mark.parametrize('name', known.FIRST_PARTY['kcore-losses']['losses'])
def test_every_loss_name_works_in_compile(name):
    obj = plugins.get('losses', name)
    fn = obj().fn if isinstance(obj, type) else obj
    m = _identity_model()
    m.compile(optimizer='sgd', loss=name)
    got = m.evaluate(Y_PRED, Y_TRUE, batch_size=3, verbose=0)
    np.testing.assert_allclose(got, np.asarray(fn(Y_TRUE, Y_PRED).data).mean(), rtol=1e-5)


@pytest.mark.parametrize('classes', [False, True], ids=['functions', 'classes'])
def test_every_metric_name_works_in_compile(classes):
    # functions and classes apart: 'MeanAbsolutePercentageError' logs as 'mean_absolute_percentage_error';
    # a class once (its alias would log under the same name)
    names = [n for n in known.FIRST_PARTY['kcore-losses']['metrics']
             if isinstance(plugins.get('metrics', n), type) == classes
             and not (classes and plugins.registry('metrics').entry(n).alias_of)]
    m = _identity_model()
    m.compile(optimizer='sgd', loss='mse', metrics=names)
    logs = m.evaluate(Y_PRED, Y_TRUE, batch_size=3, verbose=0, return_dict=True)
    for name in names:
        obj = plugins.get('metrics', name)
        metric = obj() if classes else None
        key, fn = (metric.name, metric.fn) if classes else (name, obj)
        np.testing.assert_allclose(logs[key], np.asarray(fn(Y_TRUE, Y_PRED).data).mean(), rtol=1e-5,
                                   err_msg=name)
    assert logs['cosine_similarity'] > 0  # the metric is not negated


def test_keras_capitalised_aliases_resolve():
    for alias, fn in (('MAE', L.mean_absolute_error), ('MAPE', L.mean_absolute_percentage_error),
                      ('MSLE', L.mean_squared_logarithmic_error), ('KLD', L.kl_divergence)):
        assert kcore.losses.get(alias) is fn
    assert kcore.metrics.get('MAPE').__name__ == 'mean_absolute_percentage_error'


def test_attribute_access_and_own_metrics_untouched():
    assert kcore.losses.Huber is L.Huber
    assert kcore.metrics.LogCoshError is M.LogCoshError
    assert kcore.metrics.Hinge is M.Hinge and kcore.losses.Hinge is L.Hinge
    # kcore's own mae metric stays the core's (no second registration, no conflict)
    assert plugins.registry('metrics').entry('mae').distribution.startswith('kcore ')


@pytest.mark.parametrize('loss', ['huber', 'log_cosh', 'mae', L.Huber(delta=0.5)], ids=str)
def test_training_with_a_plugin_loss_reduces_it(loss):
    x = rng.normal(size=(32, 3)).astype('float32')
    y = x @ np.array([[1.0], [-2.0], [0.5]], 'float32')
    m = Sequential([Dense(1, input_shape=(3,))])
    m.compile(optimizer=kcore.optimizers.SGD(learning_rate=0.1), loss=loss)
    before = m.evaluate(x, y, verbose=0)
    m.fit(x, y, epochs=15, batch_size=8, verbose=0)
    assert m.evaluate(x, y, verbose=0) < 0.5 * before


def test_without_the_plugin_compile_says_what_to_install():
    code = ('from kcore.models import Sequential\n'
            'from kcore.layers import Dense\n'
            'm = Sequential([Dense(1, input_shape=(2,))])\n'
            'for kw in ({"loss": "hinge"}, {"loss": "mse", "metrics": ["mape"]}):\n'
            '    try:\n'
            '        m.compile(optimizer="sgd", **kw)\n'
            '    except Exception as e:\n'
            '        print(type(e).__name__, e)\n'
            '    else:\n'
            '        print("compiled", kw)\n')
    env = dict(os.environ, KCORE_DISABLE_PLUGINS='losses')
    out = subprocess.run([sys.executable, '-c', code], env=env, capture_output=True, text=True, timeout=60)
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 2, out.stdout + out.stderr
    for line in lines:
        assert line.startswith('UnknownNameError') and 'pip install kcore-losses' in line, line
