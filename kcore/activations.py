"""Activation functions, by name (``Dense(64, activation='relu')``) or as callables."""
from kcore import _legacy_paths
from kcore.runtime import ops as K
from kcore.serialization import deserialize, resolve
from kcore.plugins import registry
from kcore.serialization import serialize as _s


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit: ``max(x, 0)``, with Keras 2's optional slope, cap and threshold.

    Args:
        x: The input tensor.
        alpha: The slope below ``threshold``.
        max_value: The largest output, or None.
        threshold: Values below it are zeroed (or scaled by ``alpha``).

    Returns:
        A tensor of ``x``'s shape.
    """
    return K.relu(x, alpha=alpha, max_value=max_value, threshold=threshold)


def sigmoid(x):
    """Logistic sigmoid ``1 / (1 + exp(-x))``.

    Args:
        x: The input tensor.

    Returns:
        A tensor of ``x``'s shape.
    """
    return K.sigmoid(x)


def hard_sigmoid(x):
    """Keras 2's ``clip(0.2 x + 0.5, 0, 1)`` (Keras 3 uses slope 1/6)."""
    return K.hard_sigmoid(x)


def tanh(x):
    """Hyperbolic tangent.

    Args:
        x: The input tensor.

    Returns:
        A tensor of ``x``'s shape.
    """
    return K.tanh(x)


def softmax(x, axis=-1):
    """Softmax: exponentials normalised to sum to 1 along ``axis``.

    Args:
        x: The input tensor.
        axis: The axis of the classes.

    Returns:
        A tensor of ``x``'s shape.
    """
    return K.softmax(x, axis=axis)


def log_softmax(x, axis=-1):
    """Logarithm of the softmax, computed stably.

    Args:
        x: The input tensor.
        axis: The axis of the classes.

    Returns:
        A tensor of ``x``'s shape.
    """
    return K.log_softmax(x, axis=axis)


def softplus(x):
    """Softplus ``log(1 + exp(x))``, a smooth ReLU.

    Args:
        x: The input tensor.

    Returns:
        A tensor of ``x``'s shape.
    """
    return K.softplus(x)


def softsign(x):
    """Softsign ``x / (1 + abs(x))``.

    Args:
        x: The input tensor.

    Returns:
        A tensor of ``x``'s shape.
    """
    return K.softsign(x)


def elu(x, alpha=1.0):
    """Exponential linear unit: ``x`` above 0, ``alpha * (exp(x) - 1)`` below.

    Args:
        x: The input tensor.
        alpha: The negative saturation value.

    Returns:
        A tensor of ``x``'s shape.
    """
    return K.elu(x, alpha)


def selu(x):
    """Scaled exponential linear unit (Klambauer et al., 2017); pair it with ``lecun_normal`` and ``AlphaDropout``.

    Args:
        x: The input tensor.

    Returns:
        A tensor of ``x``'s shape.
    """
    return K.selu(x)


def gelu(x, approximate=False):
    """Gaussian error linear unit ``x * Phi(x)``.

    Args:
        x: The input tensor.
        approximate: Use the tanh approximation.

    Returns:
        A tensor of ``x``'s shape.
    """
    return K.gelu(x, approximate=approximate)


def swish(x):
    """Swish (also ``silu``): ``x * sigmoid(x)``.

    Args:
        x: The input tensor.

    Returns:
        A tensor of ``x``'s shape.
    """
    return K.swish(x)


silu = swish


def linear(x):
    """The identity: the activation of a layer given ``activation=None``.

    Args:
        x: The input tensor.

    Returns:
        ``x`` unchanged.
    """
    return x


def exponential(x):
    """``exp(x)``.

    Args:
        x: The input tensor.

    Returns:
        A tensor of ``x``'s shape.
    """
    return K.exp(x)


def leaky_relu(x, negative_slope=0.2):
    """Leaky ReLU: ``x`` above 0, ``negative_slope * x`` below.

    Args:
        x: The input tensor.
        negative_slope: The slope below 0.

    Returns:
        A tensor of ``x``'s shape.
    """
    return K.leaky_relu(x, negative_slope)


def relu6(x):
    """ReLU capped at 6: ``min(max(x, 0), 6)``.

    Args:
        x: The input tensor.

    Returns:
        A tensor of ``x``'s shape.
    """
    return K.relu(x, max_value=6.0)


def get(identifier):
    """An activation callable from a name, ``None`` (linear) or a callable."""
    if identifier is None:
        return linear
    if isinstance(identifier, dict) and identifier.get('class_name') not in (None, 'function'):
        return deserialize(identifier, 'layers')  # an activation layer used as a function
    return resolve('activations', identifier)


def bias_fused_name(fn):
    """The name ``bias_activation`` knows ``fn`` by, for a layer that adds a bias first; None
    when ``fn`` must run on its own.  Softmax and sigmoid stay separate: the losses read the
    logits they were computed from (numerically stable crossentropy)."""
    return _FUSABLE.get(fn)


def serialize(fn):
    """The registered name of an activation function, for a config.

    Args:
        fn: An activation function (or a registered object).

    Returns:
        Its name (``'relu'``), or a config dict for an object that has no name.
    """
    name = registry('activations').name_of(fn)
    if name is not None:
        return name
    return _s(fn)


_FUSABLE = {relu: 'relu', tanh: 'tanh', elu: 'elu', softplus: 'softplus', softsign: 'softsign'}

BUILTINS = [
    ('relu', relu, ()), ('sigmoid', sigmoid, ()), ('hard_sigmoid', hard_sigmoid, ()), ('tanh', tanh, ()),
    ('softmax', softmax, ()), ('log_softmax', log_softmax, ()), ('softplus', softplus, ()),
    ('softsign', softsign, ()), ('elu', elu, ()), ('selu', selu, ()), ('gelu', gelu, ()),
    ('swish', swish, ()), ('silu', silu, ()), ('linear', linear, ()), ('exponential', exponential, ()),
    ('leaky_relu', leaky_relu, ()), ('relu6', relu6, ()),
]

# names Keras 2's keras.activations imported (``from keras.activations import Layer``)
__getattr__ = _legacy_paths.module_getattr(__name__, ('Layer', 'deserialize_keras_object'))
