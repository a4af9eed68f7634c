"""Limits on what a config read from a file or a JSON string may make kcore do.

A config is hostile input (see ``safety``).  Parsing is bounded before it
starts: the text's size, and its node count estimated from its commas,
colons and brackets (C-speed counts), so ``json.loads`` cannot build more than
``MAX_NODES`` objects.  After parsing, nesting depth and string lengths are
checked, and ``NaN``/``Infinity`` (which Python's json accepts) are refused.

Building from a config is bounded too: ``declared_budget`` caps the weight
bytes ``add_weight`` may allocate while a model is built from a config that
the user did not build in code (``model_from_json``, ``model_from_config``);
``clone_budget`` lets ``clone_model`` allocate what the original holds.  A
model built in code has no budget at all: a user may build 10 GB on purpose.
"""
import json
import os

import numpy as np

from kcore.errors import SavingError, layer_prefix
from kcore.saving.budget import weight_budget
from kcore.saving.state_guard import unchanged_on_failure
from kcore.serialization import deserialize

#: largest config text parsed (kcore and Keras configs of very large models are a few MB)
MAX_TEXT_BYTES = 32 * 2 ** 20
#: most JSON values (containers, keys and scalars) one config may hold
MAX_NODES = 1_000_000
#: deepest nesting of lists and dicts
MAX_DEPTH = 100
#: longest string in a config
MAX_STRING = 2 ** 20
#: weight bytes a model built from a JSON config may allocate (KCORE_MAX_CONFIG_WEIGHT_BYTES overrides)
CONFIG_WEIGHT_BYTES = 512 * 2 ** 20
#: bytes of stand-in data shape inference may allocate while a declared structure is built
STAND_IN_BYTES = 64 * 2 ** 20


def _refuse(where, what, fix='The config is damaged or crafted.'):
    return SavingError('Refusing the config %s: %s. %s' % (where, what, fix))


def _no_constant(name):
    raise ValueError('%s is not a number a config may hold' % name)


def parse(text, where):
    """``json.loads(text)`` within the limits above; ``SavingError`` naming ``where`` otherwise."""
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode('utf-8')
        except UnicodeDecodeError as e:
            raise _refuse(where, 'it is not UTF-8 text (%s)' % e) from None
    if not isinstance(text, str):
        raise SavingError('Expected the config %s as JSON text (str or bytes). Received: %s.'
                          % (where, type(text).__name__))
    if len(text) > MAX_TEXT_BYTES:
        raise _refuse(where, 'it is %d characters long, more than the %d allowed' % (len(text), MAX_TEXT_BYTES))
    estimate = text.count(',') + text.count(':') + text.count('[') + text.count('{') + 1
    if estimate > MAX_NODES:
        raise _refuse(where, 'it holds about %d values, more than the %d allowed' % (estimate, MAX_NODES))
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise _refuse(where, 'it is nested more than %d levels deep' % MAX_DEPTH) from None
    except ValueError as e:
        raise _refuse(where, 'it is not valid JSON (%s)' % str(e)[:200]) from None
    check(value, where)
    return value


def check(config, where):
    """Raise ``SavingError`` if ``config`` (parsed) is deeper, larger or longer than the limits allow."""
    stack = [(config, 1)]
    count = 0
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise _refuse(where, 'it holds more than %d values' % MAX_NODES)
        if isinstance(node, dict):
            if depth > MAX_DEPTH:
                raise _refuse(where, 'it is nested more than %d levels deep' % MAX_DEPTH)
            for key, v in node.items():
                if isinstance(key, str) and len(key) > MAX_STRING:
                    raise _refuse(where, 'a key is %d characters long, more than the %d allowed'
                                  % (len(key), MAX_STRING))
                stack.append((v, depth + 1))
        elif isinstance(node, (list, tuple)):
            if depth > MAX_DEPTH:
                raise _refuse(where, 'it is nested more than %d levels deep' % MAX_DEPTH)
            stack.extend((v, depth + 1) for v in node)
        elif isinstance(node, str):
            if len(node) > MAX_STRING:
                raise _refuse(where, 'a string is %d characters long, more than the %d allowed'
                              % (len(node), MAX_STRING))
        elif isinstance(node, float) and (node != node or node in (float('inf'), float('-inf'))):
            raise _refuse(where, 'it holds the number %r' % node, 'Configs hold finite numbers only.')


def config_weight_bytes():
    """The byte limit on weights embedded in a config (``KCORE_MAX_CONFIG_WEIGHT_BYTES`` overrides the default)."""
    try:
        return int(os.environ.get('KCORE_MAX_CONFIG_WEIGHT_BYTES', CONFIG_WEIGHT_BYTES))
    except ValueError:
        return CONFIG_WEIGHT_BYTES


def refusal(source, allowance_hint):
    """The ``on_exceed`` of a weight budget: a ``SavingError`` naming ``source``, layer and shape."""
    def refuse(layer, name, shape, nbytes, remaining):
        if name is None:
            raise SavingError('%s: building %s runs its call() on stand-in inputs of shape %s (%d bytes) to '
                              'find its output shape; a declared structure may use at most %d bytes for that. '
                              'Nothing was allocated. Give the layer an explicit output_shape / '
                              'compute_output_shape, or smaller input shapes.'
                              % (source, layer_prefix(layer), tuple(shape), nbytes, remaining))
        raise SavingError('%s asks %s for a weight %r of shape %s (%d bytes), but only %d more bytes are allowed: '
                          '%s. Nothing was allocated.'
                          % (source, layer_prefix(layer), name, tuple(shape), nbytes, max(0, remaining),
                             allowance_hint))
    return refuse


def declared_budget(source):
    """Cap the weights a config may embed at ``config_weight_bytes()`` inside a ``with`` block.

    ``with declared_budget('model_from_json'): ...``.
    """
    limit = config_weight_bytes()
    return weight_budget(limit, refusal(
        'The config given to %s' % source,
        'a config carries no weights, so its model may allocate at most %d bytes of them (set '
        'KCORE_MAX_CONFIG_WEIGHT_BYTES to allow more, or build the model in code)' % limit),
        stand_in_bytes=STAND_IN_BYTES)


def clone_budget(model):
    """Weights a default ``clone_model(model)`` may allocate: what ``model`` holds, plus 1 MiB."""
    held = sum(int(np.prod(v.shape, dtype=np.float64)) * np.dtype(v.dtype).itemsize for v in model.weights)
    return weight_budget(held + (1 << 20), refusal(
        'Cloning %s' % layer_prefix(model),
        'a clone holds the same weights as the original (%d bytes)' % held))


def build_from_json(text, custom_objects, source='model_from_json'):
    """``model_from_json``: the text parsed within the limits, the model built within the budget;
    a failure leaves process-wide settings as they were."""
    config = parse(text, 'given to %s' % source)
    with unchanged_on_failure(), declared_budget(source):
        return deserialize(config, 'layers', custom_objects)


def build_from_config(config, custom_objects, source='model_from_config'):
    """``model_from_config``: as ``build_from_json`` for a config already parsed."""
    check(config, 'given to %s' % source)
    with unchanged_on_failure(), declared_budget(source):
        return deserialize(config, 'layers', custom_objects)
