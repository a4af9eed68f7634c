"""Reading configs that Keras 2.x (tf.keras) and Keras 3 wrote into legacy HDF5 files.

What differs from kcore's own configs, and what is done about it:

* Keras 3 wraps objects as ``{'module', 'class_name', 'config', 'registered_name'}``.
  ``module`` and ``registered_name`` are dropped unread: names resolve through
  kcore's registries only, never through a module path from a file.
* ``DTypePolicy`` objects become their dtype name; functions stored as
  ``{'class_name': 'function', 'config': name}`` become the name.
* tf.keras 2.11+ writes optimizers as ``'Custom>Adam'``: the prefix is dropped.
* Keras 3 describes functional graph nodes as call arguments holding
  ``__keras_tensor__`` references; they are rewritten into the Keras 2 form
  ``[[layer_name, node_index, tensor_index, kwargs], ...]``.
* In Keras 2 a nested model that starts with an ``InputLayer`` owns node 0
  itself (its own input-to-output call), so references to its calls in the
  outer graph count from 1; kcore's (and Keras 3's) count from 0.
* Arguments of Keras features kcore does not have are dropped when they hold
  the value that means "feature off" (``quantization_config=None``,
  ``synchronized=False``, ...).  Any other value is left in place, so the layer
  refuses it by name instead of silently behaving differently.
"""
from kcore.errors import SavingError

_ANY = object()

#: argument -> values that mean "the Keras feature kcore lacks is off"
HARMLESS_KEYS = {
    'quantization_config': (None,),
    'lora_rank': (None,),
    'lora_alpha': (None,),
    'lora_enabled': (False,),
    'optional': (False,),
    'ragged': (False,),
    'synchronized': (False,),
    'renorm': (False,),
    'renorm_clipping': (None,),
    'renorm_momentum': _ANY,
    'time_major': (False,),
    'implementation': _ANY,
    'use_cudnn': ('auto', False),
    'input_axes': (None,),
    'output_axes': (None,),
    'autocast': (True,),
}

#: entries of a Keras 3 layer description beside its class_name and config
_DROPPED_ENTRIES = ('module', 'registered_name', 'build_config', 'compile_config', 'shared_object_id')


def keras_major(version):
    """2 or 3 from a ``keras_version`` attribute ('2.15.0', b'3.1.0'); 2 when unknown."""
    text = version.decode('utf-8', 'replace') if isinstance(version, bytes) else str(version or '')
    head = text.split('.')[0]
    return int(head) if head.isdigit() else 2


def normalize(config, major=3):
    """A kcore-readable copy of a config read from a file written by Keras ``major``."""
    try:
        out = _normalize(config)
        if major < 3:
            _shift_nested_model_nodes(out)
        return out
    except RecursionError:
        raise SavingError('The model config in the file is nested too deeply to be a real model.') from None


def _normalize(node):
    if isinstance(node, list):
        return [_normalize(v) for v in node]
    if not isinstance(node, dict):
        return node
    class_name = node.get('class_name')
    if isinstance(class_name, str) and 'config' in node:
        if class_name in ('DTypePolicy', 'Policy', 'FloatDTypePolicy') and isinstance(node['config'], dict):
            return node['config'].get('name')
        if class_name == 'function' and isinstance(node['config'], str):
            return node['config']
        if class_name.startswith('Custom>'):
            class_name = class_name[len('Custom>'):]
        out = {k: _normalize(v) for k, v in node.items() if k not in _DROPPED_ENTRIES}
        out['class_name'] = class_name
        if isinstance(out['config'], dict):
            out['config'] = _drop_harmless(out['config'])
        if 'inbound_nodes' in out:
            out['inbound_nodes'] = _legacy_nodes(out['inbound_nodes'])
        return out
    out = {k: _normalize(v) for k, v in node.items()}
    for key in ('input_layers', 'output_layers'):  # Keras 3 writes a single tensor unwrapped
        if _is_history(out.get(key)):
            out[key] = [out[key]]
    return out


