"""Keras 2's ``keras.utils.layer_utils``: parameter counts, summaries, source inputs and
kernel-format conversions."""
import numpy as np

from kcore import _legacy_paths
from kcore.utils.conv_utils import convert_kernel  # noqa: F401  (Keras imports it from here)


def count_params(weights):
    """Total number of scalars in a list of weights (variables or arrays)."""
    return int(sum(int(np.prod(w.shape)) for w in weights))


def print_summary(model, line_length=None, positions=None, print_fn=None):
    """``model.summary()`` as a function (Keras 2's signature)."""
    from kcore.models.summary import print_summary as _print
    return _print(model, line_length=line_length, positions=positions, print_fn=print_fn)


def get_source_inputs(tensor, layer=None, node_index=None):
    """The input tensors (``Input()`` outputs) that a symbolic ``tensor`` is computed from,
    in first-seen order.  ``layer``/``node_index`` start the walk at that layer's node."""
    if layer is not None:
        node = layer._inbound_nodes[node_index or 0]
        tensors = list(node.input_tensors)
    else:
        if not hasattr(tensor, 'node'):
            raise ValueError('get_source_inputs: expected a symbolic tensor (the output of Input() or of a '
                             'layer called on one). Received: %r.' % (tensor,))
        tensors = [tensor]
    out, seen, stack = [], set(), list(reversed(tensors))
    while stack:
        t = stack.pop()
        node = t.node
        if node is None or not node.input_tensors:
            if id(t) not in seen:
                seen.add(id(t))
                out.append(t)
            continue
        stack.extend(reversed(node.input_tensors))
    return out


def convert_all_kernels_in_model(model):
    """Flip the kernels of every convolution layer of ``model`` in place (Theano <-> TensorFlow
    weights).  A layer counts as a convolution when its class name contains 'Conv'."""
    to_assign = []
    for layer in _all_layers(model):
        if 'Conv' in type(layer).__name__ and layer.weights:
            weights = layer.get_weights()
            weights[0] = convert_kernel(weights[0])
            to_assign.append((layer, weights))
    for layer, weights in to_assign:
        layer.set_weights(weights)


def _all_layers(model):
    for layer in model.layers:
        if hasattr(layer, 'layers'):
            yield from _all_layers(layer)
        else:
            yield layer


def convert_dense_weights_data_format(dense, previous_feature_map_shape, target_data_format='channels_first'):
    """Reorder the rows of a ``Dense`` kernel that follows a ``Flatten`` when the feature maps
    before it change data format (``previous_feature_map_shape`` without the batch axis, in
    the format the weights were trained with)."""
    if target_data_format not in ('channels_first', 'channels_last'):
        raise ValueError('convert_dense_weights_data_format: target_data_format must be "channels_first" or '
                         '"channels_last". Received: %r.' % (target_data_format,))
    kernel, *rest = dense.get_weights()
    shape = tuple(previous_feature_map_shape)
    if kernel.shape[0] != int(np.prod(shape)):
        raise ValueError('convert_dense_weights_data_format: the kernel of %r has %d rows, but the feature map '
                         'shape %s has %d entries.' % (dense.name, kernel.shape[0], shape, int(np.prod(shape))))
    for i in range(kernel.shape[1]):
        if target_data_format == 'channels_first':  # trained channels_last: (h, w, c) -> (c, h, w)
            ki = kernel[:, i].reshape(shape)
            ki = np.transpose(ki, (ki.ndim - 1,) + tuple(range(ki.ndim - 1)))
        else:  # trained channels_first: (c, h, w) -> (h, w, c)
            ki = kernel[:, i].reshape(shape)
            ki = np.transpose(ki, tuple(range(1, ki.ndim)) + (0,))
        kernel[:, i] = ki.reshape(-1)
    dense.set_weights([kernel] + rest)


__getattr__ = _legacy_paths.module_getattr(__name__, ('K',))

__all__ = ['count_params', 'print_summary', 'get_source_inputs', 'convert_all_kernels_in_model',
           'convert_dense_weights_data_format', 'convert_kernel']
