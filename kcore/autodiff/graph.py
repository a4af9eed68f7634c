"""The recorded graph's nodes, and what a node keeps of its inputs.

Why a module of its own: a node keeps where each input's gradient goes, not
the input tensor itself (see ``Node``), so that intermediate arrays no vjp
needs are freed during the forward pass; ``tensor.py`` builds and walks these.
"""


class Node:
    """One recorded op: its inputs (``None`` where no gradient flows) and vjp.

    An input that is a leaf (a variable, a tensor made by the user) is kept as the
    tensor itself; an input that an earlier op produced is kept as where its
    gradient goes (that op's ``Node``, or an ``Output`` for one of several
    outputs), not as the tensor: the array of an intermediate result that no vjp
    and no caller holds (BatchNormalization's output, read only by the ReLU
    after it) is freed once the ops reading it have run.
    """

    __slots__ = ('parents', 'vjp', 'n_out')

    def __init__(self, parents, vjp, n_out=1):
        self.parents = parents
        self.vjp = vjp
        self.n_out = n_out


class Output:
    """Output ``index`` of a recorded op with several outputs, as its consumers' nodes keep it."""

    __slots__ = ('node', 'index')

    def __init__(self, node, index):
        self.node = node
        self.index = index


def graph_ref(t):
    """What a consumer's node keeps of tensor ``t`` (see ``Node``)."""
    return t if t._node is None else t._ref


def producer(p):
    """``(node, output index)`` behind a node's parent entry, or ``(None, 0)`` for a leaf."""
    tp = type(p)
    if tp is Node:
        return p, 0
    if tp is Output:
        return p.node, p.index
    return None, 0
