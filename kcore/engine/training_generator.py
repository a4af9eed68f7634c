"""Keras 2's module path ``keras.engine.training_generator``: the generator loops as functions
of the model (``fit_generator(model, generator, ...)``), run by the model's own methods."""
from kcore import _legacy_paths
from kcore.engine.training_utils import is_sequence, iter_sequence_infinite, should_run_validation  # noqa: F401


def fit_generator(model, generator, **kwargs):
    """``model.fit_generator(generator, **kwargs)``; returns the History."""
    return model.fit_generator(generator, **kwargs)


def evaluate_generator(model, generator, **kwargs):
    """``model.evaluate_generator(generator, **kwargs)``."""
    return model.evaluate_generator(generator, **kwargs)


def predict_generator(model, generator, **kwargs):
    """``model.predict_generator(generator, **kwargs)``."""
    return model.predict_generator(generator, **kwargs)


__getattr__ = _legacy_paths.module_getattr(__name__, ('K', 'Sequence', 'Progbar', 'to_list', 'unpack_singleton',
                                                      'cbks', 'GeneratorEnqueuer', 'OrderedEnqueuer'))
