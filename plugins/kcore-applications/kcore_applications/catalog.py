"""What kcore-applications registers: each module under its Keras path and each
constructor under its Keras name (``kcore.applications.<name>``)."""

#: module name (under kcore_applications and kcore.applications) -> constructors it defines
MODULES = {
    'vgg16': ('VGG16',),
    'vgg19': ('VGG19',),
    'resnet50': ('ResNet50',),
    'resnet': ('ResNet101', 'ResNet152'),
    'resnet_v2': ('ResNet50V2', 'ResNet101V2', 'ResNet152V2'),
    'resnext': ('ResNeXt50', 'ResNeXt101'),
    'inception_v3': ('InceptionV3',),
    'inception_resnet_v2': ('InceptionResNetV2',),
    'xception': ('Xception',),
    'mobilenet': ('MobileNet',),
    'mobilenet_v2': ('MobileNetV2',),
    'densenet': ('DenseNet121', 'DenseNet169', 'DenseNet201'),
    'nasnet': ('NASNetMobile', 'NASNetLarge'),
    'imagenet_utils': (),
}
