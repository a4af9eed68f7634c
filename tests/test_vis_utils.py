"""plot_model / model_to_dot: boxes, arrows, nested clusters, and the files they write."""
import os
import shutil
import struct
import sys

import pytest

import kcore
from kcore import layers
from kcore.utils import model_to_dot, plot_model

pydot = pytest.importorskip('pydot')

#: .ci/run installs Graphviz and sets this, so CI cannot skip the image tests silently
REQUIRE_GRAPHVIZ = os.environ.get('KCORE_TEST_REQUIRE_GRAPHVIZ') == '1'


def needs_graphviz():
    if shutil.which('dot') is None:
        if REQUIRE_GRAPHVIZ:
            pytest.fail('KCORE_TEST_REQUIRE_GRAPHVIZ=1 but Graphviz\'s dot is not on the PATH')
        pytest.skip('Graphviz (dot) is not installed')


def _labels(dot):
    """layer name -> label, over the graph and its clusters."""
    out = {}
    graphs = [dot]
    while graphs:
        g = graphs.pop()
        graphs.extend(g.get_subgraphs())
        for node in g.get_nodes():
            label = node.get('label')
            if label:
                out[label.strip('"').split(':')[0]] = label.strip('"')
    return out


def _ids(dot):
    """layer name -> node id (names are the label's first word)."""
    ids = {}
    graphs = [dot]
    while graphs:
        g = graphs.pop()
        graphs.extend(g.get_subgraphs())
        for node in g.get_nodes():
            label = node.get('label')
            if label:
                ids[label.strip('"').split(':')[0]] = node.get_name()
    return ids


def _edges(dot):
    names = {v: k for k, v in _ids(dot).items()}
    return sorted((names[e.get_source()], names[e.get_destination()]) for e in dot.get_edges())


def shared_model():
    a = kcore.Input((4,), name='a')
    b = kcore.Input((4,), name='b')
    shared = layers.Dense(3, name='shared')
    merged = layers.Concatenate(name='merge')([shared(a), shared(b)])
    return kcore.Model([a, b], layers.Dense(1, name='out')(merged), name='siamese')


def nested_model():
    inner_in = kcore.Input((6,), name='inner_in')
    inner = kcore.Model(inner_in, layers.Dense(2, name='inner_dense')(layers.Dense(5, name='inner_hidden')(inner_in)),
                        name='inner')
    x = kcore.Input((6,), name='x')
    return kcore.Model(x, layers.Dense(1, name='head')(inner(x)), name='outer')


def test_one_box_per_layer_and_one_arrow_per_connection_for_a_shared_layer():
    dot = model_to_dot(shared_model())
    assert set(_labels(dot)) == {'a', 'b', 'shared', 'merge', 'out'}
    assert _labels(dot)['shared'] == 'shared: Dense'
    assert _edges(dot) == [('a', 'shared'), ('b', 'shared'), ('merge', 'out'), ('shared', 'merge')]
    assert dot.get('rankdir') == 'TB' and dot.get('dpi') == 96


def test_show_shapes_gives_input_and_output_shapes_and_multiple_for_a_shared_layer_that_differs():
    a = kcore.Input((4,), name='a')
    b = kcore.Input((4,), name='b')
    dense = layers.Dense(3, name='d')
    x = dense(a)
    y = layers.Dense(3, name='to3')(b)
    shared = layers.Activation('relu', name='act')
    model = kcore.Model([a, b], [shared(x), shared(layers.Reshape((3, 1), name='r')(y))])
    labels = _labels(model_to_dot(model, show_shapes=True))
    assert labels['d'] == 'd: Dense|{input:|output:}|{{(None, 4)}|{(None, 3)}}'
    assert labels['a'] == 'a: InputLayer|{input:|output:}|{{(None, 4)}|{(None, 4)}}'
    assert labels['act'].endswith('{{multiple}|{multiple}}')


def test_show_layer_names_false_gives_the_class_only():
    labels = [n.get('label') for n in model_to_dot(shared_model(), show_layer_names=False).get_nodes()
              if n.get('label')]
    assert sorted(labels) == ['Concatenate', 'Dense', 'Dense', 'InputLayer', 'InputLayer']


def test_a_nested_model_is_one_box_unless_expanded():
    dot = model_to_dot(nested_model())
    assert not dot.get_subgraphs()
    assert _edges(dot) == [('inner', 'head'), ('x', 'inner')]


def test_expand_nested_draws_a_cluster_and_wires_arrows_to_the_inner_layers():
    dot = model_to_dot(nested_model(), expand_nested=True)
    (cluster,) = dot.get_subgraphs()
    assert cluster.get_name().startswith('cluster_') and cluster.get('label') == 'inner'
    assert {n.get('label').strip('"').split(':')[0] for n in cluster.get_nodes()} == \
        {'inner_in', 'inner_hidden', 'inner_dense'}
    outer = _edges(dot)
    assert outer == [('inner_dense', 'head'), ('x', 'inner_in')]
    names = {v: k for k, v in _ids(dot).items()}
    inner = sorted((names[e.get_source()], names[e.get_destination()]) for e in cluster.get_edges())
    assert inner == [('inner_hidden', 'inner_dense'), ('inner_in', 'inner_hidden')]


