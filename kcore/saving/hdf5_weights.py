"""Weights and optimizer state in Keras's legacy HDF5 layout.

A weights group (the file root for ``save_weights``, ``model_weights`` in a
full model file) has attributes ``layer_names``, ``backend`` and
``keras_version``, and one group per layer with a ``weight_names`` attribute
and one dataset per name (names contain '/', so datasets sit in subgroups:
``dense/dense/kernel``).  Weights of the model itself, outside any layer, go in
``top_level_model_weights`` (Keras 3).  ``optimizer_weights`` holds the
optimizer's ``state()`` arrays under ``weight_names``.  kcore writes arrays
with HDF5's Fletcher-32 checksum, which any HDF5 reader (Keras too) verifies.

Loading pairs saved layers with the model's layers by position (Keras's rule)
or by name (``by_name=True``); within a layer, weights are paired by the ends
of their names ('kernel', 'inner_dense/kernel') and by position when names do
not tell.  Every array is checked and read before any weight is assigned, so a
bad file never leaves a model half-loaded.
"""
import warnings

import numpy as np

from kcore.runtime.device import ACTIVE
from kcore.errors import SavingError, layer_prefix
from kcore.saving import h5_reader
from kcore.utils.conv_utils import convert_kernel

TOP_LEVEL = 'top_level_model_weights'


def _string_array(names):
    import h5py
    return np.array(list(names), dtype=h5py.string_dtype())


def _var_path(var):
    return getattr(var, '_path', None) or var.name


def weight_names(layer, variables):
    """Names to store ``variables`` of ``layer`` under: '<layer>/<weight>', made unique."""
    names, seen = [], set()
    for v in variables:
        path = _var_path(v)
        name = path if '/' in path else '%s/%s' % (layer.name, path)
        base, i = name, 1
        while name in seen:
            name = '%s_%d' % (base, i)
            i += 1
        seen.add(name)
        names.append(name)
    return names


def _to_numpy(var):
    return np.asarray(ACTIVE.backend.to_numpy(var.data))


def top_level_weights(model):
    """The model's own variables that no layer of ``model.layers`` holds."""
    inner = {id(v) for layer in model.layers for v in layer.weights}
    return [v for v in model.weights if id(v) not in inner]


# -- writing ---------------------------------------------------------------------------------
def _write_subset(group, layer, variables):
    names = weight_names(layer, variables)
    group.attrs['weight_names'] = _string_array(names)
    for name, var in zip(names, variables):
        create_dataset(group, name, _to_numpy(var))


def create_dataset(group, name, array):
    """A dataset with a Fletcher-32 checksum (chunked), so a damaged byte is an error on load."""
    if array.ndim and array.size:
        return group.create_dataset(name, data=array, chunks=True, fletcher32=True)
    return group.create_dataset(name, data=array)


def write_layers(group, layers, stamp):
    """Write the weights of ``layers`` into ``group`` (Keras's layout); ``stamp`` holds
    backend/version attributes."""
    group.attrs['layer_names'] = _string_array(l.name for l in layers)
    for key, value in stamp.items():
        group.attrs[key] = value
    for layer in layers:
        _write_subset(group.create_group(layer.name), layer, layer.weights)


def write_weights(group, model, stamp):
    """Write every layer's weights into ``group``, and the model's own in ``TOP_LEVEL``."""
    write_layers(group, model.layers, stamp)
    _write_subset(group.create_group(TOP_LEVEL), model, top_level_weights(model))


def write_optimizer_state(group, model):
    """Write ``model.optimizer.state(model.trainable_weights)`` into ``group``."""
    state = model.optimizer.state(model.trainable_weights)
    names, seen = [], set()
    for name, _ in state:
        base, i = name, 1
        while name in seen:
            name = '%s_%d' % (base, i)
            i += 1
        seen.add(name)
        names.append(name)
    group.attrs['weight_names'] = _string_array(names)
    for name, (_, array) in zip(names, state):
        create_dataset(group, name, np.asarray(ACTIVE.backend.to_numpy(array)))


