"""Training a small CNN on augmented images read from class folders, offline, with kcore.

Keras's cifar10_cnn augments CIFAR-10 with an ImageDataGenerator; this script draws its
own images instead (bright squares, circles and crosses on noise, at random places and
sizes), saves them as PNG files in class folders, and trains with
``ImageDataGenerator(rotation_range, width/height_shift_range, zoom_range,
horizontal_flip, rescale, validation_split).flow_from_directory(...)``, the training and
validation subsets read by ``fit`` as Sequences.

    python examples/image_augmentation.py              # under a minute
    python examples/image_augmentation.py --epochs 1   # a quick smoke run
"""
import argparse
import os
import tempfile

import numpy as np

import kcore
from kcore.preprocessing.image import ImageDataGenerator, save_img

SIZE = 24


def draw(shape, rng):
    img = rng.rand(SIZE, SIZE, 3) * 0.3
    r = rng.randint(4, 8)
    cy, cx = rng.randint(r, SIZE - r, size=2)
    yy, xx = np.mgrid[:SIZE, :SIZE]
    if shape == 'square':
        mask = (abs(yy - cy) <= r) & (abs(xx - cx) <= r)
    elif shape == 'circle':
        mask = (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r
    else:
        mask = ((abs(yy - cy) <= 1) & (abs(xx - cx) <= r)) | ((abs(xx - cx) <= 1) & (abs(yy - cy) <= r))
    img[mask] = rng.uniform(0.7, 1.0, size=3)
    return img


def write_folders(root, per_class, rng):
    for shape in ('circle', 'cross', 'square'):
        os.makedirs(os.path.join(root, shape), exist_ok=True)
        for i in range(per_class):
            save_img(os.path.join(root, shape, '%03d.png' % i), draw(shape, rng) * 255, scale=False)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--epochs', type=int, default=8)
    p.add_argument('--per-class', type=int, default=60)
    args = p.parse_args(argv)
    kcore.utils.set_random_seed(0)
    rng = np.random.RandomState(0)
    with tempfile.TemporaryDirectory() as root:
        write_folders(root, args.per_class, rng)
        gen = ImageDataGenerator(rotation_range=15, width_shift_range=0.1, height_shift_range=0.1, zoom_range=0.1,
                                 horizontal_flip=True, rescale=1 / 255., validation_split=0.2)
        train = gen.flow_from_directory(root, target_size=(SIZE, SIZE), batch_size=16, subset='training', seed=1)
        val = gen.flow_from_directory(root, target_size=(SIZE, SIZE), batch_size=16, subset='validation',
                                      shuffle=False)
        L = kcore.layers
        model = kcore.Sequential([L.Conv2D(8, 3, activation='relu', input_shape=(SIZE, SIZE, 3)),
                                  L.MaxPooling2D(2), L.Conv2D(16, 3, activation='relu'), L.MaxPooling2D(2),
                                  L.Flatten(), L.Dense(32, activation='relu'),
                                  L.Dense(train.num_classes, activation='softmax')])
        model.compile(kcore.optimizers.Adam(learning_rate=0.003), 'categorical_crossentropy', metrics=['accuracy'])
        history = model.fit(train, epochs=args.epochs, validation_data=val, verbose=0, workers=2)
        acc = history.history['val_accuracy'][-1]
    print('classes %s; validation accuracy after %d epochs: %.3f' % (train.class_indices, args.epochs, acc))
    return acc


if __name__ == '__main__':
    main()
