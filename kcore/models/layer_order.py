"""The order of ``Model.layers`` in a functional model: Keras's order.

Keras lists a functional model's layers by depth (the longest path from the
layer to an output), deepest first, and layers of equal depth in the order a
depth-first walk from the outputs first reaches them.  Weight files list
layers in that order and ``load_weights`` pairs them by position, so kcore
must list them the same way for Keras's files (``keras.applications``
weights) to load.
"""


def keras_layer_order(outputs):
    """The layers that ``outputs`` depend on, in Keras's ``model.layers`` order."""
    index = {}     # id(layer) -> order of first visit
    layers = {}    # id(layer) -> layer
    finished, post_order = set(), []

    def enter(node):
        key = id(node.layer)
        if key not in index:
            index[key] = len(index)
            layers[key] = node.layer

    for out in outputs:  # iterative depth-first walk: models can be hundreds of layers deep
        if out.node is None or id(out.node) in finished:
            continue
        enter(out.node)
        stack = [(out.node, iter(out.node.input_tensors))]
        while stack:
            node, pending = stack[-1]
            for t in pending:
                child = t.node
                if child is not None and id(child) not in finished:
                    enter(child)
                    stack.append((child, iter(child.input_tensors)))
                    break
            else:
                stack.pop()
                if id(node) not in finished:
                    finished.add(id(node))
                    post_order.append(node)

    node_depth, layer_depth = {}, {}
    for node in reversed(post_order):
        depth = max(node_depth.get(id(node), 0), layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = depth
        node_depth[id(node)] = depth
        for t in node.input_tensors:
            if t.node is not None:
                node_depth[id(t.node)] = max(depth + 1, node_depth.get(id(t.node), 0))
    keys = sorted(layer_depth, key=lambda k: (-layer_depth[k], index[k]))
    return [layers[k] for k in keys]