# -- reading ----------------------------------------------------------------------------------
def _tail(name, k):
    return tuple(name.split(':')[0].split('/')[-k:])


def pair_weights(saved_names, variables):
    """The saved name for each variable: by the ends of the names, else by position."""
    for k in (1, 2, 3):
        saved = [_tail(n, k) for n in saved_names]
        wanted = [_tail(_var_path(v), k) for v in variables]
        if len(set(saved)) == len(saved) == len(wanted) == len(set(wanted)) and set(saved) == set(wanted):
            where = {key: i for i, key in enumerate(saved)}
            return [saved_names[where[key]] for key in wanted]
    return list(saved_names)


class _Plan:
    """(variable, dataset) pairs checked against each other, then read, then assigned."""

    def __init__(self, reader, skip_mismatch, reshape=False):
        self.reader = reader
        self.skip_mismatch = skip_mismatch
        self.reshape = reshape  # Keras 2's reshape=True: a saved array of the same size is reshaped
        self.pairs = []
        self.layers = []

    def mismatch(self, message):
        if not self.skip_mismatch:
            raise SavingError(message + ' The saved model\'s architecture differs from this one. Build the '
                                        'same architecture, or pass skip_mismatch=True (with by_name=True '
                                        'to match layers by name) to load only the weights that fit.')
        warnings.warn(SkippedWeightsWarning(message + ' Skipped (skip_mismatch=True).'), stacklevel=4)

    def add_layer(self, layer, group, label):
        """Plan the weights of ``layer`` from the saved layer ``group``; False if skipped."""
        variables = layer.weights
        names = names_of_weights(self.reader, group)
        if names is None:
            raise self.reader.damaged('layer group %r has no "weight_names" attribute' % group.name)
        if len(names) != len(variables):
            self.mismatch('%s has %d weight(s) (%s), but %s in %r holds %d (%s).'
                          % (label, len(variables), ', '.join(_var_path(v) for v in variables) or 'none',
                             group.name, self.reader.filepath, len(names), ', '.join(names) or 'none'))
            return False
        planned = []
        for var, name in zip(variables, pair_weights(names, variables)):
            dset = self.reader.child(group, name, 'dataset')
            if dset is None:
                raise self.reader.damaged('dataset %r listed in %r is missing' % (name, group.name))
            self.reader.check_dataset(dset)  # storage and type first: a refusal, not a "mismatch"
            shape = tuple(dset.shape) if dset.shape is not None else None
            if shape != tuple(var.shape) and not (self.reshape and shape is not None
                                                  and int(np.prod(shape)) == int(np.prod(var.shape))):
                self.mismatch('%s: weight %r has shape %s, but the file %r holds shape %s for it (dataset '
                              '%r).' % (label, _var_path(var), tuple(var.shape), self.reader.filepath, shape,
                                        dset.name))
                return False
            if not _castable(dset.dtype, np.dtype(var.dtype)):
                self.mismatch('%s: weight %r is %s, but the file holds %s for it (dataset %r).'
                              % (label, _var_path(var), var.dtype, dset.dtype, dset.name))
                return False
            planned.append((var, dset))
        self.pairs.extend(planned)
        self.layers.append(layer)
        return True

    def run(self):
        """Read every planned dataset, then assign them all."""
        values = [(var, self.reader.read_array(dset, tuple(dset.shape)).reshape(var.shape))
                  for var, dset in self.pairs]
        for var, value in values:
            var.assign(ACTIVE.backend.asarray(value.astype(var.dtype, copy=False)))
        return len(values)


def _castable(saved, wanted):
    """Numbers of any width go into float weights; integers only into integer ones."""
    if wanted.kind == 'f':
        return saved.kind in 'fiub'
    return wanted.kind in 'iub' and saved.kind in 'iub'