def _is_history(value):
    return (isinstance(value, list) and len(value) == 3 and isinstance(value[0], str)
            and all(isinstance(v, int) for v in value[1:]))


def _drop_harmless(config):
    out = {}
    for key, value in config.items():
        harmless = HARMLESS_KEYS.get(key)
        if harmless is _ANY or (harmless is not None and _is_in(value, harmless)):
            continue
        out[key] = value
    return out


def _is_in(value, options):
    return any(value is o or (type(value) is type(o) and value == o) for o in options)


# -- functional graph nodes ---------------------------------------------------------------
def _legacy_nodes(nodes):
    """Keras 3 ``[{'args': [...], 'kwargs': {...}}]`` -> Keras 2 ``[[[name, node, index, kwargs]]]``."""
    if not isinstance(nodes, list):
        return nodes
    out = []
    for node in nodes:
        if not (isinstance(node, dict) and 'args' in node):
            out.append(node)  # already Keras 2 form
            continue
        kwargs = {k: v for k, v in (node.get('kwargs') or {}).items() if not _is_tensor_ref(v)}
        refs = []
        _collect_refs(node.get('args'), refs)
        _collect_refs([v for v in (node.get('kwargs') or {}).values() if _is_tensor_ref(v)], refs)
        out.append([[h[0], h[1], h[2], kwargs] for h in refs])
    return out


def _is_tensor_ref(value):
    return isinstance(value, dict) and value.get('class_name') == '__keras_tensor__'


def _collect_refs(value, refs):
    if _is_tensor_ref(value):
        history = (value.get('config') or {}).get('keras_history')
        if not (isinstance(history, list) and len(history) == 3):
            raise SavingError('A functional graph node in the file refers to a tensor without a valid '
                              '"keras_history" (layer name, node index, tensor index). Received: %r.' % (history,))
        refs.append(history)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _collect_refs(v, refs)
    elif isinstance(value, dict):
        for v in value.values():
            _collect_refs(v, refs)


_MODEL_CLASSES = ('Functional', 'Model', 'Sequential')


def _owns_first_node(entry):
    """Keras 2: does this nested model hold node 0 itself (it starts with an InputLayer)?"""
    cfg = entry.get('config')
    if not isinstance(cfg, dict):
        return False
    if entry.get('class_name') == 'Sequential':
        layers = cfg.get('layers')
        return bool(layers) and isinstance(layers[0], dict) and layers[0].get('class_name') == 'InputLayer'
    return 'input_layers' in cfg


def _shift_nested_model_nodes(node):
    """Renumber references to nested models' calls from Keras 2's count (from 1) to kcore's (from 0)."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
            continue
        if not isinstance(item, dict):
            continue
        stack.extend(item.values())
        layers = item.get('layers')
        if not (isinstance(layers, list) and 'input_layers' in item):
            continue
        shifted = {e.get('name') or (e.get('config') or {}).get('name') for e in layers
                   if isinstance(e, dict) and e.get('class_name') in _MODEL_CLASSES and _owns_first_node(e)}
        refs = [ref for e in layers if isinstance(e, dict) for n in (e.get('inbound_nodes') or [])
                if isinstance(n, list) for ref in n]
        refs += [ref for key in ('input_layers', 'output_layers') for ref in (item.get(key) or [])]
        for ref in refs:
            if isinstance(ref, list) and len(ref) >= 3 and ref[0] in shifted and isinstance(ref[1], int) \
                    and ref[1] > 0:
                ref[1] -= 1


# -- optimizer state ------------------------------------------------------------------------------
def optimizer_state_entries(names):
    """Indices of the saved optimizer arrays that map onto kcore's ``Optimizer.state``.

    Keras 3 stores ``iteration, learning_rate, <slots per variable>``; tf.keras
    2.11+ ``iteration, <slots per variable>``; both in the same per-variable
    order as kcore.  The learning rate is part of the optimizer's config, so its
    array is skipped.
    """
    return [i for i, n in enumerate(names) if n.split('/')[-1].split(':')[0] != 'learning_rate']
