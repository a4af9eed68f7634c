"""Whole models and weights in HDF5, in Keras's legacy layout (what ``model.save('x.h5')`` writes).

A model file's root attributes: ``model_config`` (JSON architecture, every
object under its registered name with the distribution that registered it),
``training_config`` (JSON compile arguments), ``keras_version``, ``backend``,
plus kcore's ``kcore_version`` and ``kcore_registered_by`` (name ->
distribution, for the ``pip install`` hint when a name is missing on load).
Groups: ``model_weights`` and ``optimizer_weights`` (see ``hdf5_weights``).
A weights file has the ``model_weights`` layout at its root.

Files written by Keras 2.x and Keras 3 read the same way; their configs pass
through ``keras_compat`` first.  Every write goes through ``atomic``; every
read through ``h5_reader.H5Reader``.
"""
import contextlib
import io
import os

import numpy as np

from kcore.runtime.device import ACTIVE
from kcore.errors import SavingError, UnknownNameError, add_context
from kcore._version import __version__
from kcore.plugins.registry import singular
from kcore.layers.lambda_layer import safe_mode_scope
from kcore.plugins import trust
from kcore.plugins.manager import manager
from kcore.saving.budget import weight_budget
from kcore.saving import (atomic, config_limits, h5_reader, hdf5_weights, integrity, keras_compat, preflight,
                          safety, sniff, state_guard)
from kcore.saving.savable import check_savable, to_json
from kcore.serialization import deserialize
from kcore.saving.training_config import compile_from_config


def _stamp():
    return {'backend': ACTIVE.backend.name, 'keras_version': 'kcore-%s' % __version__}


def _h5py():
    import h5py
    return h5py


# -- saving ------------------------------------------------------------------------------------------
def _check_format(filepath, save_format):
    if save_format not in (None, 'h5', 'hdf5'):
        raise SavingError('kcore saves models in HDF5 only. Received: save_format=%r. Pass save_format="h5" '
                          '(or leave it out).' % (save_format,))
    if not isinstance(filepath, (str, bytes, os.PathLike)):
        raise SavingError('Expected a file path (str or os.PathLike). Received: %r.' % (filepath,))
    return os.fspath(filepath)


def providers(config):
    """``{registered name: distribution}`` for every object in ``config`` that says where it came from."""
    found, stack = {}, [config]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get('class_name'), str) and isinstance(node.get('registered_by'), str):
                found[node['class_name']] = node['registered_by']
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def config_digest(model_config, training_config):
    """SHA-256 of the JSON texts: a damaged config is an error, not a different model."""
    import hashlib
    text = (model_config or '') + '\0' + (training_config or '')
    return hashlib.sha256(text.encode('utf-8')).hexdigest()


@contextlib.contextmanager
def _new_file(filepath, overwrite):
    """An HDF5 file built in memory, then written to ``filepath`` atomically.

    libhdf5 does not survive a failed disk write (a full disk, a size limit):
    closing the file afterwards can crash the process.  Built in memory, HDF5
    never touches the disk; the finished image is written by plain Python I/O,
    whose failures are ordinary exceptions.  The format is HDF5 1.8's, whose
    object headers carry checksums; every h5py and Keras since 2008 reads it.
    The cost is one copy of the file in memory while saving.  The file ends
    with a trailer holding a checksum of the rest (see ``integrity``).
    """
    atomic.check_target(filepath, overwrite)
    buffer = io.BytesIO()
    with _h5py().File(buffer, 'w', libver=('v108', 'latest')) as f:
        yield f
    image = buffer.getbuffer()
    atomic.write_bytes(filepath, [image, integrity.trailer(image)], overwrite)


def save_model(model, filepath, overwrite=True, include_optimizer=True, save_format=None):
    """Write ``model`` (architecture, weights, training config, optimizer state) atomically."""
    import json
    filepath = _check_format(filepath, save_format)
    plan = check_savable(model)
    training = plan.training_config if include_optimizer else None
    with _new_file(filepath, overwrite) as f:
        f.attrs['model_config'] = plan.model_config
        for key, value in _stamp().items():
            f.attrs[key] = value
        f.attrs['kcore_version'] = __version__
        f.attrs['kcore_registered_by'] = to_json(providers(json.loads(plan.model_config)), 'providers')
        f.attrs['kcore_config_sha256'] = config_digest(plan.model_config, training)
        hdf5_weights.write_weights(f.create_group('model_weights'), model, _stamp())
        if training is not None:
            f.attrs['training_config'] = training
            hdf5_weights.write_optimizer_state(f.create_group('optimizer_weights'), model)


def save_weights(model, filepath, overwrite=True):
    """Write only the weights, in the legacy weights layout, atomically."""
    filepath = _check_format(filepath, None)
    check_savable(model, weights_only=True)
    with _new_file(filepath, overwrite) as f:
        hdf5_weights.write_weights(f, model, _stamp())
        f.attrs['kcore_version'] = __version__