class SkippedWeightsWarning(UserWarning):
    """``skip_mismatch=True`` left some weights as they were; the message says which."""


def _check_built(model):
    unbuilt = [l for l in [model] + list(model.layers) if not l.built]
    if unbuilt:
        raise SavingError('%s has not been built yet, so its weights do not exist to be loaded (%s not '
                          'built). Call the model on a batch of data, or model.build(input_shape), before '
                          'load_weights.' % (layer_prefix(model), ', '.join(layer_prefix(l) for l in unbuilt)))


def load_weights(reader, group, model, by_name=False, skip_mismatch=False, reshape=False, top_level=True):
    """Assign the weights stored in ``group`` to ``model``; returns how many arrays were loaded.
    ``top_level=False`` leaves out the model's own weights (loading into a list of layers)."""
    _check_built(model)
    saved_names = names_of_layers(reader, group)
    if saved_names is None:
        raise reader.damaged('group %r has no "layer_names" attribute' % group.name)
    plan = _Plan(reader, skip_mismatch, reshape)
    saved = {}
    for name in saved_names:
        g = reader.child(group, name, 'group')
        if g is None:
            raise reader.damaged('the group of layer %r is missing' % name)
        saved[name] = g
    if by_name:
        for layer in model.layers:
            if layer.name in saved and (layer.weights or _has_weights(reader, saved[layer.name])):
                plan.add_layer(layer, saved[layer.name], layer_prefix(layer))
    else:
        _plan_by_position(reader, plan, model, saved_names, saved)
    top = reader.child(group, TOP_LEVEL, 'group') if top_level else None
    own = top_level_weights(model) if top_level else []
    if top is not None and (own or _has_weights(reader, top)):
        plan.add_layer(_OwnWeights(model, own), top, '%s (its own weights)' % layer_prefix(model))
    loaded = plan.run()
    if reader.has_attr(group, 'backend') and reader.text_attr(group, 'backend') == 'theano':
        _from_theano(plan.layers)
    return loaded


#: layers whose kernels Theano stored flipped (Keras 2 flips them back on load)
THEANO_FLIPPED = {'Conv1D': 1, 'Conv2D': 1, 'Conv3D': 1, 'Conv2DTranspose': 1, 'ConvLSTM2D': 2}


def _from_theano(layers):
    """Flip back the convolution kernels of a file Keras 2 wrote on Theano, as Keras 2 does."""
    for layer in layers:
        for var in layer.weights[:THEANO_FLIPPED.get(type(layer).__name__, 0)]:
            var.assign(ACTIVE.backend.asarray(convert_kernel(_to_numpy(var)).astype(var.dtype)))


def names_of_layers(reader, group):
    """``layer_names`` of ``group``: unique, and no more than the group has members.

    Each name is looked up once, so with duplicates refused the work is
    linear in what the file stores (10**6 copies of one name took minutes).
    """
    names = reader.name_list_attr(group, 'layer_names')
    if names is None:
        return None
    _check_unique(reader, names, 'layer_names', group)
    try:
        members = len(group)
    except Exception as e:  # noqa: BLE001
        raise reader.damaged('group %r cannot be listed' % group.name, e) from None
    if len(names) > members:
        raise reader.damaged('"layer_names" of %r lists %d layers but the group holds only %d members'
                             % (group.name, len(names), members))
    return names


def names_of_weights(reader, group):
    """The ``weight_names`` of a layer's group in a weights file, checked to be unique."""
    names = reader.name_list_attr(group, 'weight_names')
    if names is not None:
        _check_unique(reader, names, 'weight_names', group)
    return names


def _check_unique(reader, names, attr, group):
    if len(set(names)) != len(names):
        seen, repeated = set(), None
        for n in names:
            if n in seen:
                repeated = n
                break
            seen.add(n)
        raise reader.damaged('%r of %r names %r more than once' % (attr, group.name, repeated))


