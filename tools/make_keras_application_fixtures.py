"""Write what kcore-applications's tests compare against, made by real Keras applications.

Keras 2.3.1's ``keras.applications`` is ``keras_applications`` 1.0.8 with Keras's
modules injected; Keras 2.3.1 itself needs TensorFlow 1.x/2.0 (Python <= 3.7), so
this script injects tf.keras 2.15 instead, which builds the same layers.  Run it
in a throwaway environment (see plugins/kcore-applications/tests/fixtures/README.md):

    python tools/make_keras_application_fixtures.py plugins/kcore-applications/tests/fixtures
    KERAS_BACKEND=torch python tools/make_keras_application_fixtures.py --keras3 plugins/...

With ``--keras3`` (Keras 3, any backend) it writes only ``k3_mobilenet_025_model.h5``
and ``k3_mobilenet_025.npz``: Keras 3's own ``keras.applications.MobileNet`` saved with
``model.save`` in the legacy HDF5 layout.

It writes:
  keras_applications_layers.json.gz   for every architecture: Keras's model name, parameter
                                      count, output shape and its layers in ``model.layers``
                                      order as [name (None when Keras generated it), class,
                                      weight shapes]
  k2_mobilenet_025.h5 / .npz          MobileNet(alpha=0.25, include_top=False, pooling='avg',
                                      input_shape=(32, 32, 3)) with random weights and random
                                      BatchNormalization statistics: save_weights (legacy
                                      HDF5 layout), the input batch ``x`` and Keras's ``y``
  k2_mobilenet_025_model.h5            the same model through model.save (legacy HDF5 layout)
"""
import gzip
import json
import os
import re
import sys

import numpy as np

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
if '--keras3' in sys.argv:
    import keras
else:
    import tensorflow as tf
    from tensorflow import keras

    import keras_applications  # (1.0.8)
    from keras_applications import (densenet, inception_resnet_v2, inception_v3, mobilenet, mobilenet_v2, nasnet,
                                    resnet50, resnet_common, vgg16, vgg19, xception)

MODULES = dict(backend=keras.backend, layers=keras.layers, models=keras.models, utils=keras.utils)


def architectures():
    return {
        'vgg16.VGG16': vgg16.VGG16, 'vgg19.VGG19': vgg19.VGG19, 'resnet50.ResNet50': resnet50.ResNet50,
        'resnet.ResNet50': resnet_common.ResNet50, 'resnet.ResNet101': resnet_common.ResNet101,
        'resnet.ResNet152': resnet_common.ResNet152, 'resnet_v2.ResNet50V2': resnet_common.ResNet50V2,
        'resnet_v2.ResNet101V2': resnet_common.ResNet101V2, 'resnet_v2.ResNet152V2': resnet_common.ResNet152V2,
        'resnext.ResNeXt50': resnet_common.ResNeXt50, 'resnext.ResNeXt101': resnet_common.ResNeXt101,
        'inception_v3.InceptionV3': inception_v3.InceptionV3,
        'inception_resnet_v2.InceptionResNetV2': inception_resnet_v2.InceptionResNetV2,
        'xception.Xception': xception.Xception, 'mobilenet.MobileNet': mobilenet.MobileNet,
        'mobilenet_v2.MobileNetV2': mobilenet_v2.MobileNetV2, 'densenet.DenseNet121': densenet.DenseNet121,
        'densenet.DenseNet169': densenet.DenseNet169, 'densenet.DenseNet201': densenet.DenseNet201,
        'nasnet.NASNetMobile': nasnet.NASNetMobile, 'nasnet.NASNetLarge': nasnet.NASNetLarge,
    }


def _generated(layer):
    """Whether Keras made the layer's name up (``activation_3``): those depend on the session."""
    base = re.sub(r'(.)([A-Z][a-z0-9]+)', r'\1_\2', type(layer).__name__)
    base = re.sub(r'([a-z])([A-Z])', r'\1_\2', base).lower()
    return re.fullmatch(r'(%s|input)(_\d+)?' % re.escape(base), layer.name) is not None


def layer_tables():
    tables = {}
    for key, fn in architectures().items():
        keras.backend.clear_session()
        model = fn(weights=None, **MODULES)
        tables[key] = {
            'name': model.name, 'params': int(model.count_params()), 'output_shape': list(model.output_shape),
            'layers': [[None if _generated(l) else l.name, type(l).__name__, [list(w.shape) for w in l.weights]]
                       for l in model.layers]}
        print('%s: %d layers, %d parameters' % (key, len(model.layers), tables[key]['params']))
    return tables


def randomize(model, rng):
    """Random biases and BatchNormalization parameters and statistics (kernels keep Keras's init)."""
    for layer in model.layers:
        values = []
        for w in layer.weights:
            shape, name = tuple(w.shape), w.name
            if 'kernel' in name:
                values.append(np.asarray(keras.ops.convert_to_numpy(w) if hasattr(keras, 'ops')
                                         else keras.backend.get_value(w)))
            elif 'gamma' in name or 'moving_variance' in name:
                values.append(rng.uniform(0.5, 1.5, size=shape).astype('float32'))
            else:
                values.append(rng.normal(0.0, 0.2, size=shape).astype('float32'))
        if values:
            layer.set_weights(values)


def mobilenet_fixture(folder):
    keras.backend.clear_session()
    keras.utils.set_random_seed(0)
    rng = np.random.RandomState(0)
    model = mobilenet.MobileNet(alpha=0.25, include_top=False, pooling='avg', input_shape=(32, 32, 3),
                                weights=None, **MODULES)
    randomize(model, rng)
    x = rng.uniform(-1, 1, size=(4, 32, 32, 3)).astype('float32')
    y = model.predict(x, verbose=0)
    prefix = os.path.join(folder, 'k2_mobilenet_025')
    model.save_weights(prefix + '.h5')
    model.save(prefix + '_model.h5')
    np.savez(prefix + '.npz', x=x, y=y)
    print('wrote %s.h5, %s_model.h5 and %s.npz' % (prefix, prefix, prefix))


def keras3_mobilenet_fixture(folder):
    keras.utils.set_random_seed(0)
    rng = np.random.RandomState(0)
    model = keras.applications.MobileNet(alpha=0.25, include_top=False, pooling='avg', input_shape=(32, 32, 3),
                                         weights=None)
    randomize(model, rng)
    x = rng.uniform(-1, 1, size=(4, 32, 32, 3)).astype('float32')
    y = np.asarray(model.predict(x, verbose=0))
    prefix = os.path.join(folder, 'k3_mobilenet_025')
    model.save(prefix + '_model.h5')
    np.savez(prefix + '.npz', x=x, y=y)
    print('Keras %s (%s): wrote %s_model.h5 and %s.npz' % (keras.__version__, keras.backend.backend(), prefix, prefix))


def main(folder):
    print('keras_applications %s on tf.keras %s' % (keras_applications.__version__, tf.__version__))
    tables = layer_tables()
    with gzip.open(os.path.join(folder, 'keras_applications_layers.json.gz'), 'wt') as f:
        json.dump({'keras_applications': keras_applications.__version__, 'tensorflow': tf.__version__,
                   'models': tables}, f, separators=(',', ':'))
    mobilenet_fixture(folder)


if __name__ == '__main__':
    if '--keras3' in sys.argv:
        keras3_mobilenet_fixture([a for a in sys.argv[1:] if a != '--keras3'][0])
    else:
        main(sys.argv[1])
