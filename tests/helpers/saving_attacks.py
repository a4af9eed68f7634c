"""Crafted malicious model files, one generator per lesson of Keras's loading CVEs.

Each ``cve_*`` function writes a file that exploited (or would exploit) a
loader that had the flaw, and returns what the test needs to prove nothing
happened: a marker file that executed code would create, a secret whose bytes
must not come back, a module that must not be imported.  They are generators,
not stored files, because HDF5 external references hold absolute paths.
"""
import base64
import contextlib
import json
import marshal

import h5py
import numpy as np

from kcore.layers import Dense
from kcore.models import Sequential
from kcore.saving import integrity
from kcore.saving.hdf5_format import config_digest, providers


def restamp(path):
    """Recompute a kcore file's whole-file checksum after editing it (an attacker can too)."""
    with open(path, 'rb') as f:
        data = f.read()
    if data[-integrity.TRAILER:].startswith(integrity.MAGIC):
        data = data[:-integrity.TRAILER]  # else an h5py edit truncated the file to its HDF5 end
    with open(path, 'wb') as f:
        f.write(data + integrity.trailer(data))


@contextlib.contextmanager
def edit_h5(path, mode='a'):
    """``h5py.File(path, mode)`` whose kcore checksum is made valid again on close."""
    with h5py.File(path, mode) as f:
        yield f
    restamp(path)


def valid_model_file(path):
    """A small compiled, trained kcore model saved to ``path``: (model, x)."""
    model = Sequential([Dense(4, input_shape=(3,), name='dense'), Dense(2, name='out')])
    model.compile(optimizer='adam', loss='mse')
    x = np.linspace(-1, 1, 12, dtype='float32').reshape(4, 3)
    model.train_on_batch(x, np.ones((4, 2), 'float32'))
    model.save(path)
    return model, x


def rewrite_config(f, config):
    """Replace a kcore file's model config, keeping its checksum valid (an attacker can too)."""
    text = json.dumps(config)
    f.attrs['model_config'] = text
    f.attrs['kcore_config_sha256'] = config_digest(text, f.attrs.get('training_config'))
    f.attrs['kcore_registered_by'] = json.dumps(providers(config))


def _marker_code(marker):
    """Bytecode of a function that creates ``marker`` when it runs."""
    source = 'def payload(x):\n    open(%r, "w").write("ran")\n    return x\n' % str(marker)
    namespace = {}
    exec(compile(source, '<payload>', 'exec'), namespace)  # test-side only: build the payload
    return base64.b64encode(marshal.dumps(namespace['payload'].__code__)).decode('ascii')


def _keras_file(path, layers, keras_version='2.15.0', extra_attrs=()):
    """A Keras-style model file (no kcore attributes) holding weightless layers."""
    config = {'class_name': 'Sequential', 'config': {'name': 'sequential', 'layers': layers}}
    with h5py.File(path, 'w') as f:
        f.attrs['model_config'] = json.dumps(config)
        f.attrs['keras_version'] = keras_version
        f.attrs['backend'] = 'tensorflow'
        for key, value in extra_attrs:
            f.attrs[key] = value
        weights = f.create_group('model_weights')
        names = [l['config']['name'] for l in layers if l['class_name'] != 'InputLayer']
        weights.attrs['layer_names'] = np.array(names, dtype=h5py.string_dtype())
        for name in names:
            weights.create_group(name).attrs['weight_names'] = np.array([], dtype=h5py.string_dtype())
    return path


_INPUT = {'class_name': 'InputLayer', 'config': {'batch_input_shape': [None, 3], 'dtype': 'float32',
                                                 'name': 'input_1'}}


def cve_2024_3660_lambda_bytecode(path, marker):
    """Keras 2's Lambda layer: the function as marshalled bytecode (function_type 'lambda')."""
    lam = {'class_name': 'Lambda', 'config': {
        'name': 'lambda', 'trainable': True, 'dtype': 'float32',
        'function': [_marker_code(marker), None, None], 'function_type': 'lambda', 'module': '__main__',
        'output_shape': None, 'output_shape_type': 'raw', 'output_shape_module': None, 'arguments': {}}}
    return _keras_file(path, [_INPUT, lam])


def cve_2025_9905_h5_ignores_safe_mode(path, marker):
    """Keras 3's ``__lambda__`` payload in a legacy .h5/.hdf5 file, where Keras skipped safe_mode."""
    lam = {'module': 'keras.layers', 'class_name': 'Lambda', 'registered_name': None, 'config': {
        'name': 'lambda', 'trainable': True,
        'function': {'class_name': '__lambda__', 'config': {'code': _marker_code(marker), 'defaults': None,
                                                            'closure': None}},
        'arguments': {}}}
    return _keras_file(path, [_INPUT, lam], keras_version='3.5.0')


def cve_2025_1550_module_injection(path, module_name):
    """Config entries naming a module and a callable in it: a loader that imports them runs the module."""
    layer = {'module': module_name, 'class_name': 'payload', 'registered_name': module_name + '>payload',
             'config': {'name': 'payload', 'command': 'anything'}}
    return _keras_file(path, [_INPUT, layer], keras_version='3.8.0')


