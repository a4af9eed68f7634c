"""Write keras_preprocessing 1.1.2's outputs on kcore's preprocessing cases (tests/fixtures/preprocessing/).

The cases live in tests/helpers/preprocessing_cases.py and run unchanged against kcore in
tests/test_preprocessing_reference.py. Run this with the real package in a virtual
environment of its own (it needs NumPy < 2, as keras_preprocessing uses ``np.unicode_``):

    python3 -m venv /tmp/kp && /tmp/kp/bin/pip install "numpy<2" keras_preprocessing==1.1.2 scipy pillow six
    /tmp/kp/bin/python tools/make_preprocessing_fixtures.py
"""
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'helpers'))

import keras_preprocessing  # noqa: E402
from keras_preprocessing import image, sequence, text  # noqa: E402

import preprocessing_cases as cases  # noqa: E402

OUT = os.path.join(ROOT, 'tests', 'fixtures', 'preprocessing')


def main():
    assert keras_preprocessing.__version__ == '1.1.2', keras_preprocessing.__version__
    os.makedirs(OUT, exist_ok=True)
    for group, table in (('sequence_text', cases.SEQUENCE_TEXT_CASES),
                         ('image', getattr(cases, 'IMAGE_CASES', {}))):
        if not table:
            continue
        result = {name: cases.normalize(run(sequence, text, image)) for name, run in table.items()}
        path = os.path.join(OUT, 'keras_preprocessing_1.1.2_%s.json' % group)
        with open(path, 'w') as f:
            json.dump(result, f, separators=(',', ':'), sort_keys=True)
        print('wrote', path, os.path.getsize(path), 'bytes')


if __name__ == '__main__':
    main()