# -- loading ----------------------------------------------------------------------------------------
def _open(filepath, what):
    if not isinstance(filepath, (str, bytes, os.PathLike)):
        raise SavingError('Expected a file path (str or os.PathLike). Received: %r.' % (filepath,))
    filepath = os.fspath(filepath)
    sniff.check_hdf5(filepath, what)
    integrity.verify(filepath)  # kcore's own files: any changed byte is an error before HDF5 parses one
    preflight.check(filepath, h5_reader.MAX_ATTR_BYTES)  # any file: a walk in another process, time-limited
    return h5_reader.H5Reader(filepath)


def _keras3_weights_error(reader):
    """The error for Keras 3's own weights layout (``layers/<name>/vars/<i>``), or None."""
    f = reader.root
    if reader.child(f, 'layers', 'group') is not None and reader.child(f, 'vars', 'group') is not None:
        return SavingError('%r is a Keras 3 weights file (the ".weights.h5" layout), which kcore does not '
                           'read. In Keras, save the whole model with model.save("model.h5") instead.'
                           % reader.filepath)
    return None


def _no_model_error(reader):
    if reader.has_attr(reader.root, 'layer_names'):
        return SavingError('%r holds only weights (written by save_weights), not a model. Build the model in '
                           'code and call model.load_weights(%r).' % (reader.filepath, reader.filepath))
    return _keras3_weights_error(reader) or SavingError('%r is an HDF5 file but holds no model: it has no "model_config" attribute. Expected a '
                       'file written by model.save(...) in kcore or Keras.' % reader.filepath)


def _missing_name_hint(error, config):
    """Add what the file says about where an unknown name came from, and how to load it."""
    text = str(error)
    for name, dist in providers(config).items():
        if repr(name) in text:
            package = ''.join(c for c in dist.split(' ')[0] if c.isalnum() or c in '._-')
            if package and 'pip install' not in text:
                add_context(error, 'The file says %r was provided by the distribution %r when it was saved; '
                                   'install it (pip install %s) to load this model.' % (name, dist, package))
            break
    if error.name is not None and 'pip install' not in text:
        add_context(error, 'Unknown %s %r in this file: kcore rebuilds it from the registries only. Either '
                           'register the class once before loading (kcore.plugins.register(%s), or publish it '
                           'in a plugin), or pass custom_objects={%r: %s}.'
                    % (singular(error.kind), error.name, error.name, error.name, error.name))
    return error


def rebuild(config, custom_objects, filepath):
    """The model described by ``config`` (a dict), built from registered names only."""
    if not isinstance(config, dict) or not isinstance(config.get('class_name'), str):
        raise SavingError('The model config in %r is malformed: expected {"class_name": ..., "config": ...}. '
                          'Received: %.200r.' % (filepath, config))
    try:
        model = deserialize(config, 'layers', custom_objects)
    except UnknownNameError as e:
        raise _missing_name_hint(e, config)
    except MemoryError:
        raise SavingError('The model in %r asks for more memory than is available while being built; the '
                          'file is damaged or not meant for this machine.' % filepath) from None
    except (SavingError, RecursionError):
        raise
    except Exception as e:  # a layer refusing its config: keep the type, say which file
        add_context(e, 'Raised while rebuilding the model saved in %r.' % filepath)
        raise
    if not getattr(model, '_is_model', False):
        raise SavingError('The model config in %r describes a %s, not a model.' % (filepath, type(model).__name__))
    shape = config.get('build_input_shape')
    if not model.built and shape is not None:
        model.build(_build_shape(shape, filepath))
    return model


#: a subclassed model is built by running it on zeros of its saved input shape; no bigger than this
MAX_BUILD_ELEMENTS = 2 ** 26


def _build_shape(value, filepath):
    """The saved input shape of a subclassed model, checked before zeros of it are made."""
    shapes = value if isinstance(value, list) and value and all(isinstance(v, list) for v in value) else [value]
    total = 0
    for shape in shapes:
        if not isinstance(shape, list) or not all(d is None or (type(d) is int and d >= 0) for d in shape):
            raise SavingError('The saved input shape in %r is malformed. Received: %.200r.' % (filepath, value))
        total += int(np.prod([1 if d is None else d for d in shape], dtype=np.float64))
    if total > MAX_BUILD_ELEMENTS:
        raise SavingError('The saved input shape in %r, %s, would take %d values to build the model with; '
                          'kcore builds only from shapes of up to %d values. The file is damaged or crafted.'
                          % (filepath, value, total, MAX_BUILD_ELEMENTS))
    tuples = [tuple(s) for s in shapes]
    return tuples if len(tuples) > 1 or shapes is value else tuples[0]


#: weight bytes a rebuilt model may allocate beyond what the file stores (small unsaved state)
WEIGHT_BUDGET_SLACK = 1 << 20


def _over_budget(filepath):
    return config_limits.refusal('The architecture in %r' % filepath,
                   'the file stores only that many bytes of weights (plus %d for compressed data), and every '
                   'weight of a saved model is in its file, so the file is damaged or crafted'
                   % h5_reader.EXPANSION_ALLOWANCE)


