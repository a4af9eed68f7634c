"""Tiny synthetic stand-ins, in the real file formats, for the data Keras 2.3.1's example
scripts download (used by ``tools/keras23_compat.py``; not part of kcore).

``write_keras_cache(home)`` fills ``<home>/datasets`` as ``keras.datasets`` / ``get_file``
expect it (``$KERAS_HOME`` then points at ``home``): ``mnist.npz``, CIFAR-10's pickled
batches, ``imdb.npz``/``reuters.npz`` with their word indexes, the bAbI tarball, and
``nietzsche.txt``. ``write_workdir_files(folder)`` writes what scripts read from their
working directory (``fra-eng/fra.txt``). Shapes, dtypes and value ranges are the real ones;
only the number of samples is small (except MNIST's, which scripts hard-code). Fixed seeds:
every run sees the same data.
"""
import io
import json
import os
import pickle
import tarfile

import numpy as np

WORDS = ('the a mary john sandra daniel went moved to journeyed travelled back kitchen garden '
         'office hallway bathroom bedroom picked up got dropped left football apple milk where '
         'is what was before there and then').split()


def _object_array(seqs):
    out = np.empty(len(seqs), dtype=object)
    out[:] = [list(map(int, s)) for s in seqs]
    return out


def _sequences(rng, n, vocab, low=8, high=120):
    return [rng.randint(1, vocab, size=rng.randint(low, high)) for _ in range(n)]


def _mnist(folder, rng, n_train=60000, n_test=10000):  # full size: scripts reshape(60000, 784)
    labels = lambda n: np.arange(n, dtype='uint8') % 10  # every digit present (siamese pairs need it)
    np.savez(os.path.join(folder, 'mnist.npz'),
             x_train=rng.randint(0, 256, (n_train, 28, 28)).astype('uint8'), y_train=labels(n_train),
             x_test=rng.randint(0, 256, (n_test, 28, 28)).astype('uint8'), y_test=labels(n_test))


def _cifar10(folder, rng, per_batch=24, n_test=20):
    root = os.path.join(folder, 'cifar-10-batches-py')
    os.makedirs(root, exist_ok=True)
    for name, n in [('data_batch_%d' % i, per_batch) for i in range(1, 6)] + [('test_batch', n_test)]:
        batch = {b'batch_label': name.encode(), b'data': rng.randint(0, 256, (n, 3072)).astype('uint8'),
                 b'labels': [int(v) % 10 for v in range(n)], b'filenames': [b'%d.png' % i for i in range(n)]}
        with open(os.path.join(root, name), 'wb') as f:
            pickle.dump(batch, f, protocol=2)


def _imdb(folder, rng, n_train=200, n_test=50):
    np.savez(os.path.join(folder, 'imdb.npz'),
             x_train=_object_array(_sequences(rng, n_train, 6000)), y_train=rng.randint(0, 2, n_train),
             x_test=_object_array(_sequences(rng, n_test, 6000)), y_test=rng.randint(0, 2, n_test))
    with open(os.path.join(folder, 'imdb_word_index.json'), 'w') as f:
        json.dump({w: i + 1 for i, w in enumerate(WORDS)}, f)


def _reuters(folder, rng, n=250):
    np.savez(os.path.join(folder, 'reuters.npz'), x=_object_array(_sequences(rng, n, 1200, 5, 60)),
             y=np.arange(n) % 46)
    with open(os.path.join(folder, 'reuters_word_index.json'), 'w') as f:
        json.dump({w: i + 1 for i, w in enumerate(WORDS)}, f)


def _babi_story(rng, facts):
    people, places = ['Mary', 'John', 'Sandra', 'Daniel'], ['kitchen', 'garden', 'office', 'hallway']
    lines, where = [], {}
    for i in range(1, facts + 1):
        who, place = people[rng.randint(4)], places[rng.randint(4)]
        where[who] = (place, i)
        lines.append('%d %s moved to the %s.' % (i, who, place))
    who = sorted(where)[rng.randint(len(where))]
    place, support = where[who]
    lines.append('%d Where is %s? \t%s\t%d' % (facts + 1, who, place, support))
    return '\n'.join(lines) + '\n'


def _babi(folder, rng, stories=60):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w:gz') as tar:
        for sub in ('en', 'en-10k'):
            for task in ('qa1_single-supporting-fact', 'qa2_two-supporting-facts'):
                for split in ('train', 'test'):
                    text = ''.join(_babi_story(rng, rng.randint(2, 6)) for _ in range(stories)).encode()
                    info = tarfile.TarInfo('tasks_1-20_v1-2/%s/%s_%s.txt' % (sub, task, split))
                    info.size = len(text)
                    tar.addfile(info, io.BytesIO(text))
    with open(os.path.join(folder, 'babi-tasks-v1-2.tar.gz'), 'wb') as f:
        f.write(buf.getvalue())


def _nietzsche(folder, rng, words=500):
    text = ' '.join(WORDS[i] for i in rng.randint(0, len(WORDS), words))
    with open(os.path.join(folder, 'nietzsche.txt'), 'w', encoding='utf-8') as f:
        f.write(text.capitalize() + '.\n')


def write_keras_cache(home):
    """Fill ``<home>/datasets`` with the small files; return ``home``."""
    folder = os.path.join(home, 'datasets')
    os.makedirs(folder, exist_ok=True)
    rng = np.random.RandomState(0)
    for writer in (_mnist, _cifar10, _imdb, _reuters, _babi, _nietzsche):
        writer(folder, rng)
    return home


def write_workdir_files(folder, pairs=120):
    """``fra-eng/fra.txt`` (tab-separated English/French pairs) in ``folder``."""
    rng = np.random.RandomState(1)
    english = ['Go.', 'Run!', 'Hi.', 'Stop!', 'Wait!', 'I see.', 'Help!', 'Hello!']
    french = ['Va !', 'Cours !', 'Salut !', 'Arrête !', 'Attends !', 'Je vois.', "À l'aide !", 'Bonjour !']
    os.makedirs(os.path.join(folder, 'fra-eng'), exist_ok=True)
    with open(os.path.join(folder, 'fra-eng', 'fra.txt'), 'w', encoding='utf-8') as f:
        for _ in range(pairs):
            i = rng.randint(len(english))
            f.write('%s\t%s\n' % (english[i], french[i]))
