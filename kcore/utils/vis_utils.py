"""``plot_model`` / ``model_to_dot``: a picture of a model's graph, as Keras 2 draws it.

The graph is built with pydot (``pip install "kcore[plot]"``) and laid out by
Graphviz's ``dot`` program, which pip cannot install: it comes from the system
(``apt-get install graphviz``, ``brew install graphviz``, ``conda install
graphviz``).  A ``.dot``/``.gv`` file needs no Graphviz: it is the graph's
source, written as it is.  Every other extension is the ``dot -T<format>``
output (png, svg, pdf, jpg, ps, ...).

One box per layer; a layer shared by several calls is one box with an arrow
per call.  With ``expand_nested=True`` a model used as a layer is drawn as a
dashed cluster of its own layers, and the arrows go to the inner layer that
reads each input and leave from the inner layer that makes each output.

Deliberate differences from Keras 2.3: a ``.dot`` file is the graph source
(Keras ran it through ``dot -Tdot``, which needs Graphviz), ``dot`` runs with
a time limit, and a subclassed model (which has no graph) is refused with a
clear error instead of an assertion.
"""
import os
import shutil
import subprocess

from kcore import _legacy_paths

RANKDIRS = ('TB', 'LR', 'BT', 'RL')
#: extensions written as the graph's source, without Graphviz
SOURCE_FORMATS = ('dot', 'gv')
#: seconds ``dot`` may take to lay out one model
DOT_TIMEOUT = 120


def _import_pydot():
    try:
        import pydot
    except ImportError as exc:
        raise ImportError('plot_model/model_to_dot need pydot, which is not installed. Install it with '
                          '`pip install "kcore[plot]"` (or `pip install pydot`).') from exc
    return pydot


def _graphviz_dot():
    """The path of Graphviz's ``dot`` program, or a clear error saying how to get it."""
    path = shutil.which('dot')
    if path is None:
        raise OSError('plot_model: Graphviz\'s `dot` program was not found on the PATH, so the image cannot '
                      'be drawn. Install Graphviz (Debian/Ubuntu: `apt-get install graphviz`; macOS: '
                      '`brew install graphviz`; conda: `conda install graphviz`; others: '
                      'https://graphviz.org/download/) and make sure `dot` is on the PATH. Without '
                      'Graphviz, plot_model(model, to_file="model.dot") still writes the graph source.')
    return path


def _is_graph(model):
    return getattr(model, '_nodes', None) is not None and getattr(model, 'inputs', None) is not None


def _escape(text):
    """Graphviz record labels treat ``{}|<>`` as structure; keep them literal."""
    for ch in '\\{}|<>':
        text = text.replace(ch, '\\' + ch)
    return text


def _shapes(shapes):
    """One shape as ``(None, 3)``, several as a list, ``multiple`` when calls differ."""
    distinct = sorted(set(shapes), key=str)
    if not distinct:
        return '?'
    if len(distinct) > 1:
        return 'multiple'
    (one,) = distinct
    return str(one[0]) if len(one) == 1 else str(list(one))


class _Drawer:
    """Adds one model's layers (and, expanded, its nested models) to a pydot graph."""

    def __init__(self, pydot, show_shapes, show_layer_names, expand_nested):
        self.pydot = pydot
        self.show_shapes = show_shapes
        self.show_layer_names = show_layer_names
        self.expand_nested = expand_nested

    def expands(self, layer):
        return self.expand_nested and _is_graph(layer)

    def draw(self, model, graph):
        calls = {id(n) for n in model._nodes} | {id(t.node) for t in model.inputs}
        for layer in model._layers:
            if self.expands(layer):
                cluster = self.pydot.Cluster(graph_name=str(id(layer)), label=_escape(layer.name), style='dashed',
                                             labeljust='l')
                self.draw(layer, cluster)
                graph.add_subgraph(cluster)
            else:
                graph.add_node(self.pydot.Node(str(id(layer)), label=self.label(layer, calls)))
        drawn = set()
        for node in model._nodes:
            for position, tensor in enumerate(node.input_tensors):
                if tensor.node is None:
                    continue
                edge = (self.source(tensor), self.target(node.layer, position))
                if edge not in drawn:
                    drawn.add(edge)
                    graph.add_edge(self.pydot.Edge(*edge))

    def source(self, tensor):
        """The box an arrow for ``tensor`` leaves from (inside an expanded model: the
        inner layer that makes that output)."""
        layer = tensor.node.layer
        if self.expands(layer):
            return self.source(layer.outputs[min(tensor.index, len(layer.outputs) - 1)])
        return str(id(layer))

    def target(self, layer, position):
        """The box an arrow into ``layer``'s ``position``-th input ends at."""
        if self.expands(layer):
            inner = layer.inputs[min(position, len(layer.inputs) - 1)]
            return self.target(inner.node.layer, 0)
        return str(id(layer))

    def label(self, layer, calls):
        name, class_name = layer.name, type(layer).__name__
        inner = getattr(layer, 'layer', None)  # a wrapper (TimeDistributed, Bidirectional, ...)
        if inner is not None and hasattr(inner, 'name') and hasattr(inner, '_inbound_nodes'):
            name = '%s(%s)' % (name, inner.name)
            class_name = '%s(%s)' % (class_name, type(inner).__name__)
        label = '%s: %s' % (name, class_name) if self.show_layer_names else class_name
        label = _escape(label)
        if not self.show_shapes:
            return label
        nodes = [n for n in layer._inbound_nodes if id(n) in calls]
        outputs = _shapes(tuple(t.shape for t in n.output_tensors) for n in nodes)
        if nodes and not nodes[0].input_tensors:  # an InputLayer: its input is its output
            inputs = outputs
        else:
            inputs = _shapes(tuple(t.shape for t in n.input_tensors) for n in nodes)
        return '%s|{input:|output:}|{{%s}|{%s}}' % (label, _escape(inputs), _escape(outputs))


