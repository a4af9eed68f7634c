"""Measure how much of Keras 2.3.1's own example scripts and unit tests run on kcore, unchanged,
under an import alias ``keras`` -> ``kcore``.

Usage (from the repository root, with the project's venv)::

    pip download keras==2.3.1 --no-deps --no-binary :all: -d /tmp/k && tar xzf /tmp/k/Keras-2.3.1.tar.gz -C /tmp
    .venv/bin/python tools/keras23_compat.py /tmp/Keras-2.3.1            # examples + tests
    .venv/bin/python tools/keras23_compat.py /tmp/Keras-2.3.1 --only examples --jobs 2
    .venv/bin/python tools/keras23_compat.py /tmp/Keras-2.3.1 --only tests -k losses_test

The Keras tree is only read (sdist: ``examples/*.py``, ``tests/``); nothing of it is copied.
The examples import matplotlib, pandas, Pillow, six, scikit-learn and pydot (with Graphviz's
``dot``), Keras's tests ``flaky``, as with Keras:
``pip install matplotlib pandas pillow six scikit-learn pydot flaky`` and ``apt-get install graphviz``.
A script that fails for a missing third-party module, or for a known incompatibility of the
script itself with today's Python (``ENV_FAILURES``), is reported as ``env``: not a pass, and
not a kcore failure either. Scripts run with NumPy's aliases removed in NumPy 1.24
(``np.float``, ``np.int``, ...) put back, as the NumPy of Keras 2.3's time had them.

Rules of the measurement
------------------------
Examples. Each script runs in its own subprocess (working directory: a fresh temporary
folder), with ``keras`` aliased to ``kcore`` (``tools/keras23_alias.py``), ``$KERAS_HOME``
pointing at a cache of tiny synthetic files in the real formats (``tools/keras23_data.py``:
MNIST, CIFAR-10, IMDB, Reuters, bAbI, Nietzsche; ``fra-eng/fra.txt`` in the working folder),
``MPLBACKEND=Agg``, and the training it asks for bounded: ``fit``/``fit_generator`` run at most
``--max-epochs`` epochs (default 1) of at most ``--max-samples`` rows (256) or ``--max-steps``
steps (3), and ``evaluate`` scores at most that many rows. Loops the script writes itself
(``for iteration in range(200)``) are not touched. ``CAP_OVERRIDES`` changes a cap for a
script, each with its reason (a plot of ``range(epochs)`` needs every epoch; ConvLSTM frames
need fewer samples). A script **passes** when it exits with status 0 within ``--timeout``
seconds (default 600). ``EXAMPLES`` lists the 31 scripts whose data is a Keras dataset, a file
``get_file`` fetches, or generated in the script; ``SKIPPED_EXAMPLES`` the 8 others and why.
``CLASSIC_21`` is the subset the figure of issue 19 counts (fixed before measuring: the 8 the
issue names plus 13 more of the README's vision/text/generative sections).

Unit tests. Each test file runs in its own ``pytest`` subprocess (``-p keras23_alias``, the
Keras tree's ``conftest.py`` files active as in Keras, an empty ini so Keras's ``setup.cfg``
options do not apply, per-file timeout ``--test-timeout``). Counts are pytest's own
(parametrized cases counted one by one): passed / failed (failures and errors) / skipped
(Keras's own ``skipif``s, e.g. TensorFlow-only tests, since ``K.backend()`` is ``'numpy'``).
A file that cannot be collected counts each of its ``test_*`` functions as failed (read from
its source), except a file that fails only on ``import tensorflow`` (or Theano/CNTK) although
it marks itself skipped off that backend (``metrics_confusion_matrix_test.py``): its functions
count as skipped, and the report lists them. The rate is passed / (passed + failed); skips are reported, not counted.
"""
import argparse
import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

TOOLS = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, TOOLS)

import keras23_data  # noqa: E402

