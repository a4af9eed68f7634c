"""fit() on bad training data: NaN/inf named, empty data and bad loop arguments refused, impossible labels
warned about (issue 15)."""
import warnings

import numpy as np
import pytest

import kcore
from kcore.layers import Dense, Input
from kcore.models import Model, Sequential
from kcore.training.data_checks import DataWarning, first_non_finite


def _model(loss='mse', units=1, activation=None):
    model = Sequential([Dense(units, input_shape=(3,), activation=activation)])
    model.compile('sgd', loss)
    return model


def _data(n=8):
    rng = np.random.RandomState(0)
    return rng.normal(size=(n, 3)).astype('float32'), rng.normal(size=(n, 1)).astype('float32')


@pytest.mark.parametrize('where, bad', [('x', np.nan), ('x', np.inf), ('y', -np.inf)])
def test_non_finite_data_warns_once_naming_the_array_and_first_index(where, bad):
    x, y = _data()
    (x if where == 'x' else y)[6, 0] = bad
    (x if where == 'x' else y)[7, 0] = bad
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        _model().fit(x, y, epochs=2, batch_size=2, verbose=0)
    ours = [w for w in caught if issubclass(w.category, DataWarning)]
    assert len(ours) == 1
    assert '%s at index (6, 0)' % where in str(ours[0].message)


def test_non_finite_data_raises_under_kcore_debug(monkeypatch):
    monkeypatch.setenv('KCORE_DEBUG', '1')
    x, y = _data()
    x[3, 2] = np.nan
    model = _model()
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match=r'x at index \(3, 2\).*KCORE_DEBUG'):
        model.fit(x, y, verbose=0)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_inputs_named_by_position_and_key():
    a, b = Input((3,), name='a'), Input((3,), name='b')
    model = Model([a, b], Dense(1)(kcore.layers.concatenate([a, b])))
    model.compile('sgd', 'mse')
    x, y = _data()
    xb = x.copy()
    xb[2, 1] = np.inf
    with np.errstate(all='ignore'):  # the training steps themselves meet the infinity too
        with pytest.warns(DataWarning, match=r'x\[1\] at index \(2, 1\)'):
            model.fit([x, xb], y, verbose=0)
        with pytest.warns(DataWarning, match=r"x\['b'\] at index \(2, 1\)"):
            model.fit({'a': x, 'b': xb}, y, verbose=0)


def test_the_check_is_one_reduction_for_clean_data_and_exact_for_float64_extremes():
    assert first_non_finite(np.full((4, 2), 1e308)) is None  # the float64 sum overflows; the data is fine
    assert first_non_finite(np.arange(6, dtype='int64')) is None
    assert first_non_finite(np.array([[0.0, np.nan]], 'float16')) == (0, 1)


@pytest.mark.parametrize('kwargs, message', [
    ({'x': np.zeros((0, 3), 'float32'), 'y': np.zeros((0, 1), 'float32')}, 'received no samples'),
    ({'epochs': -1}, 'epochs must be a non-negative integer'),
    ({'epochs': 1.5}, 'epochs must be a non-negative integer'),
    ({'steps_per_epoch': 0}, 'steps_per_epoch must be a positive integer'),
    ({'initial_epoch': -2}, 'initial_epoch must be a non-negative integer'),
])
def test_empty_data_and_bad_loop_arguments_raise(kwargs, message):
    x, y = _data()
    args = dict({'x': x, 'y': y, 'verbose': 0}, **kwargs)
    with pytest.raises(ValueError, match=message):
        _model().fit(**args)


def test_fractional_sparse_labels_warn():
    x, _ = _data()
    y = np.array([0, 1, 2, 1.5, 0, 1, 2, 0], 'float32')
    with pytest.warns(DataWarning, match='fractional values.*1.5'):
        _model('sparse_categorical_crossentropy', units=3, activation='softmax').fit(x, y, verbose=0)


def test_binary_labels_outside_0_1_warn():
    x, _ = _data()
    y = np.array([[-1], [1]] * 4, 'float32')
    with pytest.warns(DataWarning, match=r'range over \[-1.0, 1.0\]'):
        _model('binary_crossentropy', activation='sigmoid').fit(x, y, verbose=0)


def test_good_labels_do_not_warn():
    x, _ = _data()
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        _model('sparse_categorical_crossentropy', units=3, activation='softmax').fit(
            x, np.array([0, 1, 2, 1, 0, 1, 2, 0], 'float32'), verbose=0)
        _model('binary_crossentropy', activation='sigmoid').fit(x, np.array([[0], [1]] * 4, 'float32'), verbose=0)


@pytest.mark.parametrize('weights', [[float('nan')], [float('inf')]])
def test_non_finite_loss_weights_are_refused(weights):
    with pytest.raises(ValueError, match='loss_weights must be finite'):
        Sequential([Dense(1, input_shape=(3,))]).compile('sgd', 'mse', loss_weights=weights)