def model_to_dot(model, show_shapes=False, show_layer_names=True, rankdir='TB', expand_nested=False, dpi=96,
                 subgraph=False):
    """The ``pydot.Dot`` graph of ``model`` (a ``pydot.Cluster`` with ``subgraph=True``).

    Arguments as Keras 2.3: ``show_shapes`` adds each layer's input and output
    shapes, ``show_layer_names`` prefixes the class with the layer's name,
    ``rankdir`` is Graphviz's direction ('TB' top to bottom, 'LR' left to
    right), ``expand_nested`` draws nested models as clusters of their layers,
    ``dpi`` is the image resolution.
    """
    pydot = _import_pydot()
    if rankdir not in RANKDIRS:
        raise ValueError('model_to_dot: rankdir must be one of %s. Received: rankdir=%r.' % (RANKDIRS, rankdir))
    if isinstance(dpi, bool) or not isinstance(dpi, (int, float)) or dpi <= 0:
        raise ValueError('model_to_dot: dpi must be a positive number. Received: dpi=%r.' % (dpi,))
    if not _is_graph(model):
        kind = ('has not been built yet' if getattr(model, '_is_sequential', False)
                else 'is a subclassed model, which has no graph')
        raise ValueError('model_to_dot: model %r (%s) %s, so there is nothing to draw. Expected a functional or '
                         'Sequential model with known inputs: build it first (give the first layer '
                         'input_shape=..., or call model.build(input_shape)).'
                         % (getattr(model, 'name', '?'), type(model).__name__, kind))
    if subgraph:
        dot = pydot.Cluster(graph_name=str(id(model)), label=_escape(model.name), style='dashed', labeljust='l')
    else:
        dot = pydot.Dot(graph_type='digraph', rankdir=rankdir, concentrate=True, dpi=dpi)
        dot.set_node_defaults(shape='record')
    _Drawer(pydot, show_shapes, show_layer_names, expand_nested).draw(model, dot)
    return dot


def render(dot, fmt):
    """``dot``'s picture in Graphviz output format ``fmt`` (bytes); ``dot``/``gv`` give the source."""
    source = dot.to_string()
    if fmt in SOURCE_FORMATS:
        return source.encode('utf-8')
    program = _graphviz_dot()
    try:
        done = subprocess.run([program, '-T' + fmt], input=source.encode('utf-8'), capture_output=True,
                              timeout=DOT_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise OSError('plot_model: Graphviz took more than %d s to draw the model; write to_file="model.dot" '
                      'instead and lay it out yourself.' % DOT_TIMEOUT) from None
    if done.returncode != 0:
        message = done.stderr.decode('utf-8', 'replace').strip()
        raise ValueError('plot_model: Graphviz could not write format %r: %s. Use an extension Graphviz knows '
                         '(png, svg, pdf, jpg, ps, dot).' % (fmt, message))
    return done.stdout


def plot_model(model, to_file='model.png', show_shapes=False, show_layer_names=True, rankdir='TB',
               expand_nested=False, dpi=96):
    """Draw ``model`` into ``to_file``; the extension picks the format (none: png).

    Returns an ``IPython.display.Image`` of a png/jpg/gif when IPython is
    installed (a notebook then shows it), else ``None``.
    """
    dot = model_to_dot(model, show_shapes, show_layer_names, rankdir, expand_nested, dpi)
    extension = os.path.splitext(os.fspath(to_file))[1][1:].lower() or 'png'
    data = render(dot, extension)
    from kcore.saving.atomic import write_bytes
    write_bytes(to_file, data)
    if extension in ('png', 'jpg', 'jpeg', 'gif'):
        try:
            from IPython import display
        except ImportError:
            return None
        return display.Image(filename=to_file)
    return None


def is_model(layer):
    """Whether ``layer`` is a model (a graph of layers), as Keras 2 asks before drawing inside it."""
    return bool(getattr(layer, '_is_model', False)) or _is_graph(layer)


def is_wrapped_model(layer):
    """Whether ``layer`` is a wrapper (``TimeDistributed``, ``Bidirectional``) around a model."""
    inner = getattr(layer, 'layer', None)
    return inner is not None and is_model(inner)


def add_edge(dot, src, dst):
    """Add the edge ``src -> dst`` (node names) to the pydot graph ``dot`` unless it is there."""
    if not dot.get_edge(src, dst):
        dot.add_edge(_import_pydot().Edge(src, dst))


# names Keras 2's module imported, resolved on first use
__getattr__ = _legacy_paths.module_getattr(__name__, ('Model', 'Wrapper'))

__all__ = ['model_to_dot', 'plot_model', 'is_model', 'is_wrapped_model', 'add_edge']
