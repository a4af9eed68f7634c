"""The README's demo: an MLP on scikit-learn's bundled digits, run as a script with few epochs."""
import os
import re
import subprocess
import sys

import pytest

pytest.importorskip('sklearn', reason='the demo reads scikit-learn\'s bundled digits (pip install scikit-learn)')

DEMO = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'examples', 'mnist_mlp.py')


def test_demo_trains_on_real_digits_with_the_progress_bar():
    proc = subprocess.run([sys.executable, DEMO, '--epochs', '3', '--verbose', '1'], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert '1437 training and 360 held-out digits of 64 pixels' in out
    assert re.search(r'41/41 \[={30}\] - \d+s \d+[mu]?s/step - loss: [\d.]+ - accuracy: [\d.]+ - val_loss', out)
    accuracy = float(re.search(r'held-out accuracy: ([\d.]+)%', out).group(1))
    assert accuracy > 80.0  # three epochs; the full run (40 epochs) reaches about 97.5%