def stored_bytes(reader, group):
    """Bytes the weight arrays of ``group`` may take once read: what the file really stores.

    An uncompressed dataset counts its stored bytes (a declared shape whose
    data is absent counts nothing); a compressed one at most ``MAX_EXPANSION``
    times its stored bytes (``h5_reader``'s rule).  Only metadata is read.
    """
    total = 0
    names = list(names_of_layers(reader, group) or [])
    for layer_group in [reader.child(group, n, 'group') for n in names] + [reader.child(group, TOP_LEVEL, 'group')]:
        if layer_group is None:
            continue
        for w in names_of_weights(reader, layer_group) or []:
            dset = reader.child(layer_group, w, 'dataset')
            if dset is not None and dset.shape is not None:
                declared = int(np.prod(dset.shape, dtype=np.float64)) * dset.dtype.itemsize
                stored, compressed = reader.storage(dset)
                total += min(declared, stored * h5_reader.MAX_EXPANSION if compressed else stored)
    return total


def _has_weights(reader, group):
    return bool(names_of_weights(reader, group))


def _plan_by_position(reader, plan, model, saved_names, saved):
    layers = [l for l in model.layers if l.weights]
    with_weights = [n for n in saved_names if _has_weights(reader, saved[n])]
    if len(layers) != len(with_weights):
        raise SavingError(
            'Cannot load %r into %s: the file holds weights for %d layer(s) (%s), the model has %d layer(s) '
            'with weights (%s). Load into the same architecture, or pass by_name=True to load the layers '
            'whose names match.' % (reader.filepath, layer_prefix(model), len(with_weights),
                                    ', '.join(with_weights), len(layers), ', '.join(l.name for l in layers)))
    for layer, name in zip(layers, with_weights):
        plan.add_layer(layer, saved[name], layer_prefix(layer))


class _OwnWeights:
    """The model's top-level variables, presented like a layer to ``_Plan``."""

    def __init__(self, model, variables):
        self.name = model.name
        self.weights = variables


# -- optimizer state -----------------------------------------------------------------------------------
def load_optimizer_state(reader, group, model, foreign):
    """Restore the optimizer's slots and iteration count from ``group``.

    A kcore file whose state does not fit is damaged (an error); a Keras file
    whose optimizer kcore lays out differently gives a warning and a fresh
    optimizer, as Keras itself does.
    """
    from kcore.saving import keras_compat
    var_list = model.trainable_weights
    expected = model.optimizer.state(var_list)
    names = reader.name_list_attr(group, 'weight_names') or []
    keep = keras_compat.optimizer_state_entries(names) if foreign else range(len(names))
    names = [names[i] for i in keep]

    def refuse(why):
        if not foreign:
            raise reader.damaged('the optimizer state does not fit the model: %s' % why)
        warnings.warn(OptimizerStateWarning(
            'The optimizer state in %r was not restored (%s); training continues with a fresh %s '
            'optimizer.' % (reader.filepath, why, type(model.optimizer).__name__)), stacklevel=3)

    if len(names) != len(expected):
        return refuse('%d arrays saved, %d expected' % (len(names), len(expected)))
    dsets = []
    for name, (want_name, want) in zip(names, expected):
        dset = reader.child(group, name, 'dataset')
        if dset is None:
            raise reader.damaged('optimizer array %r is missing' % name)
        if tuple(dset.shape) != tuple(np.shape(want)):
            return refuse('%r has shape %s, expected %s for %r' % (name, tuple(dset.shape),
                                                                   tuple(np.shape(want)), want_name))
        dsets.append((dset, tuple(np.shape(want))))
    arrays = [reader.read_array(d, shape) for d, shape in dsets]
    model.optimizer.set_state(var_list, arrays)


class OptimizerStateWarning(UserWarning):
    """A Keras file's optimizer state could not be mapped onto kcore's optimizer."""