def test_a_nested_sequential_expands_inside_a_sequential():
    inner = kcore.Sequential([layers.Dense(3, input_shape=(2,), name='i1'), layers.Dense(3, name='i2')], name='block')
    model = kcore.Sequential([inner, layers.Dense(1, name='top')], name='stack')
    dot = model_to_dot(model, expand_nested=True)
    (cluster,) = dot.get_subgraphs()
    inner_names = {n.get('label').strip('"').split(':')[0] for n in cluster.get_nodes()}
    assert {'i1', 'i2'} <= inner_names
    assert ('i2', 'top') in _edges(dot)


def test_a_multi_input_nested_model_receives_each_arrow_at_its_own_input():
    p = kcore.Input((2,), name='p')
    q = kcore.Input((2,), name='q')
    inner = kcore.Model([p, q], layers.Add(name='plus')([p, q]), name='pair')
    u = kcore.Input((2,), name='u')
    v = kcore.Input((2,), name='v')
    model = kcore.Model([u, v], inner([layers.Dense(2, name='du')(u), layers.Dense(2, name='dv')(v)]))
    edges = _edges(model_to_dot(model, expand_nested=True))
    assert ('du', 'p') in edges and ('dv', 'q') in edges


def test_wrapper_labels_name_the_wrapped_layer():
    x = kcore.Input((5, 3), name='seq')
    model = kcore.Model(x, layers.TimeDistributed(layers.Dense(2, name='inner'), name='td')(x))
    assert _labels(model_to_dot(model))['td(inner)'] == 'td(inner): TimeDistributed(Dense)'


def test_bad_arguments_and_models_without_a_graph_are_refused_clearly():
    with pytest.raises(ValueError, match="rankdir must be one of .*Received: rankdir='XY'"):
        model_to_dot(shared_model(), rankdir='XY')
    with pytest.raises(ValueError, match='dpi must be a positive number'):
        model_to_dot(shared_model(), dpi=0)
    with pytest.raises(ValueError, match='has not been built yet.*input_shape'):
        model_to_dot(kcore.Sequential([layers.Dense(2)]))

    class Sub(kcore.Model):
        def __init__(self):
            super().__init__()
            self.d = layers.Dense(2)

        def call(self, x):
            return self.d(x)

    with pytest.raises(ValueError, match='subclassed model, which has no graph'):
        model_to_dot(Sub())


def test_a_dot_file_is_written_without_graphviz_and_an_image_asks_for_it(tmp_path, monkeypatch):
    monkeypatch.setenv('PATH', str(tmp_path / 'empty'))
    assert shutil.which('dot') is None
    plot_model(shared_model(), to_file=str(tmp_path / 'm.dot'), show_shapes=True)
    text = (tmp_path / 'm.dot').read_text()
    assert text.startswith('digraph') and 'shared: Dense' in text
    assert text.count(' -> ') == 4 and 'merge: Concatenate' in text
    with pytest.raises(OSError, match=r'apt-get install graphviz.*to_file="model.dot"'):
        plot_model(shared_model(), to_file=str(tmp_path / 'm.png'))
    assert not (tmp_path / 'm.png').exists()


def test_without_pydot_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, 'pydot', None)
    with pytest.raises(ImportError, match=r'pip install "kcore\[plot\]"'):
        model_to_dot(shared_model())


def _png_size(path):
    with open(path, 'rb') as f:
        head = f.read(24)
    assert head[:8] == b'\x89PNG\r\n\x1a\n'
    return struct.unpack('>II', head[16:24])


def test_plot_model_writes_a_png_whose_size_follows_dpi(tmp_path):
    needs_graphviz()
    model = nested_model()
    assert plot_model(model, to_file=str(tmp_path / 'a.png'), show_shapes=True, expand_nested=True) is None \
        or 'IPython' in sys.modules
    w1, h1 = _png_size(tmp_path / 'a.png')
    plot_model(model, to_file=str(tmp_path / 'b.png'), show_shapes=True, expand_nested=True, dpi=192)
    w2, h2 = _png_size(tmp_path / 'b.png')
    assert w2 > 1.8 * w1 and h2 > 1.8 * h1
    plot_model(model, to_file=str(tmp_path / 'noext'))
    _png_size(tmp_path / 'noext')


@pytest.mark.parametrize('ext,magic', [('svg', b'<?xml'), ('pdf', b'%PDF')])
def test_plot_model_writes_svg_and_pdf(tmp_path, ext, magic):
    needs_graphviz()
    target = tmp_path / ('m.' + ext)
    plot_model(shared_model(), to_file=str(target), rankdir='LR')
    data = target.read_bytes()
    assert data.startswith(magic)
    if ext == 'svg':
        assert b'shared: Dense' in data


def test_an_unknown_format_gives_graphvizs_reason(tmp_path):
    needs_graphviz()
    with pytest.raises(ValueError, match="could not write format 'nosuchformat'"):
        plot_model(shared_model(), to_file=str(tmp_path / 'm.nosuchformat'))
