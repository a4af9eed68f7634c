"""Preprocessing throughput: kcore against keras_preprocessing 1.1.2 on the same work.

- ``aug32`` / ``aug224``: ImageDataGenerator(rotation, width/height shift, zoom, horizontal
  flip).flow over random 32x32x3 / 224x224x3 images; images per second.
- ``tokenizer``: Tokenizer().fit_on_texts + texts_to_sequences on a 10 MB synthetic corpus
  (Zipf-distributed words); MB per second.

keras_preprocessing needs NumPy < 2, so it runs in its own virtual environment
(``--kp-python``, default /tmp/kp/bin/python; see tools/make_preprocessing_fixtures.py for
the install line). Every measurement is one fresh subprocess that times only the work;
rounds alternate kcore and keras_preprocessing, and the median is reported.

    .venv/bin/python benchmarks/bench_preprocessing.py --rounds 5
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TASKS = {'aug32': (32, 1024, 64), 'aug224': (224, 64, 16)}


def _corpus(megabytes):
    import numpy as np
    rng = np.random.RandomState(0)
    letters = np.array(list('abcdefghijklmnopqrstuvwxyz'))
    vocab = [''.join(rng.choice(letters, size=rng.randint(2, 10))) for _ in range(30000)]
    ranks = np.minimum(rng.zipf(1.3, size=megabytes * 200000), len(vocab)) - 1
    words = [vocab[r] for r in ranks]
    texts, size, i = [], 0, 0
    while size < megabytes * 1e6 and i < len(words):
        line = ' '.join(words[i:i + 60]) + '. Punctuation, too!'
        texts.append(line)
        size += len(line) + 1
        i += 60
    return texts, size


def _work(impl, task):
    """Run one task with one implementation; return (seconds, units of work)."""
    import numpy as np
    if impl == 'kcore':
        from kcore.preprocessing.image import ImageDataGenerator
        from kcore.preprocessing.text import Tokenizer
    else:
        from keras_preprocessing.image import ImageDataGenerator
        from keras_preprocessing.text import Tokenizer
    if task == 'tokenizer':
        texts, size = _corpus(10)
        start = time.perf_counter()
        tok = Tokenizer()
        tok.fit_on_texts(texts)
        seqs = tok.texts_to_sequences(texts)
        elapsed = time.perf_counter() - start
        assert len(seqs) == len(texts)
        return elapsed, size / 1e6
    side, n, batch = TASKS[task]
    x = np.random.RandomState(0).rand(n, side, side, 3).astype('float32') * 255
    gen = ImageDataGenerator(rotation_range=20, width_shift_range=0.1, height_shift_range=0.1, zoom_range=0.1,
                             horizontal_flip=True)
    it = gen.flow(x, batch_size=batch, seed=0, shuffle=True)
    start = time.perf_counter()
    for i in range(len(it)):
        it[i]
    return time.perf_counter() - start, n


def numpy_bilinear(x, affine, offset):
    """A candidate own kernel: order-1 resampling of an (H, W, C) image with clamped edges
    ('nearest'), every channel at once, in NumPy (what scipy.ndimage does per channel in C)."""
    import numpy as np
    h, w = x.shape[:2]
    rows, cols = np.mgrid[:h, :w].astype('float64')
    r = np.clip(affine[0, 0] * rows + affine[0, 1] * cols + offset[0], 0, h - 1)
    c = np.clip(affine[1, 0] * rows + affine[1, 1] * cols + offset[1], 0, w - 1)
    r0 = np.minimum(np.floor(r).astype(np.intp), h - 2)
    c0 = np.minimum(np.floor(c).astype(np.intp), w - 2)
    fr, fc = (r - r0)[..., None], (c - c0)[..., None]
    out = (x[r0, c0] * (1 - fr) * (1 - fc) + x[r0, c0 + 1] * (1 - fr) * fc + x[r0 + 1, c0] * fr * (1 - fc)
           + x[r0 + 1, c0 + 1] * fr * fc)
    return out.astype(x.dtype)


def compare_kernels(rounds):
    """scipy.ndimage.affine_transform (kcore's choice) against the NumPy kernel, on 224x224x3."""
    import numpy as np
    from kcore.preprocessing.image import apply_affine_transform
    from kcore.preprocessing.image.affine_transformations import _transform_matrix, transform_matrix_offset_center
    x = np.random.RandomState(0).rand(224, 224, 3).astype('float32') * 255
    matrix = transform_matrix_offset_center(_transform_matrix(10, 5, -7, 0, 1.1, 0.9), 224, 224)
    ref = apply_affine_transform(x, 10, 5, -7, 0, 1.1, 0.9)
    mine = numpy_bilinear(x, matrix[:2, :2], matrix[:2, 2])
    times = {'scipy': [], 'numpy': []}
    for _ in range(rounds):
        for name, fn in (('scipy', lambda: apply_affine_transform(x, 10, 5, -7, 0, 1.1, 0.9)),
                         ('numpy', lambda: numpy_bilinear(x, matrix[:2, :2], matrix[:2, 2]))):
            start = time.perf_counter()
            for _ in range(10):
                fn()
            times[name].append((time.perf_counter() - start) / 10)
    print('affine kernel, 224x224x3, order 1: scipy %.1f ms, own NumPy kernel %.1f ms; max |difference| %.2g'
          % (1e3 * statistics.median(times['scipy']), 1e3 * statistics.median(times['numpy']),
             float(np.abs(mine - ref).max())))


def _measure(python, impl, task):
    env = dict(os.environ, OMP_NUM_THREADS='1', OPENBLAS_NUM_THREADS='1', MKL_NUM_THREADS='1')
    out = subprocess.run([python, os.path.abspath(__file__), '--worker', impl, task], capture_output=True, text=True,
                         timeout=900, env=env, cwd=os.path.dirname(HERE))
    if out.returncode:
        raise RuntimeError('%s %s failed:\n%s' % (impl, task, out.stderr[-2000:]))
    seconds, units = json.loads(out.stdout.strip().splitlines()[-1])
    return units / seconds


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--rounds', type=int, default=5)
    p.add_argument('--tasks', default='aug32,aug224,tokenizer,kernel')
    p.add_argument('--kp-python', default='/tmp/kp/bin/python')
    p.add_argument('--worker', nargs=2, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        print(json.dumps(_work(*args.worker)))
        return
    units = {'aug32': 'images/s', 'aug224': 'images/s', 'tokenizer': 'MB/s'}
    print('%-10s %14s %14s %8s   (median of %d interleaved rounds, 1 thread)'
          % ('task', 'kcore', 'keras_prep', 'ratio', args.rounds))
    for task in args.tasks.split(','):
        if task == 'kernel':
            compare_kernels(args.rounds)
            continue
        ours, theirs = [], []
        for _ in range(args.rounds):
            ours.append(_measure(sys.executable, 'kcore', task))
            theirs.append(_measure(args.kp_python, 'kp', task))
        a, b = statistics.median(ours), statistics.median(theirs)
        print('%-10s %10.1f %-3s %10.1f %-3s %7.2fx' % (task, a, '', b, '', a / b) + '   ' + units[task])


if __name__ == '__main__':
    main()