EXAMPLES = [
    'addition_rnn', 'antirectifier', 'babi_memnn', 'babi_rnn', 'cifar10_cnn', 'cifar10_resnet',
    'cnn_seq2seq', 'conv_lstm', 'imdb_bidirectional_lstm', 'imdb_cnn', 'imdb_cnn_lstm', 'imdb_fasttext',
    'imdb_lstm', 'lstm_seq2seq', 'lstm_stateful', 'lstm_text_generation', 'mnist_acgan', 'mnist_cnn',
    'mnist_denoising_autoencoder', 'mnist_hierarchical_rnn', 'mnist_irnn', 'mnist_mlp', 'mnist_net2net',
    'mnist_siamese', 'mnist_sklearn_wrapper', 'mnist_swwae', 'mnist_transfer_cnn', 'reuters_mlp',
    'reuters_mlp_relu_vs_selu', 'variational_autoencoder', 'variational_autoencoder_deconv',
]

CLASSIC_21 = [
    'mnist_mlp', 'mnist_cnn', 'imdb_lstm', 'cifar10_cnn', 'addition_rnn', 'babi_memnn', 'lstm_seq2seq',
    'variational_autoencoder', 'antirectifier', 'babi_rnn', 'conv_lstm', 'imdb_bidirectional_lstm', 'imdb_cnn',
    'imdb_cnn_lstm', 'imdb_fasttext', 'lstm_stateful', 'lstm_text_generation', 'mnist_hierarchical_rnn',
    'mnist_irnn', 'mnist_siamese', 'mnist_transfer_cnn',
]

SKIPPED_EXAMPLES = {
    'class_activation_maps': 'needs ImageNet ResNet50 weights and an image file',
    'conv_filter_visualization': 'needs ImageNet VGG16 weights',
    'deep_dream': 'needs ImageNet InceptionV3 weights and an image file',
    'image_ocr': 'needs cairocffi/editdistance and a word list download',
    'neural_doodle': 'needs VGG19 weights and image files',
    'neural_style_transfer': 'needs VGG19 weights and image files',
    'pretrained_word_embeddings': 'needs GloVe vectors and the 20 Newsgroups corpus',
    'lstm_seq2seq_restore': "reads s2s.h5 written by lstm_seq2seq",
}

#: script failures that happen on real Keras too, with today's Python: (example, output pattern, why)
ENV_FAILURES = [
    ('babi_memnn', r"in tokenize\n(?:.*\n){0,8}AttributeError: 'NoneType' object has no attribute 'strip'",
     "re.split(r'(\\W+)?') yields None items since Python 3.7 (the script's tokenizer)"),
    ('variational_autoencoder_deconv', r'in plot_results\n(?:.*\n){0,40}ValueError: The number of FixedLocator '
     r'locations \(31\)', 'plot_results gives 31 tick positions for 30 labels: matplotlib >= 3.5 refuses '
     '(after training and predicting)'),
]

#: per-script overrides of the training caps, with the reason
CAP_OVERRIDES = {
    'reuters_mlp_relu_vs_selu': ({'KERAS23_MAX_EPOCHS': '40'}, 'plots history against range(epochs)'),
    'conv_lstm': ({'KERAS23_MAX_SAMPLES': '10'}, 'four ConvLSTM2D(40) over 15 frames of 40x40: ~30 GFLOP a sample'),
}

TEST_FILES = ['tests/keras/layers/*.py', 'tests/keras/engine/*.py', 'tests/keras/losses_test.py',
              'tests/keras/metrics_*.py', 'tests/keras/optimizers_test.py']


def _child_env(keras_home, extra_pythonpath=()):
    env = dict(os.environ)
    env.update(KERAS_HOME=keras_home, MPLBACKEND='Agg', PYTHONHASHSEED='0', OPENBLAS_NUM_THREADS='1',
               PYTHONPATH=os.pathsep.join([TOOLS, *extra_pythonpath, env.get('PYTHONPATH', '')]).rstrip(os.pathsep))
    return env


_SCRIPT_RUNNER = (
    'import runpy, sys, keras23_alias; keras23_alias.install(); keras23_alias.cap_training(); '
    'keras23_alias.old_numpy_aliases(); '
    'sys.argv = [sys.argv[1]]; runpy.run_path(sys.argv[0], run_name="__main__")')

_BACKEND_IMPORT = re.compile(r"No module named '(tensorflow|theano|cntk)'")

_THIRD_PARTY = re.compile(r"ModuleNotFoundError: No module named '(?!keras|kcore)([\w.]+)'")


def _last_error(text):
    lines = [re.sub(r'^E\s+', '', ln) for ln in text.strip().splitlines() if ln.strip()]
    for ln in reversed(lines):
        if re.match(r'^[\w.]+(Error|Exception|Exit|Interrupt)\b', ln) or ln.startswith('AssertionError'):
            return ln[:300]
    return lines[-1][:300] if lines else ''


