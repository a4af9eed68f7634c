"""The offline preprocessing examples run end to end (small settings)."""
import importlib.util
import os

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'examples')


def _load(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(EXAMPLES, name + '.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_text_classification_example(capsys):
    mlp_acc, emb_acc = _load('text_classification').main(['--epochs', '3', '--samples', '200'])
    assert mlp_acc > 0.6  # three topics with distinct words: well above chance (0.33) after 3 epochs
    assert 'tf-idf MLP test accuracy' in capsys.readouterr().out


def test_image_augmentation_example(capsys):
    acc = _load('image_augmentation').main(['--epochs', '1', '--per-class', '10'])
    assert 0.0 <= acc <= 1.0
    out = capsys.readouterr().out
    assert 'Found 24 images belonging to 3 classes.' in out and 'validation accuracy' in out
