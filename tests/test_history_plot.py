"""kcore.utils.plot_history: one panel per metric, the plotted points are the logged values."""
import sys

import numpy as np
import pytest

import kcore
from kcore import layers
from kcore.utils import plot_history

pytest.importorskip('matplotlib')
from matplotlib import pyplot  # noqa: E402


@pytest.fixture
def close_figures():
    yield
    pyplot.close('all')


def _history():
    kcore.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 3)).astype('float32')
    y = (x[:, :1] > 0).astype('float32')
    model = kcore.Sequential([layers.Dense(1, activation='sigmoid', input_shape=(3,))])
    model.compile('adam', 'binary_crossentropy', metrics=['accuracy'])
    return model.fit(x, y, epochs=3, batch_size=8, validation_split=0.25, verbose=0)


def _lines(ax):
    return {line.get_label(): (list(line.get_xdata()), list(line.get_ydata())) for line in ax.get_lines()}


def test_one_panel_per_metric_with_train_and_validation_curves(tmp_path, close_figures):
    history = _history()
    fig = plot_history(history, metrics=['loss', 'accuracy'], to_file=str(tmp_path / 'h.png'))
    loss_ax, acc_ax = fig.axes
    assert loss_ax.get_title() == 'loss' and acc_ax.get_title() == 'accuracy'
    lines = _lines(loss_ax)
    assert lines['loss'][0] == [1, 2, 3]
    np.testing.assert_allclose(lines['loss'][1], history.history['loss'])
    np.testing.assert_allclose(lines['val_loss'][1], history.history['val_loss'])
    assert loss_ax.get_xlabel() == 'epoch'
    assert all(float(t).is_integer() for t in loss_ax.get_xticks())  # whole epochs only
    assert (tmp_path / 'h.png').read_bytes().startswith(b'\x89PNG')


def test_default_metrics_are_every_logged_quantity_and_a_dict_works(close_figures):
    history = _history()
    assert [ax.get_title() for ax in plot_history(history).axes] == ['loss', 'accuracy']
    fig = plot_history({'loss': [3.0, 2.0], 'val_mae': [1.0, 0.5], 'lr': [0.1, 0.1]}, metrics='mae')
    assert list(_lines(fig.axes[0])) == ['val_mae']
    assert [ax.get_title() for ax in plot_history({'loss': [1.0], 'val_mae': [2.0]}).axes] == ['loss', 'mae']


def test_svg_output_and_figure_size(tmp_path, close_figures):
    fig = plot_history({'loss': [1.0, 0.5]}, to_file=str(tmp_path / 'h.svg'), figsize=(4, 2), dpi=50)
    assert tuple(fig.get_size_inches()) == (4, 2)
    assert b'<svg' in (tmp_path / 'h.svg').read_bytes()


def test_bad_input_is_refused_clearly(close_figures):
    with pytest.raises(ValueError, match=r"metric 'acc' was not logged. Expected one of \['loss', 'val_loss'\]"):
        plot_history({'loss': [1.0], 'val_loss': [2.0]}, metrics=['acc'])
    with pytest.raises(ValueError, match='the history is empty'):
        plot_history({})
    with pytest.raises(TypeError, match='expects the History that fit'):
        plot_history([1, 2])


def test_without_matplotlib_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, 'matplotlib', None)
    monkeypatch.setitem(sys.modules, 'matplotlib.pyplot', None)
    with pytest.raises(ImportError, match=r'pip install "kcore\[plot\]"'):
        plot_history({'loss': [1.0]})