def run_example(src, name, keras_home, args):
    """Run one example script; return a dict with its outcome."""
    script = os.path.join(src, 'examples', name + '.py')
    work = tempfile.mkdtemp(prefix='k23_%s_' % name)
    keras23_data.write_workdir_files(work)
    env = _child_env(keras_home)
    env.update(KERAS23_MAX_EPOCHS=str(args.max_epochs), KERAS23_MAX_STEPS=str(args.max_steps),
               KERAS23_MAX_SAMPLES=str(args.max_samples))
    env.update(CAP_OVERRIDES.get(name, ({}, ''))[0])
    start = time.time()
    try:
        proc = subprocess.run([sys.executable, '-c', _SCRIPT_RUNNER, script], cwd=work, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=args.timeout)
        out, rc = proc.stdout.decode('utf-8', 'replace'), proc.returncode
        status = 'pass' if rc == 0 else 'fail'
    except subprocess.TimeoutExpired as e:
        out, rc, status = (e.stdout or b'').decode('utf-8', 'replace'), None, 'timeout'
    finally:
        shutil.rmtree(work, ignore_errors=True)
    cause = '' if status == 'pass' else _last_error(out) if status == 'fail' else 'no exit within %ds' % args.timeout
    if status == 'fail' and _THIRD_PARTY.search(out):
        status = 'env'
    for example, pattern, why in ENV_FAILURES:
        if status == 'fail' and example == name and re.search(pattern, out):
            status, cause = 'env', why
    print('  %s: %s (%.0fs)' % (name, status, time.time() - start), file=sys.stderr, flush=True)
    return {'name': name, 'status': status, 'seconds': round(time.time() - start, 1), 'cause': cause,
            'output_tail': out[-3000:]}


def _count_test_functions(path):
    try:
        tree = ast.parse(open(path, encoding='utf-8').read())
    except SyntaxError:
        return 1
    return max(1, sum(1 for node in ast.walk(tree)
                      if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith('test')))


def run_test_file(src, rel, keras_home, args):
    """Run one Keras test file under pytest; return its counts and failure causes."""
    work = tempfile.mkdtemp(prefix='k23t_')
    ini, report = os.path.join(work, 'pytest.ini'), os.path.join(work, 'report.xml')
    with open(ini, 'w') as f:
        f.write('[pytest]\n')
    cmd = [sys.executable, '-m', 'pytest', '-q', '-p', 'keras23_alias', '-p', 'no:randomly', '-p', 'no:cacheprovider',
           '-c', ini, '--rootdir', src, '--junitxml', report, '-o', 'junit_family=xunit1', rel]
    if args.keyword:
        cmd[-1:-1] = ['-k', args.keyword]
    start = time.time()
    try:
        proc = subprocess.run(cmd, cwd=src, env=_child_env(keras_home), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=args.test_timeout)
        out, timed_out = proc.stdout.decode('utf-8', 'replace'), False
    except subprocess.TimeoutExpired as e:
        out, timed_out = (e.stdout or b'').decode('utf-8', 'replace'), True
    result = {'file': rel, 'passed': 0, 'failed': 0, 'skipped': 0, 'causes': {}, 'seconds': 0.0}
    cases = []
    if os.path.exists(report):
        for case in ET.parse(report).getroot().iter('testcase'):
            kids = {child.tag: child for child in case}
            if 'skipped' in kids:
                result['skipped'] += 1
            elif 'failure' in kids or 'error' in kids:
                node = kids.get('failure', kids.get('error'))
                message = node.get('message') or ''
                if 'collection failure' in message:
                    cases.append(('collect', _last_error(node.text or '') or message))
                    continue
                cause = message.strip().splitlines()
                cause = cause[0][:200] if cause else _last_error(node.text or '') or node.tag
                result['failed'] += 1
                result['causes'][cause] = result['causes'].get(cause, 0) + 1
            else:
                result['passed'] += 1
    total = result['passed'] + result['failed'] + result['skipped']
    if total == 0 or cases:
        n = _count_test_functions(os.path.join(src, rel))
        cause = cases[0][1] if cases else ('timed out' if timed_out else _last_error(out) or 'not collected')
        if _BACKEND_IMPORT.search(cause):  # a file Keras skips off TensorFlow, but that imports it first
            result['skipped'] += n
            result['skip_causes'] = {'[whole file] ' + cause: n}
        else:
            result['failed'] += n
            result['causes']['[collection] ' + cause] = n
    elif timed_out:
        result['causes']['[file timed out after %ds; later tests not run]' % args.test_timeout] = 1
    result['seconds'] = round(time.time() - start, 1)
    shutil.rmtree(work, ignore_errors=True)
    print('  %s: %d/%d/%d' % (rel, result['passed'], result['failed'], result['skipped']), file=sys.stderr, flush=True)
    return result


