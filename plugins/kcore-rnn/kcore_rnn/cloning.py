"""Fresh copies of a recurrent layer or cell from its config, for Bidirectional.

Copies are made through the classes themselves (``type(layer).from_config``),
so a user's own cell works without being registered; the weights are new.
"""
import copy

from kcore.layers.base import Layer


def clone_cell(cell):
    """A fresh, unbuilt copy of a cell (stacked cells copied one by one)."""
    cells = getattr(cell, 'cells', None)
    if cells is not None:
        return type(cell)([clone_cell(c) for c in cells], **_base_config(cell))
    if isinstance(cell, Layer):
        return type(cell).from_config(cell.get_config())
    return copy.deepcopy(cell)


def clone_layer(layer, **overrides):
    """A new ``layer`` of the same class and config, with ``overrides`` applied."""
    cfg = layer.get_config()
    cfg.update(overrides)
    if 'cell' in cfg and hasattr(layer, 'cell'):
        cfg['cell'] = clone_cell(layer.cell)
    return type(layer).from_config(cfg)


def _base_config(layer):
    cfg = layer.get_config()
    return {k: cfg[k] for k in ('name', 'trainable', 'dtype') if k in cfg}
