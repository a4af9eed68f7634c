"""A functional model lists its layers in Keras's order (``Functional``),
so that Keras's weight files, which pair layers by position, line up."""
import kcore
from kcore.layers import Activation, Add, Concatenate, Dense, Input


def test_deeper_branches_come_first_then_ties_in_walk_order():
    x = Input(shape=(4,), name='x')
    deep = Dense(4, name='deep_1')(x)
    deep = Dense(4, name='deep_2')(deep)
    shallow = Dense(4, name='shallow')(x)
    out = Activation('relu', name='out')(Add(name='add')([deep, shallow]))
    model = kcore.Model(x, out)
    # Keras: depth from the output, deepest first; shallow ties with deep_2 and comes after it
    assert [l.name for l in model.layers] == ['x', 'deep_1', 'deep_2', 'shallow', 'add', 'out']


def test_the_shortcut_listed_first_in_the_merge_is_walked_first():
    x = Input(shape=(4,), name='x')
    short = Dense(4, name='short')(x)
    long = Dense(4, name='long_2')(Dense(4, name='long_1')(x))
    model = kcore.Model(x, Add(name='add')([short, long]))
    assert [l.name for l in model.layers] == ['x', 'long_1', 'short', 'long_2', 'add']


def test_shared_layers_are_listed_once_at_their_deepest_use():
    x = Input(shape=(3,), name='x')
    shared = Dense(3, name='shared')
    y = Concatenate(name='cat')([shared(x), shared(Dense(3, name='pre')(x))])
    model = kcore.Model(x, y)
    assert [l.name for l in model.layers] == ['x', 'pre', 'shared', 'cat']