def _test_files(src, keyword_files):
    import glob
    files = []
    for pattern in TEST_FILES:
        files += sorted(os.path.relpath(p, src) for p in glob.glob(os.path.join(src, pattern))
                        if not os.path.basename(p).startswith('__'))
    if keyword_files:
        files = [f for f in files if any(k in f for k in keyword_files)]
    return files


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('keras_src', help='a Keras 2.3.1 source tree (with examples/ and tests/)')
    parser.add_argument('--only', choices=['examples', 'tests'], help='run only one half')
    parser.add_argument('--names', nargs='*', help='example names or test-file substrings to run')
    parser.add_argument('--jobs', type=int, default=2, help='subprocesses at once (default 2)')
    parser.add_argument('--timeout', type=int, default=600, help='seconds per example script')
    parser.add_argument('--test-timeout', type=int, default=600, help='seconds per test file')
    parser.add_argument('--max-epochs', type=int, default=1)
    parser.add_argument('--max-steps', type=int, default=3)
    parser.add_argument('--max-samples', type=int, default=256)
    parser.add_argument('-k', dest='keyword', help='pytest -k expression for the test files')
    parser.add_argument('--json', help='write the full results to this file')
    args = parser.parse_args(argv)
    src = os.path.abspath(args.keras_src)
    keras_home = keras23_data.write_keras_cache(tempfile.mkdtemp(prefix='k23home_'))
    results = {}
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        if args.only != 'tests':
            names = [n for n in EXAMPLES if not args.names or n in args.names]
            examples = list(pool.map(lambda n: run_example(src, n, keras_home, args), names))
            results['examples'] = examples
            print('\n%-30s %-8s %7s  %s' % ('example', 'status', 'seconds', 'cause'))
            for r in examples:
                print('%-30s %-8s %7.1f  %s' % (r['name'], r['status'], r['seconds'], r['cause'][:110]))
            for label, subset in (('all runnable', names), ('classic 21', [n for n in CLASSIC_21 if n in names])):
                passed = sum(1 for r in examples if r['name'] in subset and r['status'] == 'pass')
                print('examples (%s): %d/%d pass' % (label, passed, len(subset)))
            print('not run (%d): %s' % (len(SKIPPED_EXAMPLES), ', '.join(sorted(SKIPPED_EXAMPLES))))
        if args.only != 'examples':
            files = _test_files(src, args.names if args.only == 'tests' else None)
            tests = list(pool.map(lambda f: run_test_file(src, f, keras_home, args), files))
            results['tests'] = tests
            print('\n%-50s %6s %6s %6s %7s' % ('test file', 'pass', 'fail', 'skip', 'seconds'))
            for r in tests:
                print('%-50s %6d %6d %6d %7.1f' % (r['file'], r['passed'], r['failed'], r['skipped'], r['seconds']))
            for r in tests:
                for cause, n in r.get('skip_causes', {}).items():
                    print('  skipped %d in %s: %s' % (n, r['file'], cause))
            p, f, s = (sum(r[k] for r in tests) for k in ('passed', 'failed', 'skipped'))
            print('unit tests: %d passed, %d failed, %d skipped: %.1f%% of run tests pass'
                  % (p, f, s, 100.0 * p / max(1, p + f)))
            causes = {}
            for r in tests:
                for cause, n in r['causes'].items():
                    causes[cause] = causes.get(cause, 0) + n
            print('\nmost frequent failure causes:')
            for cause, n in sorted(causes.items(), key=lambda kv: -kv[1])[:25]:
                print('%5d  %s' % (n, cause[:150]))
    shutil.rmtree(keras_home, ignore_errors=True)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main())
