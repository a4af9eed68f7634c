"""Keras 2's YAML model configs, for ``model.to_yaml()`` and ``kcore.models.model_from_yaml``.

PyYAML is optional (``pip install "kcore[yaml]"``).  A YAML text is read as hostile data: with
``yaml.safe_load`` only (no Python tags, so nothing is ever constructed or run from it), within
the size limit of JSON configs, and without YAML aliases, which could make a small text expand
into a huge config (Keras's own YAML files never use them).
"""
import json


def require_yaml(what):
    """The ``yaml`` module, or an ImportError that names the package to install."""
    try:
        import yaml
    except ImportError:
        raise ImportError('%s needs PyYAML, which is not installed. Install it: pip install pyyaml '
                          '(or pip install "kcore[yaml]"), or use the JSON form (to_json/model_from_json).'
                          % what) from None
    return yaml


def dump(config_json, **kwargs):
    """The YAML text of a model's JSON config; ``kwargs`` go to ``yaml.safe_dump``."""
    yaml = require_yaml('Model.to_yaml')
    return yaml.safe_dump(json.loads(config_json), **kwargs)


def load(text, max_bytes, where='model_from_yaml'):
    """The config held by ``text``, parsed safely; ValueError naming ``where`` on what is refused."""
    yaml = require_yaml(where)
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode('utf-8')
    if not isinstance(text, str):
        raise TypeError('%s: expected the YAML text as a string. Received: %s.' % (where, type(text).__name__))
    if len(text) > max_bytes:
        raise ValueError('%s: the YAML text is %d characters long; at most %d are read. Build bigger models in '
                         'code.' % (where, len(text), max_bytes))
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                raise ValueError('%s: the YAML text uses an alias (*%s); kcore refuses aliases in model configs '
                                 'so a small text cannot expand into a huge one. Write the values out.'
                                 % (where, event.anchor))
        config = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ValueError('%s: the text is not valid YAML (%s).' % (where, e)) from None
    if not isinstance(config, dict) or 'class_name' not in config:
        raise ValueError("%s: expected a model config, a mapping with 'class_name' and 'config'. Received: %s."
                         % (where, type(config).__name__))
    return config
