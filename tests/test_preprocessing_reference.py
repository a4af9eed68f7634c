"""kcore.preprocessing against keras_preprocessing 1.1.2, output for output.

The cases are in helpers/preprocessing_cases.py; the reference outputs were written by
tools/make_preprocessing_fixtures.py with the real package (NumPy < 2).
"""
import json
import os

import pytest

from helpers import preprocessing_cases as cases
from kcore.preprocessing import sequence, text

FIXTURES = os.path.join(os.path.dirname(__file__), 'fixtures', 'preprocessing')


def _reference(group):
    with open(os.path.join(FIXTURES, 'keras_preprocessing_1.1.2_%s.json' % group)) as f:
        return json.load(f)


def _compare(got, want, path='out', rel=1e-13, abs_=1e-300):
    """Exact equality, with the location of the first difference in the message."""
    assert type(got) is type(want) or (isinstance(got, (int, float)) and isinstance(want, (int, float))), \
        '%s: %r != %r' % (path, got, want)
    if isinstance(want, dict):
        assert sorted(got) == sorted(want), '%s: keys %s != %s' % (path, sorted(got), sorted(want))
        for k in want:
            _compare(got[k], want[k], '%s.%s' % (path, k), rel, abs_)
    elif isinstance(want, list):
        assert len(got) == len(want), '%s: length %d != %d' % (path, len(got), len(want))
        for i, (g, w) in enumerate(zip(got, want)):
            _compare(g, w, '%s[%d]' % (path, i), rel, abs_)
    elif isinstance(want, float):
        # NumPy 1.26's AVX-512 np.log (what keras_preprocessing ran on) is 1 ulp off at some
        # inputs where NumPy 2's is correctly rounded: floats agree to the last bits
        assert got == pytest.approx(want, rel=rel, abs=abs_), '%s: %r != %r' % (path, got, want)
    else:
        assert got == want and type(got) is type(want), '%s: %r != %r' % (path, got, want)


@pytest.mark.parametrize('name', sorted(cases.SEQUENCE_TEXT_CASES))
def test_sequence_and_text_match_keras_preprocessing(name):
    want = _reference('sequence_text')[name]
    got = json.loads(json.dumps(cases.normalize(cases.SEQUENCE_TEXT_CASES[name](sequence, text))))
    _compare(got, want, name)


@pytest.mark.parametrize('name', sorted(cases.IMAGE_CASES))
def test_image_matches_keras_preprocessing(name, recwarn):
    from kcore.preprocessing import image
    want = _reference('image')[name]
    got = json.loads(json.dumps(cases.normalize(cases.IMAGE_CASES[name](sequence, text, image))))
    _compare(got, want, name)


def test_dataframe_without_pandas_matches_keras_preprocessing(recwarn):
    from kcore.preprocessing import image
    want = _reference('image')['dataframe']
    got = json.loads(json.dumps(cases.normalize(cases.dataframe_cases(sequence, text, image, dict))))
    _compare(got, want, 'dataframe')
