"""Activation functions, by name (``Dense(64, activation='relu')``) or as callables."""
from kcore.runtime import ops as K
from kcore.serialization import deserialize, resolve
from kcore.plugins import registry
from kcore.serialization import serialize as _s


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    return K.relu(x, alpha=alpha, max_value=max_value, threshold=threshold)


def sigmoid(x):
    return K.sigmoid(x)


def hard_sigmoid(x):
    """Keras 2's ``clip(0.2 x + 0.5, 0, 1)`` (Keras 3 uses slope 1/6)."""
    return K.hard_sigmoid(x)


def tanh(x):
    return K.tanh(x)


def softmax(x, axis=-1):
    return K.softmax(x, axis=axis)


def log_softmax(x, axis=-1):
    return K.log_softmax(x, axis=axis)


def softplus(x):
    return K.softplus(x)


def softsign(x):
    return K.softsign(x)


def elu(x, alpha=1.0):
    return K.elu(x, alpha)


def selu(x):
    return K.selu(x)


def gelu(x, approximate=False):
    return K.gelu(x, approximate=approximate)


def swish(x):
    return K.swish(x)


silu = swish


def linear(x):
    return x


def exponential(x):
    return K.exp(x)


def leaky_relu(x, negative_slope=0.2):
    return K.leaky_relu(x, negative_slope)


def relu6(x):
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
