"""Cases run against both keras_preprocessing 1.1.2 (by tools/make_preprocessing_fixtures.py, which
stores its outputs in tests/fixtures/preprocessing/) and kcore (by tests/test_preprocessing_reference.py).

Each case takes the modules (``sequence``, ``text``, ``image``) of one implementation and returns
plain data (:func:`normalize`); nothing here imports either implementation.
"""
import json
import random

import numpy as np


def normalize(value):
    """JSON-able data that compares exactly: arrays keep dtype and shape, dicts keep order."""
    if isinstance(value, np.ndarray):
        values = value.tolist()
        if value.dtype.kind == 'f':
            values = np.asarray(value, dtype='float64').tolist()
        return {'__array__': str(value.dtype) if value.dtype.kind != 'O' else 'object',
                'shape': list(value.shape), 'values': normalize(values)}
    if isinstance(value, np.generic):
        return normalize(value.item())
    if isinstance(value, dict):
        return {'__dict__': [[normalize(k), normalize(v)] for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        return [normalize(v) for v in value]
    if isinstance(value, float) and value != value:
        return {'__nan__': True}
    return value


def _sorted_dict(d):
    return dict(sorted(d.items(), key=lambda kv: str(kv[0])))


# -- sequence -------------------------------------------------------------------------------

PAD_CASES = [
    ([[1, 2, 3], [4, 5], [6]], {}),
    ([[1, 2, 3], [4, 5], [6]], {'maxlen': 2}),
    ([[1, 2, 3], [4, 5], [6]], {'maxlen': 2, 'padding': 'post', 'truncating': 'post'}),
    ([[1, 2, 3], [4, 5], [6]], {'maxlen': 5, 'padding': 'post', 'value': -1}),
    ([[1, 2, 3], [], [6]], {'truncating': 'post', 'maxlen': 1}),
    ([[1.5, 2.5], [3.25]], {'dtype': 'float32'}),
    ([[1.5, 2.7], [-3.25]], {}),
    ([[1, 2], [3]], {'dtype': 'float64', 'value': 0.5}),
    ([['a', 'bb'], ['ccc']], {'dtype': object, 'value': 'PAD'}),
    ([['a', 'bb'], ['ccc']], {'dtype': '<U3', 'value': 'x'}),
    ([['a', 'bb'], ['ccc']], {'dtype': object, 'maxlen': 3, 'padding': 'post'}),
    ([[[1, 2], [3, 4]], [[5, 6]], []], {}),
    ([[[1, 2], [3, 4]], [[5, 6]]], {'maxlen': 3, 'padding': 'post', 'dtype': 'float32', 'value': -1.0}),
    ([[[[1], [2]], [[3], [4]]], [[[5], [6]]]], {'truncating': 'post', 'maxlen': 1}),
    ([[True, False], [True]], {'dtype': 'bool', 'value': False}),
    ([[2 ** 40, 1], [3]], {'dtype': 'int64'}),
]


def pad_cases(sequence, text, image=None):
    out = [sequence.pad_sequences(seqs, **kw) for seqs, kw in PAD_CASES]
    out.append(sequence.pad_sequences([np.arange(4), np.arange(2)], maxlen=3))
    out.append(sequence.pad_sequences((np.ones((2, 3)), np.zeros((1, 3))), dtype='float32'))
    return out


def sampling_cases(sequence, text, image=None):
    return [sequence.make_sampling_table(10), sequence.make_sampling_table(7, sampling_factor=1e-3),
            sequence.make_sampling_table(1)]


def skipgram_cases(sequence, text, image=None):
    out = []
    table = sequence.make_sampling_table(12, sampling_factor=0.1)
    for kw in [{}, {'window_size': 2, 'seed': 3}, {'categorical': True, 'seed': 5},
               {'negative_samples': 0.5, 'seed': 1}, {'negative_samples': 0.0, 'shuffle': False},
               {'sampling_table': table, 'seed': 9}, {'window_size': 1, 'shuffle': False}]:
        random.seed(1234)
        out.append(sequence.skipgrams([1, 2, 0, 3, 4, 5, 6, 7, 0, 8, 9, 10, 11], 12, **kw))
    return out


def timeseries_cases(sequence, text, image=None):
    data = np.arange(40).reshape(20, 2)
    targets = np.arange(20) * 10
    out = []
    for kw in [{'length': 3}, {'length': 4, 'sampling_rate': 2, 'batch_size': 3},
               {'length': 2, 'stride': 3, 'batch_size': 2, 'reverse': True},
               {'length': 3, 'start_index': 2, 'end_index': 15, 'batch_size': 4},
               {'length': 5, 'batch_size': 1, 'stride': 2, 'sampling_rate': 3}]:
        gen = sequence.TimeseriesGenerator(data, targets, **kw)
        out.append([len(gen)] + [list(gen[i]) for i in range(len(gen))])
    gen = sequence.TimeseriesGenerator(list(range(10)), list(range(10)), length=2, batch_size=4)
    out.append(json.loads(gen.to_json()))
    out.append(gen.get_config())
    back = sequence.timeseries_generator_from_json(gen.to_json())
    out.append([len(back)] + [list(back[i]) for i in range(len(back))])
    np.random.seed(0)
    shuffled = sequence.TimeseriesGenerator(data, targets, length=3, shuffle=True, batch_size=5)
    out.append(list(shuffled[0]))
    return out


# -- text -----------------------------------------------------------------------------------

CORPUS = [
    'The cat sat on the mat.',
    'The dog ate my homework!! (Really, it did.)',
    'Cats and dogs: friends or foes? The debate goes on...',
    'A tab\there, a newline\nthere; UPPER and lower Case.',
    '',
    'the the the cat cat dog',
    "Don't split contractions-with-hyphens; e-mail me @ home #hashtag",
    'Ünïcödé wörds ÄND Straße café',
]


def word_sequence_cases(sequence, text, image=None):
    out = []
    for s in CORPUS:
        out.append(text.text_to_word_sequence(s))
        out.append(text.text_to_word_sequence(s, lower=False))
        out.append(text.text_to_word_sequence(s, filters='', split=' '))
        out.append(text.text_to_word_sequence(s, filters='.!', split='e'))
        out.append(text.text_to_word_sequence(s, split='  '))
        out.append(text.hashing_trick(s, 17, hash_function='md5'))
        out.append(text.hashing_trick(s, 1000, hash_function=lambda w: len(w) * 31, lower=False))
    return out


def _tokenizer_state(tok):
    return {'word_counts': tok.word_counts, 'word_docs': _sorted_dict(tok.word_docs),
            'index_docs': _sorted_dict(tok.index_docs), 'word_index': _sorted_dict(tok.word_index),
            'index_word': _sorted_dict(tok.index_word), 'document_count': tok.document_count,
            'word_index_ranked': sorted(tok.word_index.items(), key=lambda kv: kv[1])}


TOKENIZER_SETTINGS = [{}, {'num_words': 6}, {'oov_token': '<unk>'}, {'num_words': 5, 'oov_token': 'OOV'},
                      {'char_level': True}, {'char_level': True, 'lower': False, 'num_words': 10},
                      {'lower': False, 'filters': '.', 'split': ' '}, {'split': 'a', 'filters': ''},
                      {'num_words': 0}, {'oov_token': 'the'}]


def tokenizer_cases(sequence, text, image=None):
    out = []
    queries = ['the cat and the unknown zebra', 'dog dog mat', '', 'Ünïcödé café?', 'The The THE']
    for settings in TOKENIZER_SETTINGS:
        tok = text.Tokenizer(**settings)
        tok.fit_on_texts(CORPUS)
        tok.fit_on_texts(['extra words after the first fit', ['a', 'List', 'of', 'words']])
        seqs = tok.texts_to_sequences(queries + [['cat', 'Dog', 'zebra']])
        out.append(_tokenizer_state(tok))
        out.append(seqs)
        out.append(list(tok.texts_to_sequences_generator(CORPUS)))
        out.append(tok.sequences_to_texts(seqs + [[1, 2, 3, 99, 0]]))
        for mode in ('binary', 'count', 'freq', 'tfidf'):
            out.append(tok.texts_to_matrix(queries[:2] + CORPUS[:3], mode=mode))
            out.append(tok.sequences_to_matrix([[1, 2, 2, 3], [], [4, 4, 4, 50]], mode=mode))
        config = json.loads(tok.to_json())['config']
        for key in ('word_docs', 'index_docs', 'word_index', 'index_word'):
            config[key] = _sorted_dict(json.loads(config[key]))
        out.append(config)
        back = text.tokenizer_from_json(tok.to_json())
        out.append(back.texts_to_sequences(queries))
        out.append(back.texts_to_matrix(queries, mode='tfidf'))
    tok = text.Tokenizer(num_words=8)
    tok.fit_on_sequences([[1, 2, 3], [2, 3, 3, 7], [5]])
    out.append([tok.document_count, _sorted_dict(tok.index_docs)])
    for mode in ('binary', 'count', 'freq', 'tfidf'):
        out.append(tok.sequences_to_matrix([[1, 2, 2], [7, 5, 9], []], mode=mode))
    return out


SEQUENCE_TEXT_CASES = {
    'pad': pad_cases, 'sampling': sampling_cases, 'skipgrams': skipgram_cases, 'timeseries': timeseries_cases,
    'word_sequences': word_sequence_cases, 'tokenizer': tokenizer_cases,
}


# -- image ----------------------------------------------------------------------------------

def _image(seed, shape=(7, 9, 3), dtype='float32'):
    return (np.random.RandomState(seed).rand(*shape) * 255).astype(dtype)


def affine_cases(sequence, text, image):
    out = []
    x = _image(0)
    for kw in [{'theta': 30}, {'tx': 2, 'ty': -1.5}, {'shear': 15}, {'zx': 0.8, 'zy': 1.3},
               {'theta': 45, 'tx': 1, 'ty': 2, 'shear': 10, 'zx': 1.2, 'zy': 0.9},
               {'theta': 20, 'fill_mode': 'constant', 'cval': 7.0}, {'theta': 20, 'fill_mode': 'reflect'},
               {'theta': 20, 'fill_mode': 'wrap'}, {'theta': 33, 'order': 0}, {'theta': 33, 'order': 3},
               {'theta': 0}, {'zx': 1, 'zy': 1}]:
        out.append(image.apply_affine_transform(x, **kw))
    xc = np.transpose(x, (2, 0, 1)).copy()
    out.append(image.apply_affine_transform(xc, theta=25, tx=1, row_axis=1, col_axis=2, channel_axis=0))
    for fn, args in [('random_rotation', (40,)), ('random_shift', (0.2, 0.3)), ('random_shear', (20,)),
                     ('random_zoom', ((0.7, 1.2),))]:
        np.random.seed(3)
        out.append(getattr(image, fn)(xc, *args))
        np.random.seed(3)
        out.append(getattr(image, fn)(x, *args, row_axis=0, col_axis=1, channel_axis=2, fill_mode='constant'))
    out.append(image.apply_channel_shift(x, 20.0, channel_axis=2))
    out.append(image.apply_channel_shift(xc, -35.5, channel_axis=0))
    np.random.seed(4)
    out.append(image.random_channel_shift(x, 50.0, channel_axis=2))
    out.append(image.apply_brightness_shift(x, 1.4))
    np.random.seed(5)
    out.append(image.random_brightness(x, (0.5, 1.5)))
    out.append(image.flip_axis(x, 1))
    out.append(image.transform_matrix_offset_center(np.eye(3) * 2, 5, 6))
    return out


GENERATOR_SETTINGS = [
    {'rotation_range': 30, 'width_shift_range': 0.2, 'height_shift_range': 0.1, 'zoom_range': 0.2,
     'horizontal_flip': True},
    {'shear_range': 20, 'fill_mode': 'constant', 'cval': 3.0, 'vertical_flip': True, 'channel_shift_range': 30.0},
    {'width_shift_range': 2, 'height_shift_range': [1, 3], 'zoom_range': [0.8, 1.1], 'fill_mode': 'reflect'},
    {'brightness_range': (0.6, 1.3), 'rescale': 1. / 255, 'samplewise_center': True,
     'samplewise_std_normalization': True},
    {'rotation_range': 15, 'fill_mode': 'wrap', 'interpolation_order': 0, 'data_format': 'channels_first'},
    {'width_shift_range': 3.5, 'rotation_range': 10, 'dtype': 'float64', 'preprocessing_function': np.sqrt},
]


def generator_cases(sequence, text, image):
    out = []
    x = _image(1, (10, 6, 8, 3))
    xcf = np.transpose(x, (0, 3, 1, 2)).copy()
    y = np.arange(10) % 3
    for settings in GENERATOR_SETTINGS:
        gen = image.ImageDataGenerator(**settings)
        data = xcf if settings.get('data_format') == 'channels_first' else x
        params = gen.get_random_transform(data.shape[1:], seed=11)
        out.append(params)
        out.append(gen.apply_transform(data[0].copy(), params))
        out.append(gen.random_transform(data[1].copy(), seed=12))
        it = gen.flow(data, y, batch_size=4, seed=7)
        out.append([len(it)] + [list(it[i]) for i in range(len(it))])
        it.on_epoch_end()
        out.append(list(it[0]))
        np.random.seed(8)
        it = gen.flow(data, batch_size=3, shuffle=False)
        out.append([next(it) for _ in range(5)])
    gen = image.ImageDataGenerator(rotation_range=10)
    w = np.linspace(0.1, 1.0, 10)
    it = gen.flow((x, [np.arange(10), np.arange(10) * 2.0]), y, sample_weight=w, batch_size=4, seed=2)
    out.append([list(it[i]) for i in range(len(it))])
    it = gen.flow(x, sample_weight=None, batch_size=5, shuffle=True, seed=3)
    out.append([it[i] for i in range(len(it))])
    split = image.ImageDataGenerator(validation_split=0.3, zoom_range=0.1)
    yy = np.array([0, 1, 2, 0, 1, 2, 0, 1, 2, 0])
    for subset in ('training', 'validation'):
        it = split.flow(x, yy, batch_size=4, seed=1, subset=subset, shuffle=False)
        out.append([list(it[i]) for i in range(len(it))])
    return out


def fit_cases(sequence, text, image):
    out = []
    x = _image(2, (12, 4, 5, 3))
    for settings in [{'featurewise_center': True}, {'featurewise_std_normalization': True, 'rescale': 0.5},
                     {'zca_whitening': True, 'zca_epsilon': 0.1},
                     {'featurewise_center': True, 'featurewise_std_normalization': True,
                      'data_format': 'channels_first'}]:
        gen = image.ImageDataGenerator(**settings)
        data = np.transpose(x, (0, 3, 1, 2)).copy() if settings.get('data_format') else x
        gen.fit(data)
        out.append([gen.mean, gen.std, gen.principal_components])
        out.append(gen.standardize(data[:3].copy()))
    gen = image.ImageDataGenerator(featurewise_center=True, rotation_range=20)
    gen.fit(x, augment=True, rounds=2, seed=4)
    out.append(gen.mean)
    return out


def _make_tree(root, image_module):
    """Class folders of small PNG (and one JPEG, one BMP) images, plus files that are not images."""
    import os
    os.makedirs(root, exist_ok=True)
    rng = np.random.RandomState(0)
    for c, cls in enumerate(['cat', 'dog', 'bird']):
        folder = os.path.join(root, cls)
        os.makedirs(os.path.join(folder, 'nested'), exist_ok=True)
        for i in range(4 + c):
            size = (10 + i, 12 - i)
            arr = (rng.rand(size[0], size[1], 3) * 255).astype('uint8')
            image_module.array_to_img(arr, scale=False).save(os.path.join(folder, 'img_%d.png' % i))
        gray = (rng.rand(9, 11, 1) * 255).astype('uint8')
        image_module.array_to_img(gray, scale=False).save(os.path.join(folder, 'nested', 'g.png'))
        with open(os.path.join(folder, 'notes.txt'), 'w') as f:
            f.write('not an image')
    rgba = (rng.rand(8, 8, 4) * 255).astype('uint8')
    image_module.array_to_img(rgba, scale=False).save(os.path.join(root, 'cat', 'rgba.png'))
    image_module.array_to_img((rng.rand(8, 8, 3) * 255).astype('uint8'), scale=False).save(
        os.path.join(root, 'dog', 'photo.jpg'))
    image_module.array_to_img((rng.rand(6, 7, 3) * 255).astype('uint8'), scale=False).save(
        os.path.join(root, 'bird', 'pic.bmp'))


def directory_cases(sequence, text, image):
    import contextlib
    import io
    import os
    import shutil
    import tempfile
    root = tempfile.mkdtemp()
    try:
        data = os.path.join(root, 'data')
        _make_tree(data, image)
        out = []
        gen = image.ImageDataGenerator(rotation_range=20, horizontal_flip=True, validation_split=0.25)
        plain = image.ImageDataGenerator()
        runs = [(plain, {'target_size': (6, 5), 'seed': 0}), (gen, {'target_size': (6, 5), 'seed': 3}),
                (plain, {'target_size': (7, 7), 'color_mode': 'grayscale', 'class_mode': 'sparse',
                         'shuffle': False}),
                (plain, {'target_size': (4, 6), 'color_mode': 'rgba', 'class_mode': 'binary',
                         'classes': ['dog', 'cat'], 'interpolation': 'bilinear', 'shuffle': False}),
                (plain, {'target_size': (5, 5), 'class_mode': 'input', 'interpolation': 'bicubic',
                         'shuffle': False, 'batch_size': 4}),
                (plain, {'target_size': (5, 5), 'class_mode': None, 'interpolation': 'lanczos', 'seed': 1}),
                (gen, {'target_size': (6, 6), 'subset': 'training', 'seed': 5}),
                (gen, {'target_size': (6, 6), 'subset': 'validation', 'seed': 5}),
                (plain, {'target_size': (6, 6), 'interpolation': 'box', 'batch_size': 100, 'seed': 2}),
                (plain, {'target_size': (6, 6), 'interpolation': 'hamming', 'color_mode': 'grayscale',
                         'seed': 2})]
        for g, kw in runs:
            with contextlib.redirect_stdout(io.StringIO()) as printed:
                it = g.flow_from_directory(data, batch_size=kw.pop('batch_size', 5), **kw)
            out.append([printed.getvalue(), it.filenames, it.classes, it.class_indices, len(it)])
            out.append([it[i] for i in range(len(it))])
        cf = image.ImageDataGenerator(data_format='channels_first', width_shift_range=0.2)
        with contextlib.redirect_stdout(io.StringIO()):
            it = cf.flow_from_directory(data, target_size=(5, 6), seed=9, batch_size=6)
        out.append([it[i] for i in range(len(it))])
        return out
    finally:
        shutil.rmtree(root)


def dataframe_cases(sequence, text, image, make_frame):
    import contextlib
    import io
    import os
    import shutil
    import tempfile
    root = tempfile.mkdtemp()
    try:
        data = os.path.join(root, 'data')
        _make_tree(data, image)
        files = ['cat/img_0.png', 'cat/img_1.png', 'dog/img_0.png', 'dog/photo.jpg', 'bird/img_2.png',
                 'bird/pic.bmp', 'bird/missing.png', 'cat/notes.txt', 'dog/img_3.png', 'cat/nested/g.png']
        frame = {'filename': files,
                 'class': ['cat', 'cat', 'dog', 'dog', 'bird', 'bird', 'bird', 'cat', 'dog', 'cat'],
                 'tags': [['cat'], ['cat', 'cute'], ['dog'], ['dog', 'cute'], ['bird'], ['bird', 'cute'],
                          ['bird'], ['cat'], ['dog', 'big'], ['cat']],
                 'score': [0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5],
                 'count': [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
                 'weight': [1.0, 0.5, 2.0, 1.0, 1.0, 3.0, 1.0, 1.0, 0.25, 1.0],
                 'binary': ['a', 'b', 'a', 'b', 'a', 'b', 'a', 'b', 'a', 'b']}
        df = make_frame(frame)
        out = []
        gen = image.ImageDataGenerator(zoom_range=0.2, validation_split=0.4)
        runs = [{'seed': 0}, {'class_mode': 'sparse', 'shuffle': False}, {'y_col': 'binary', 'class_mode': 'binary',
                                                                 'weight_col': 'weight', 'seed': 1},
                {'y_col': 'tags', 'class_mode': 'categorical', 'shuffle': False},
                {'y_col': 'tags', 'classes': ['cute', 'dog'], 'shuffle': False},
                {'y_col': 'score', 'class_mode': 'raw', 'shuffle': False},
                {'y_col': ['score', 'count'], 'class_mode': 'raw', 'shuffle': False},
                {'y_col': ['score', 'count'], 'class_mode': 'multi_output', 'shuffle': False},
                {'class_mode': None, 'seed': 4, 'color_mode': 'grayscale'},
                {'class_mode': 'input', 'shuffle': False, 'interpolation': 'bilinear'},
                {'generator': gen, 'subset': 'training', 'seed': 2},
                {'generator': gen, 'subset': 'validation', 'seed': 2},
                {'classes': ['dog', 'bird'], 'shuffle': False}]
        for kw in runs:
            g = kw.pop('generator', image.ImageDataGenerator())
            with contextlib.redirect_stdout(io.StringIO()) as printed:
                import warnings
                with warnings.catch_warnings():
                    warnings.simplefilter('ignore')
                    it = g.flow_from_dataframe(df, directory=data, target_size=(5, 4), batch_size=3, **kw)
            try:
                labels = it.labels
            except AttributeError:  # class_mode None or 'input': no labels
                labels = 'no labels'
            out.append([printed.getvalue(), it.filenames, len(it), getattr(it, 'class_indices', None),
                        [list(v) for v in labels] if kw.get('class_mode') == 'multi_output' else labels])
            out.append([it[i] for i in range(len(it))])
        return out
    finally:
        shutil.rmtree(root)


def utils_cases(sequence, text, image):
    import os
    import shutil
    import tempfile
    out = []
    for arr, kw in [(_image(3, (4, 5, 3)), {}), (_image(3, (4, 5, 1)), {}), (_image(3, (4, 5, 4)), {}),
                    (_image(3, (3, 4, 5)), {'data_format': 'channels_first'}), (_image(3, (4, 5, 3)) / 255,
                                                                                   {'scale': True}),
                    (_image(3, (4, 5, 1)) * 40, {'scale': False}), (_image(3, (4, 5, 3)), {'scale': False})]:
        img = image.array_to_img(arr, **kw)
        out.append([img.mode, list(img.size), image.img_to_array(img),
                    image.img_to_array(img, data_format='channels_first', dtype='float64')])
    root = tempfile.mkdtemp()
    try:
        x = _image(4, (6, 7, 3))
        for name, kw in [('a.png', {}), ('b.bmp', {}), ('c.jpg', {'quality': 95}), ('d.png', {'scale': False})]:
            image.save_img(os.path.join(root, name), x, **kw)
            for mode in ('rgb', 'grayscale', 'rgba'):
                out.append(image.img_to_array(image.load_img(os.path.join(root, name), color_mode=mode)))
            out.append(image.img_to_array(image.load_img(os.path.join(root, name), target_size=(3, 4),
                                                         interpolation='bilinear')))
        out.append(sorted(os.path.basename(p) for p in image.list_pictures(root)))
        out.append(sorted(os.path.basename(p) for p in image.list_pictures(root, ext='png')))
    finally:
        shutil.rmtree(root)
    return out


def pandas_dataframe_cases(sequence, text, image):
    import pandas
    return dataframe_cases(sequence, text, image, pandas.DataFrame)


IMAGE_CASES = {'affine': affine_cases, 'generator': generator_cases, 'fit': fit_cases,
               'directory': directory_cases, 'utils': utils_cases, 'dataframe': pandas_dataframe_cases}
