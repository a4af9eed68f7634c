"""model.summary(): Keras's table for Sequential, graph, nested and subclassed models."""
import numpy as np
import pytest

import kcore
from kcore import layers


def _summary(model, **kwargs):
    lines = []
    model.summary(print_fn=lines.append, **kwargs)
    return lines


def test_sequential_table_rows_and_totals():
    model = kcore.Sequential([layers.Dense(512, input_dim=3072, activation='relu', name='d1'),
                              layers.BatchNormalization(name='bn'), layers.Dense(10, name='d2')])
    lines = _summary(model)
    assert lines[0] == 'Model: "%s"' % model.name
    assert lines[2].split() == ['Layer', '(type)', 'Output', 'Shape', 'Param', '#']
    rows = [line for line in lines if line.startswith(('d1 ', 'bn ', 'd2 '))]
    assert rows[0].split() == ['d1', '(Dense)', '(None,', '512)', '1573376']
    assert rows[1].split() == ['bn', '(BatchNormalization)', '(None,', '512)', '2048']
    assert rows[2].split() == ['d2', '(Dense)', '(None,', '10)', '5130']
    assert 'Connected to' not in '\n'.join(lines)
    total = 1573376 + 2048 + 5130
    assert 'Total params: {:,}'.format(total) in lines
    assert 'Trainable params: {:,}'.format(total - 1024) in lines
    assert 'Non-trainable params: 1,024' in lines
    assert all(len(line) <= 65 for line in lines)


def test_summary_prints_with_print_by_default(capsys):
    kcore.Sequential([layers.Dense(2, input_shape=(3,))]).summary()
    assert 'Total params: 8' in capsys.readouterr().out


def test_graph_summary_has_connected_to():
    a = kcore.Input(shape=(4,), name='in_a')
    b = kcore.Input(shape=(4,), name='in_b')
    shared = layers.Dense(3, name='shared')
    merged = layers.concatenate([shared(a), shared(b)], name='cat')
    model = kcore.Model([a, b], layers.Dense(1, name='out')(merged))
    text = '\n'.join(_summary(model))
    assert 'Connected to' in text
    assert 'in_a (InputLayer)' in text
    cat_row = [line for line in text.splitlines() if line.startswith('cat ')][0]
    assert 'shared[0][0]' in cat_row and 'shared[1][0]' in text
    shared_row = [line for line in text.splitlines() if line.startswith('shared ')][0]
    assert 'in_a[0][0]' in shared_row and 'in_b[0][0]' in text
    assert 'Total params: {:,}'.format(4 * 3 + 3 + 6 + 1) in text


def test_nested_model_is_one_row_unless_expanded():
    inner = kcore.Sequential([layers.Dense(3, input_shape=(2,), name='inner_dense')], name='inner')
    x = kcore.Input(shape=(2,))
    outer = kcore.Model(x, layers.Dense(1)(inner(x)), name='outer')
    text = '\n'.join(_summary(outer))
    assert 'inner (Sequential)' in text and 'inner_dense' not in text
    expanded = '\n'.join(_summary(outer, expand_nested=True))
    assert '| inner_dense (Dense)' in expanded


def test_subclassed_model_summary_after_build():
    class MLP(kcore.Model):
        def __init__(self):
            super().__init__(name='mlp')
            self.hidden = layers.Dense(5)
            self.out = layers.Dense(2)

        def call(self, x):
            return self.out(self.hidden(x))

    model = MLP()
    with pytest.raises(ValueError, match='not been built'):
        model.summary()
    model(np.ones((1, 3), 'float32'))
    text = '\n'.join(_summary(model))
    assert 'dense' in text and '(None, 5)' in text and '(None, 2)' in text
    assert 'Total params: {:,}'.format(3 * 5 + 5 + 5 * 2 + 2) in text


def test_show_trainable_and_custom_widths():
    model = kcore.Sequential([layers.Dense(2, input_shape=(3,), name='a'), layers.Dense(1, name='b')])
    model.layers[0].trainable = False
    lines = _summary(model, show_trainable=True, line_length=80)
    assert 'Trainable' in lines[2]
    assert lines[4].rstrip().endswith('N') and [line for line in lines if line.startswith('b ')][0].endswith('Y')
    assert 'Non-trainable params: 8' in lines


def test_unbuilt_sequential_refuses():
    with pytest.raises(ValueError, match='not been built'):
        kcore.Sequential([layers.Dense(2)]).summary()