def cve_2025_1550_function_by_module(path, module_name):
    """A Dense whose activation is ``{'module': <module>, 'class_name': 'function', 'config': ...}``."""
    dense = {'class_name': 'Dense', 'config': {
        'name': 'dense', 'units': 2,
        'activation': {'module': module_name, 'class_name': 'function', 'config': 'payload',
                       'registered_name': 'function'}}}
    path = _keras_file(path, [_INPUT], keras_version='3.8.0')
    with edit_h5(path) as f:
        config = json.loads(f.attrs['model_config'])
        config['config']['layers'].append(dense)
        f.attrs['model_config'] = json.dumps(config)
    return path


def cve_2025_9906_safe_mode_switch(path, marker):
    """Everything a file could use to turn safe mode off, then a Lambda with bytecode."""
    switch = {'module': 'keras.config', 'class_name': 'enable_unsafe_deserialization',
              'registered_name': None, 'config': {'name': 'switch', 'safe_mode': False}}
    lam = dict(cve_layer_lambda(marker))
    lam['config'] = dict(lam['config'], safe_mode=False)
    return _keras_file(path, [_INPUT, switch, lam], keras_version='3.10.0',
                       extra_attrs=[('safe_mode', False), ('unsafe_deserialization', True)])


def cve_layer_lambda(marker):
    return {'class_name': 'Lambda', 'config': {
        'name': 'lambda', 'function': [_marker_code(marker), None, None], 'function_type': 'lambda',
        'module': '__main__', 'output_shape_type': 'raw', 'arguments': {}}}


def cve_2026_0897_huge_dataset(path, where='model_weights/dense/dense/kernel'):
    """A valid file whose weight dataset declares 2**21 x 2**21 float32 (16 TiB), stored nowhere."""
    valid_model_file(path)
    with edit_h5(path) as f:
        del f[where]
        f.create_dataset(where, shape=(2 ** 21, 2 ** 21), dtype='float32', chunks=(64, 64))
    return path


def cve_2026_0897_declared_not_stored(path):
    """The right shape, but no data in the file: reading would silently give fill values."""
    valid_model_file(path)
    with edit_h5(path) as f:
        del f['model_weights/dense/dense/kernel']
        f.create_dataset('model_weights/dense/dense/kernel', shape=(3, 4), dtype='float32', chunks=(1, 4))
    return path


def cve_2026_1669_external_storage(path, secret):
    """A weight whose data HDF5 would read from another file (``secret``)."""
    valid_model_file(path)
    with edit_h5(path) as f:
        del f['model_weights/dense/dense/kernel']
        f.create_dataset('model_weights/dense/dense/kernel', shape=(3, 4), dtype='float32',
                         external=[(str(secret), 0, 48)])
    return path


def cve_2026_1669_external_link(path, other):
    """A layer group that is an HDF5 external link into another file."""
    valid_model_file(other)
    valid_model_file(path)
    with edit_h5(path) as f:
        del f['model_weights/dense']
        f['model_weights/dense'] = h5py.ExternalLink(str(other), '/model_weights/dense')
    return path


def cve_2026_1669_virtual_dataset(path, other):
    """A weight that is a virtual dataset mapping data from another file."""
    valid_model_file(other)
    valid_model_file(path)
    with edit_h5(path) as f:
        del f['model_weights/dense/dense/kernel']
        layout = h5py.VirtualLayout(shape=(3, 4), dtype='float32')
        layout[:] = h5py.VirtualSource(str(other), 'model_weights/dense/dense/kernel', shape=(3, 4))
        f['model_weights/dense/dense'].create_virtual_dataset('kernel', layout)
    return path


def soft_link_escape(path):
    """A weight that is a soft link to another part of the file (an optimizer slot of the same shape)."""
    valid_model_file(path)
    with edit_h5(path) as f:
        del f['model_weights/dense/dense/kernel']
        f['model_weights/dense/dense/kernel'] = h5py.SoftLink('/optimizer_weights/dense/kernel_momentum')
    return path


def object_references(path):
    """``weight_names`` holding HDF5 object references instead of names."""
    valid_model_file(path)
    with edit_h5(path) as f:
        group = f['model_weights/dense']
        refs = np.array([f['model_weights/out'].ref, f['optimizer_weights'].ref], dtype=h5py.ref_dtype)
        del group.attrs['weight_names']
        group.attrs.create('weight_names', refs, dtype=h5py.ref_dtype)
    return path


def huge_architecture(path):
    """A valid file whose config asks for a Dense kernel of 2**36 float32 (256 GiB) while
    the file holds a few bytes of weights: the allocation itself is the attack."""
    valid_model_file(path)
    with edit_h5(path) as f:
        config = json.loads(f.attrs['model_config'])
        config['config']['layers'][0]['config']['units'] = 2 ** 34
        rewrite_config(f, config)
    return path
