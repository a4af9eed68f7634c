"""Names that kcore's first-party plugins provide, and the ``pip install`` hint.

When a look-up misses a name listed here, the error says which package to
install.  A test installs each first-party plugin and checks that it
registers exactly these names, so this table cannot drift.
"""

_CONV_LAYERS = [
    'Conv1D', 'Conv2D', 'Conv3D', 'Conv1DTranspose', 'Conv2DTranspose', 'Conv3DTranspose',
    'SeparableConv1D', 'SeparableConv2D', 'DepthwiseConv1D', 'DepthwiseConv2D',
    'MaxPooling1D', 'MaxPooling2D', 'MaxPooling3D',
    'AveragePooling1D', 'AveragePooling2D', 'AveragePooling3D',
    'GlobalMaxPooling1D', 'GlobalMaxPooling2D', 'GlobalMaxPooling3D',
    'GlobalAveragePooling1D', 'GlobalAveragePooling2D', 'GlobalAveragePooling3D',
    'UpSampling1D', 'UpSampling2D', 'UpSampling3D',
    'ZeroPadding1D', 'ZeroPadding2D', 'ZeroPadding3D',
    'Cropping1D', 'Cropping2D', 'Cropping3D',
    # Keras 2 aliases
    'Convolution1D', 'Convolution2D', 'Convolution3D',
    'Convolution1DTranspose', 'Convolution2DTranspose', 'Convolution3DTranspose',
    'Deconvolution2D', 'Deconv2D', 'Deconvolution3D', 'Deconv3D',
    'SeparableConvolution1D', 'SeparableConvolution2D',
    'MaxPool1D', 'MaxPool2D', 'MaxPool3D', 'AvgPool1D', 'AvgPool2D', 'AvgPool3D',
    'GlobalMaxPool1D', 'GlobalMaxPool2D', 'GlobalMaxPool3D',
    'GlobalAvgPool1D', 'GlobalAvgPool2D', 'GlobalAvgPool3D',
]
_CONV_OPS = ['conv1d', 'conv2d', 'conv3d', 'conv2d_transpose', 'conv3d_transpose', 'depthwise_conv2d', 'separable_conv1d',
             'separable_conv2d', 'pool2d', 'pool3d', 'resize_images', 'resize_volumes']

_LOSS_FUNCTIONS = [
    'mean_absolute_error', 'mae', 'mean_absolute_percentage_error', 'mape',
    'mean_squared_logarithmic_error', 'msle', 'hinge', 'squared_hinge', 'categorical_hinge',
    'log_cosh', 'logcosh', 'huber', 'huber_loss', 'kl_divergence', 'kld',
    'kullback_leibler_divergence', 'poisson', 'cosine_similarity', 'cosine_proximity', 'cosine',
    'binary_focal_crossentropy', 'categorical_focal_crossentropy',
]
_LOSS_CLASSES = [
    'MeanAbsoluteError', 'MeanAbsolutePercentageError', 'MeanSquaredLogarithmicError', 'Hinge',
    'SquaredHinge', 'CategoricalHinge', 'LogCosh', 'Huber', 'KLDivergence', 'Poisson',
    'CosineSimilarity', 'BinaryFocalCrossentropy', 'CategoricalFocalCrossentropy',
]
# kcore-losses's metrics (mae/MeanAbsoluteError are kcore's own)
_LOSS_METRICS = [
    'mean_absolute_percentage_error', 'mape', 'mean_squared_logarithmic_error', 'msle', 'hinge',
    'squared_hinge', 'categorical_hinge', 'log_cosh', 'logcosh', 'huber', 'kl_divergence', 'kld',
    'kullback_leibler_divergence', 'poisson', 'cosine_similarity', 'cosine_proximity', 'cosine',
    'binary_focal_crossentropy', 'categorical_focal_crossentropy',
    'MeanAbsolutePercentageError', 'MeanSquaredLogarithmicError', 'Hinge', 'SquaredHinge',
    'CategoricalHinge', 'LogCoshError', 'log_cosh_error', 'KLDivergence', 'Poisson', 'CosineSimilarity',
]

_RNN_LAYERS = [
    'SimpleRNN', 'LSTM', 'GRU', 'RNN', 'SimpleRNNCell', 'LSTMCell', 'GRUCell', 'StackedRNNCells',
    'Bidirectional', 'TimeDistributed', 'ConvLSTM2D', 'CuDNNLSTM', 'CuDNNGRU', 'ConvLSTM2DCell', 'ConvRNN2D',
    'Wrapper',
]

_APPLICATIONS = ['VGG16', 'VGG19', 'ResNet50', 'ResNet101', 'ResNet152', 'ResNet50V2', 'ResNet101V2', 'ResNet152V2',
                 'ResNeXt50', 'ResNeXt101', 'InceptionV3', 'InceptionResNetV2', 'Xception', 'MobileNet',
                 'MobileNetV2', 'DenseNet121', 'DenseNet169', 'DenseNet201', 'NASNetMobile', 'NASNetLarge']
_APPLICATION_MODULES = ['kcore.applications.' + m for m in (
    'vgg16', 'vgg19', 'resnet50', 'resnet', 'resnet_v2', 'resnext', 'inception_v3', 'inception_resnet_v2',
    'xception', 'mobilenet', 'mobilenet_v2', 'densenet', 'nasnet', 'imagenet_utils')]

#: package -> kind -> names
FIRST_PARTY = {
    'kcore-conv': {'layers': _CONV_LAYERS, 'ops': _CONV_OPS},
    'kcore-losses': {'losses': _LOSS_FUNCTIONS + _LOSS_CLASSES, 'metrics': _LOSS_METRICS},
    'kcore-rnn': {'layers': _RNN_LAYERS},
    'kcore-gpu': {'backends': ['cuda', 'cupy']},
    'kcore-applications': {'applications': _APPLICATIONS, 'modules': _APPLICATION_MODULES,
                           'layers': ['CustomScaleLayer']},
    'kcore-mpi': {'strategies': ['MPIDataParallel']},
}


def provider(kind, name):
    """The first-party package that provides ``name`` in ``kind``, or None."""
    for package, kinds in FIRST_PARTY.items():
        if name in kinds.get(kind, ()):
            return package
    return None


def normalize(name):
    """Distribution and plugin names compare like pip's: case and '-', '_', '.' do not matter."""
    return name.strip().lower().replace('_', '-').replace('.', '-')


def install_hint(kind, name, records, autoload_disabled=False):
    """For an unknown ``name`` that a first-party package provides: what to install or
    enable, given the plugin ``records`` (``PluginRecord``) of this process; else None."""
    package = provider(kind, name)
    if package is None:
        return None
    records = [r for r in records if r.distribution and normalize(r.distribution) == normalize(package)]
    install = 'pip install %s' % package
    if not records:
        if autoload_disabled:
            return ('It is provided by the plugin %s (%s); KCORE_DISABLE_PLUGIN_AUTOLOAD is set, so '
                    'register its plugin module by hand with kcore.plugins.register(...).' % (package, install))
        return ('It is provided by the plugin %s, which is not installed. Install it with: %s'
                % (package, install))
    record = records[0]
    if record.status == 'disabled':
        return ('It is provided by the plugin %s (%s), which is installed but disabled by '
                'KCORE_DISABLE_PLUGINS; take %r out of that list to use it.' % (package, install, record.name))
    if record.status == 'failed':
        return ('It is provided by the plugin %s (%s), which is installed but failed to load: %s'
                % (package, install, record.error))
    return ('It is provided by the plugin %s, but the installed %s does not register it. Upgrade it: '
            'pip install -U %s' % (package, record.label, package))