def load_budget(reader, weights):
    """The weight budget of a model rebuilt from ``reader``: bytes stored, never bytes declared."""
    budget = hdf5_weights.stored_bytes(reader, weights) + h5_reader.EXPANSION_ALLOWANCE + WEIGHT_BUDGET_SLACK
    return weight_budget(budget, _over_budget(reader.filepath), stand_in_bytes=config_limits.STAND_IN_BYTES)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True, trust_plugins=None):
    """Rebuild a model saved by ``model.save`` (kcore, Keras 2.x or Keras 3 HDF5).

    A failed load leaves process-wide settings as they were (``state_guard``).

    A kcore file records which distribution provided each registered name
    (``Dense`` by kcore, ``Conv2D`` by kcore-conv).  If a name is now provided
    by another distribution (a plugin that replaced ``Dense``), loading
    *refuses* with an error naming both, rather than warning: the model would
    silently run other code than it was saved with, and a warning among many
    is easily missed -- or turned off -- while the wrong numbers it leads to
    are not.  ``trust_plugins=['that-dist']`` (or ``True`` for every installed
    plugin) accepts the difference.  Names registered in-process by your own
    code always pass.
    """
    with state_guard.unchanged_on_failure():
        return _load_model(filepath, custom_objects, compile, safe_mode, trust_plugins)


def _load_model(filepath, custom_objects, compile, safe_mode, trust_plugins):
    with _open(filepath, 'model') as reader:
        f = reader.root
        config = reader.json_attr(f, 'model_config')
        if config is None:
            raise _no_model_error(reader)
        foreign = not reader.has_attr(f, 'kcore_version')
        if not foreign:
            _verify_digest(reader)
        if foreign:
            major = keras_compat.keras_major(reader.text_attr(f, 'keras_version'))
            config = keras_compat.normalize(config, major)
        safety.check_no_code(config, safe_mode, reader.filepath)
        if not foreign:
            manager.ensure_loaded()
            trust.check_providers(providers(config), reader.filepath, trust_plugins, manager.registries)
        training = reader.json_attr(f, 'training_config') if compile else None
        if foreign and training is not None:
            training = keras_compat.normalize(training, major)
        if training is not None:
            safety.check_no_code(training, safe_mode, reader.filepath)
        weights = reader.child(f, 'model_weights', 'group')
        if weights is None:
            raise reader.damaged('the "model_weights" group is missing')
        with safe_mode_scope(safe_mode), load_budget(reader, weights):
            model = rebuild(config, custom_objects, reader.filepath)
        with safe_mode_scope(safe_mode):
            hdf5_weights.load_weights(reader, weights, model)
            if training is not None:
                _compile(reader, model, training, custom_objects, foreign)
    return model


def _verify_digest(reader):
    f = reader.root
    saved = reader.text_attr(f, 'kcore_config_sha256')
    if saved is None:
        raise reader.damaged('the checksum attribute "kcore_config_sha256" is missing')
    if saved != config_digest(reader.text_attr(f, 'model_config'), reader.text_attr(f, 'training_config')):
        raise reader.damaged('the model or training config does not match its checksum')


def _compile(reader, model, training, custom_objects, foreign):
    try:
        compile_from_config(model, training, custom_objects)
    except UnknownNameError as e:
        add_context(e, 'Raised while compiling the model loaded from %r. To skip compiling, load it with '
                       'compile=False.' % reader.filepath)
        raise
    state = reader.child(reader.root, 'optimizer_weights', 'group')
    if state is not None:
        hdf5_weights.load_optimizer_state(reader, state, model, foreign)
    elif not foreign:  # kcore writes the two together: a fresh optimizer would be a silent loss
        raise reader.damaged('the file has a training config but no "optimizer_weights" group')


def load_weights(model, filepath, by_name=False, skip_mismatch=False, reshape=False):
    """Load weights saved by ``save_weights`` or ``model.save`` (kcore or Keras) into ``model``;
    ``reshape`` reshapes saved arrays of the right size but another shape (Keras 2.3)."""
    with _open(filepath, 'weights') as reader:
        f = reader.root
        group = f
        if not reader.has_attr(f, 'layer_names'):
            group = reader.child(f, 'model_weights', 'group')
            if group is None or not reader.has_attr(group, 'layer_names'):
                raise _no_weights_error(reader)
        return hdf5_weights.load_weights(reader, group, model, by_name=by_name, skip_mismatch=skip_mismatch,
                                         reshape=reshape)


def _no_weights_error(reader):
    return _keras3_weights_error(reader) or SavingError('%r is an HDF5 file but holds no weights: neither a "layer_names" attribute nor a '
                       '"model_weights" group. Expected a file written by save_weights(...) or model.save(...) '
                       'in kcore or Keras.' % reader.filepath)


__all__ = ['save_model', 'save_weights', 'load_model', 'load_weights']
