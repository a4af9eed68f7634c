"""What every model's constructor shares: its input, its axes, its output."""
from kcore import backend as K
from kcore import layers
from kcore.layers.input_layer import InputLayer
from kcore.layers.node import topological_nodes


def channel_axis():
    """The axis BatchNormalization and Concatenate act on: 3 (channels_last) or 1."""
    return 3 if K.image_data_format() == 'channels_last' else 1


def image_input(input_tensor, input_shape):
    """``(image_tensor, model_inputs)``: a new ``Input`` of ``input_shape``, or
    ``input_tensor`` (a symbolic tensor) and the ``Input``s it comes from."""
    if input_tensor is None:
        x = layers.Input(shape=input_shape)
        return x, x
    if not K.is_keras_tensor(input_tensor):
        raise TypeError('input_tensor must be a symbolic tensor, made by kcore.layers.Input(...) (or a layer '
                        'called on one). Received: %r. Pass input_shape=... for a new input instead.'
                        % (type(input_tensor).__name__,))
    return input_tensor, source_inputs(input_tensor)


def source_inputs(tensor):
    """The ``Input`` tensors that ``tensor`` is computed from (Keras's ``get_source_inputs``)."""
    found = [n.outputs for n in topological_nodes([tensor]) if isinstance(n.layer, InputLayer)]
    return found[0] if len(found) == 1 else found


def correct_pad(inputs, kernel_size):
    """Zero padding before a strided 'valid' convolution that matches TensorFlow's 'same'."""
    first = 2 if K.image_data_format() == 'channels_first' else 1
    size = K.int_shape(inputs)[first:first + 2]
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    adjust = (1, 1) if size[0] is None else (1 - size[0] % 2, 1 - size[1] % 2)
    correct = (kernel_size[0] // 2, kernel_size[1] // 2)
    return ((correct[0] - adjust[0], correct[0]), (correct[1] - adjust[1], correct[1]))


def global_pool(x, pooling, avg_name=None, max_name=None):
    """``include_top=False`` with ``pooling='avg'``/``'max'``: the pooled features; None: ``x``."""
    if pooling == 'avg':
        return layers.GlobalAveragePooling2D(name=avg_name)(x)
    if pooling == 'max':
        return layers.GlobalMaxPooling2D(name=max_name)(x)
    if pooling is not None:
        raise ValueError("pooling must be None, 'avg' or 'max'. Received: pooling=%r." % (pooling,))
    return x


def no_kwargs(model, kwargs):
    """Keras's constructors take ``**kwargs`` only to inject Keras's own modules; kcore has no use for them."""
    if kwargs:
        raise TypeError('%s() got unexpected keyword argument(s) %s. Keras accepts only backend=, layers=, '
                        'models= and utils= there, to inject Keras modules; kcore needs none. Remove them.'
                        % (model, ', '.join(sorted(kwargs))))
