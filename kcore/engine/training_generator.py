"""Keras 2's module path ``keras.engine.training_generator``: the generator loops as functions
of the model (``fit_generator(model, generator, ...)``), run by the model's own methods."""
from kcore import _legacy_paths
from kcore.engine.training_utils import is_sequence, iter_sequence_infinite, should_run_validation  # noqa: F401


def fit_generator(model, generator, steps_per_epoch=None, epochs=1, verbose=1, callbacks=None,
                  validation_data=None, validation_steps=None, validation_freq=1, class_weight=None,
                  max_queue_size=10, workers=1, use_multiprocessing=False, shuffle=True, initial_epoch=0):
    """``model.fit_generator(generator, ...)`` with Keras 2.3's arguments, in its order; returns the History."""
    return model.fit_generator(generator, steps_per_epoch=steps_per_epoch, epochs=epochs, verbose=verbose,
                               callbacks=callbacks, validation_data=validation_data,
                               validation_steps=validation_steps, validation_freq=validation_freq,
                               class_weight=class_weight, max_queue_size=max_queue_size, workers=workers,
                               use_multiprocessing=use_multiprocessing, shuffle=shuffle, initial_epoch=initial_epoch)


def evaluate_generator(model, generator, steps=None, callbacks=None, max_queue_size=10, workers=1,
                       use_multiprocessing=False, verbose=0):
    """``model.evaluate_generator(generator, ...)`` with Keras 2.3's arguments, in its order."""
    return model.evaluate_generator(generator, steps=steps, callbacks=callbacks, max_queue_size=max_queue_size,
                                    workers=workers, use_multiprocessing=use_multiprocessing, verbose=verbose)


def predict_generator(model, generator, steps=None, callbacks=None, max_queue_size=10, workers=1,
                      use_multiprocessing=False, verbose=0):
    """``model.predict_generator(generator, ...)`` with Keras 2.3's arguments, in its order."""
    return model.predict_generator(generator, steps=steps, callbacks=callbacks, max_queue_size=max_queue_size,
                                   workers=workers, use_multiprocessing=use_multiprocessing, verbose=verbose)


__getattr__ = _legacy_paths.module_getattr(__name__, ('K', 'Sequence', 'Progbar', 'to_list', 'unpack_singleton',
                                                      'cbks', 'GeneratorEnqueuer', 'OrderedEnqueuer'))
